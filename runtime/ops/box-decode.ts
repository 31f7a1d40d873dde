/**
 * Anchor-free box decoding with autograd with respect to the predictions:
 * boxDecode(pred, points, strides) → xyxy boxes [B, A, 4] (see runtime/kernels/box-decode.ts
 * for the ltrb / center formulas and layouts). Anchor points and strides come from
 * `makeAnchorPoints` and are constants.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import {
  boxDecode as encodeBoxDecode,
  boxDecodeBackward,
  type BoxDecodeMode,
  type BoxDecodeShape,
  type BoxLayout,
} from "../kernels/box-decode.js";
import { boxDecodeBackwardRef, boxDecodeRef } from "../kernels/reference/boxes.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

export {
  makeAnchorPoints,
  type PyramidLevel,
  type BoxDecodeMode,
  type BoxLayout,
} from "../kernels/box-decode.js";

interface Attrs {
  shape: BoxDecodeShape;
  predShape: readonly number[];
}

function floatsOf(be: CpuBackend, values: Float64Array, shape: readonly number[]): Tensor {
  const out = be.floatArray(values.length);
  out.set(values);
  return be.fromData(out, shape);
}

const boxDecodeGradOp = defineOp<Attrs>({
  name: "box_decode_grad",
  cpu: ([pred, strides, dBoxes], a, be) =>
    floatsOf(
      be,
      boxDecodeBackwardRef(a.shape, be.floats(pred), be.floats(strides), be.floats(dBoxes)),
      a.predShape,
    ),
  webgpu: ([pred, strides, dBoxes], a, be) => {
    const dPred = be.empty(a.predShape);
    boxDecodeBackward(
      be.device,
      a.shape,
      be.buffer(pred),
      be.buffer(strides),
      be.buffer(dBoxes),
      be.buffer(dPred),
      be.encoder(),
    );
    return dPred;
  },
});

const boxDecodeOp = defineOp<Attrs>({
  name: "box_decode",
  cpu: ([pred, points, strides], a, be) => {
    requireF32("boxDecode", pred, points, strides);
    return floatsOf(
      be,
      boxDecodeRef(a.shape, be.floats(pred), be.floats(points), be.floats(strides)),
      [a.shape.batch, a.shape.anchors, 4],
    );
  },
  webgpu: ([pred, points, strides], a, be) => {
    requireF32("boxDecode", pred, points, strides);
    const boxes = be.empty([a.shape.batch, a.shape.anchors, 4]);
    encodeBoxDecode(
      be.device,
      a.shape,
      be.buffer(pred),
      be.buffer(points),
      be.buffer(strides),
      be.buffer(boxes),
      be.encoder(),
    );
    return boxes;
  },
  backward: ({ inputs: [pred, , strides], grads: [g], attrs }) => [
    boxDecodeGradOp([pred, strides, g], attrs)[0],
    null,
    null,
  ],
  nondifferentiable: [1, 2],
});

export interface BoxDecodeOptions {
  /** "ltrb" distances (YOLOv8) or "center" offsets + log sizes (YOLOX). Default "ltrb". */
  mode?: BoxDecodeMode;
  /** Layout of `pred`: "channels-first" [B, 4, A] (default) or "channels-last" [B, A, 4]. */
  layout?: BoxLayout;
}

/** xyxy boxes [B, A, 4] from predictions, anchor points [A, 2] and per-anchor strides [A]. */
export function boxDecode(
  pred: Tensor,
  points: Tensor,
  strides: Tensor,
  options: BoxDecodeOptions = {},
): Tensor {
  const layout = options.layout ?? "channels-first";
  const A = points.shape[0];
  const okPred =
    pred.rank === 3 &&
    (layout === "channels-first"
      ? pred.shape[1] === 4 && pred.shape[2] === A
      : pred.shape[1] === A && pred.shape[2] === 4);
  if (
    !okPred ||
    points.rank !== 2 ||
    points.shape[1] !== 2 ||
    strides.rank !== 1 ||
    strides.shape[0] !== A
  ) {
    throw new Error(
      `boxDecode: expects pred ${layout === "channels-first" ? "[B, 4, A]" : "[B, A, 4]"}, points [A, 2], strides [A]; got ${formatShape(pred.shape)}, ${formatShape(points.shape)}, ${formatShape(strides.shape)}`,
    );
  }
  const shape: BoxDecodeShape = {
    batch: pred.shape[0],
    anchors: A,
    mode: options.mode ?? "ltrb",
    layout,
  };
  return boxDecodeOp([pred, points, strides], { shape, predShape: pred.shape })[0];
}
