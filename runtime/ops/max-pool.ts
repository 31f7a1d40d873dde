/**
 * 2-D max pooling (NCHW, floor mode, implicit −∞ padding) with autograd: the forward saves the
 * argmax (u32, index inside each H·W plane) and the backward routes gradients to it.
 * Kernels: runtime/kernels/max-pool.ts; CPU reference: runtime/kernels/reference/pool.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import {
  maxPool2dBackward,
  maxPool2dForward,
  maxPool2dGeometry,
  type MaxPool2dGeometry,
} from "../kernels/max-pool.js";
import { maxPool2dBackwardRef, maxPool2dForwardRef } from "../kernels/reference/pool.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

export interface MaxPool2dOptions {
  kernel: number | [number, number];
  /** Default: the kernel size. */
  stride?: number | [number, number];
  padding?: number | [number, number];
}

interface Attrs {
  g: MaxPool2dGeometry;
}

const pair = (v: number | [number, number]): [number, number] =>
  typeof v === "number" ? [v, v] : v;

function floatsOf(be: CpuBackend, values: Float64Array, shape: readonly number[]): Tensor {
  const out = be.floatArray(values.length);
  out.set(values);
  return be.fromData(out, shape);
}

const outShape = (g: MaxPool2dGeometry) => [g.batch, g.channels, g.outH, g.outW];

const maxPoolGradOp = defineOp<Attrs>({
  name: "max_pool2d_grad",
  cpu: ([dy, argmax], { g }, be) =>
    floatsOf(be, maxPool2dBackwardRef(g, be.data(argmax) as Uint32Array, be.floats(dy)), [
      g.batch,
      g.channels,
      g.height,
      g.width,
    ]),
  webgpu: ([dy, argmax], { g }, be) => {
    const dx = be.empty([g.batch, g.channels, g.height, g.width]);
    maxPool2dBackward(be.device, g, be.buffer(dy), be.buffer(argmax), be.buffer(dx), be.encoder());
    return dx;
  },
});

const maxPoolOp = defineOp<Attrs>({
  name: "max_pool2d",
  cpu: ([x], { g }, be) => {
    requireF32("maxPool2d", x);
    const r = maxPool2dForwardRef(g, be.floats(x));
    return {
      outputs: [floatsOf(be, r.y, outShape(g))],
      saved: [be.fromData(r.argmax, outShape(g), "u32")],
    };
  },
  webgpu: ([x], { g }, be) => {
    requireF32("maxPool2d", x);
    const y = be.empty(outShape(g));
    const argmax = be.empty(outShape(g), "u32");
    maxPool2dForward(be.device, g, be.buffer(x), be.buffer(y), be.buffer(argmax), be.encoder());
    return { outputs: [y], saved: [argmax] };
  },
  backward: ({ saved: [argmax], grads: [dy], attrs }) => [maxPoolGradOp([dy, argmax], attrs)[0]],
});

/** y [N, C, OH, OW] = max over kernel windows of x [N, C, H, W]. */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  if (x.rank !== 4)
    throw new Error(`maxPool2d: x must be [N, C, H, W], got ${formatShape(x.shape)}`);
  const [kh, kw] = pair(options.kernel);
  const [sh, sw] = pair(options.stride ?? options.kernel);
  const [ph, pw] = pair(options.padding ?? 0);
  const [N, C, H, W] = x.shape;
  const g = maxPool2dGeometry({
    batch: N,
    channels: C,
    height: H,
    width: W,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
  });
  return maxPoolOp([x], { g })[0];
}
