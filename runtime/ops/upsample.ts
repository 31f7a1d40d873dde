/**
 * Nearest-neighbour upsampling by integer factors (NCHW) with autograd.
 * Kernels: runtime/kernels/upsample.ts; CPU reference: runtime/kernels/reference/pool.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import {
  upsampleNearestBackward,
  upsampleNearestForward,
  type UpsampleGeometry,
} from "../kernels/upsample.js";
import {
  upsampleNearestBackwardRef,
  upsampleNearestForwardRef,
} from "../kernels/reference/pool.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

interface Attrs {
  g: UpsampleGeometry;
  inShape: readonly number[];
  outShape: readonly number[];
}

function floatsOf(be: CpuBackend, values: Float64Array, shape: readonly number[]): Tensor {
  const out = be.floatArray(values.length);
  out.set(values);
  return be.fromData(out, shape);
}

const upsampleGradOp = defineOp<Attrs>({
  name: "upsample_nearest2d_grad",
  cpu: ([dy], a, be) => floatsOf(be, upsampleNearestBackwardRef(a.g, be.floats(dy)), a.inShape),
  webgpu: ([dy], a, be) => {
    const dx = be.empty(a.inShape);
    upsampleNearestBackward(be.device, a.g, be.buffer(dy), be.buffer(dx), be.encoder());
    return dx;
  },
});

const upsampleOp = defineOp<Attrs>({
  name: "upsample_nearest2d",
  cpu: ([x], a, be) => {
    requireF32("upsampleNearest2d", x);
    return floatsOf(be, upsampleNearestForwardRef(a.g, be.floats(x)), a.outShape);
  },
  webgpu: ([x], a, be) => {
    requireF32("upsampleNearest2d", x);
    const y = be.empty(a.outShape);
    upsampleNearestForward(be.device, a.g, be.buffer(x), be.buffer(y), be.encoder());
    return y;
  },
  backward: ({ grads: [dy], attrs }) => [upsampleGradOp([dy], attrs)[0]],
});

/** y [N, C, H·s, W·s] = nearest(x [N, C, H, W]); `scale` is an integer or [sH, sW] (default 2). */
export function upsampleNearest2d(x: Tensor, scale: number | [number, number] = 2): Tensor {
  if (x.rank !== 4)
    throw new Error(`upsampleNearest2d: x must be [N, C, H, W], got ${formatShape(x.shape)}`);
  const [sh, sw] = typeof scale === "number" ? [scale, scale] : scale;
  const [N, C, H, W] = x.shape;
  const g: UpsampleGeometry = { planes: N * C, height: H, width: W, scaleH: sh, scaleW: sw };
  return upsampleOp([x], { g, inShape: x.shape, outShape: [N, C, H * sh, W * sw] })[0];
}
