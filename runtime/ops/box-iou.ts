/**
 * Box overlap ops:
 *  - boxIou(a [N, 4], b [M, 4]) → IoU matrix [N, M] (torchvision arithmetic, 0 for two
 *    zero-area boxes; no gradient: it is for assignment, matching and metrics);
 *  - bboxIou(pred [P, 4], target [P, 4], kind) → IoU / GIoU / DIoU / CIoU per pair with
 *    autograd with respect to pred (Ultralytics' bbox_iou; CIoU's α is a constant).
 * Kernels: runtime/kernels/box-iou.ts, box-iou-loss.ts; references: kernels/reference/boxes.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { boxIouMatrix } from "../kernels/box-iou.js";
import { boxIouMetric, boxIouMetricBackward, type IouKind } from "../kernels/box-iou-loss.js";
import {
  boxIouMatrixRef,
  boxIouMetricBackwardRef,
  boxIouMetricRef,
} from "../kernels/reference/boxes.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

export type { IouKind } from "../kernels/box-iou-loss.js";

function floatsOf(be: CpuBackend, values: Float64Array, shape: readonly number[]): Tensor {
  const out = be.floatArray(values.length);
  out.set(values);
  return be.fromData(out, shape);
}

function checkBoxes(op: string, ...ts: Tensor[]) {
  for (const t of ts) {
    if (t.rank !== 2 || t.shape[1] !== 4)
      throw new Error(`${op}: boxes must be [N, 4] xyxy, got ${formatShape(t.shape)}`);
  }
}

const boxIouOp = defineOp({
  name: "box_iou",
  cpu: ([a, b], _attrs, be) => {
    requireF32("boxIou", a, b);
    return floatsOf(be, boxIouMatrixRef(be.floats(a), be.floats(b)), [a.shape[0], b.shape[0]]);
  },
  webgpu: ([a, b], _attrs, be) => {
    requireF32("boxIou", a, b);
    const out = be.empty([a.shape[0], b.shape[0]]);
    boxIouMatrix(
      be.device,
      a.shape[0],
      b.shape[0],
      be.buffer(a),
      be.buffer(b),
      be.buffer(out),
      be.encoder(),
    );
    return out;
  },
});

/** IoU matrix [N, M] between xyxy boxes a [N, 4] and b [M, 4] (no gradient). */
export function boxIou(a: Tensor, b: Tensor): Tensor {
  checkBoxes("boxIou", a, b);
  return boxIouOp([a, b], {})[0];
}

interface MetricAttrs {
  kind: IouKind;
}

const bboxIouGradOp = defineOp<MetricAttrs>({
  name: "bbox_iou_grad",
  cpu: ([pred, target, g], { kind }, be) =>
    floatsOf(
      be,
      boxIouMetricBackwardRef(kind, be.floats(pred), be.floats(target), be.floats(g)),
      pred.shape,
    ),
  webgpu: ([pred, target, g], { kind }, be) => {
    const d = be.empty(pred.shape);
    boxIouMetricBackward(
      be.device,
      kind,
      pred.shape[0],
      be.buffer(pred),
      be.buffer(target),
      be.buffer(g),
      be.buffer(d),
      be.encoder(),
    );
    return d;
  },
});

const bboxIouOp = defineOp<MetricAttrs>({
  name: "bbox_iou",
  cpu: ([pred, target], { kind }, be) => {
    requireF32("bboxIou", pred, target);
    return floatsOf(be, boxIouMetricRef(kind, be.floats(pred), be.floats(target)), [pred.shape[0]]);
  },
  webgpu: ([pred, target], { kind }, be) => {
    requireF32("bboxIou", pred, target);
    const out = be.empty([pred.shape[0]]);
    boxIouMetric(
      be.device,
      kind,
      pred.shape[0],
      be.buffer(pred),
      be.buffer(target),
      be.buffer(out),
      be.encoder(),
    );
    return out;
  },
  backward: ({ inputs: [pred, target], grads: [g], attrs }) => [
    bboxIouGradOp([pred, target, g], attrs)[0],
    null,
  ],
  nondifferentiable: [1],
});

/**
 * IoU-family metric per matched pair: pred, target [P, 4] xyxy → [P]. Use `1 − metric` as
 * the box loss. The gradient flows into pred only.
 */
export function bboxIou(pred: Tensor, target: Tensor, kind: IouKind = "ciou"): Tensor {
  checkBoxes("bboxIou", pred, target);
  if (pred.shape[0] !== target.shape[0]) {
    throw new Error(`bboxIou: ${pred.shape[0]} predictions vs ${target.shape[0]} targets`);
  }
  return bboxIouOp([pred, target], { kind })[0];
}
