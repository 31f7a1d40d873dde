/**
 * conv2d (NCHW input, OIHW weight, optional bias; stride, zero padding, dilation, groups) with
 * autograd. Kernels: runtime/kernels/conv2d.ts (implicit GEMM); CPU reference:
 * runtime/kernels/reference/conv2d.ts. The backward is three non-differentiable ops, each
 * run only for the inputs that need a gradient.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import {
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
  conv2dGeometry,
  type Conv2dGeometry,
} from "../kernels/conv2d.js";
import { conv2dBackwardRef, conv2dForwardRef } from "../kernels/reference/conv2d.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { FloatArray } from "../tensor/dtype.js";

export interface Conv2dOptions {
  /** One number for both axes or [h, w]. Default 1. */
  stride?: number | [number, number];
  /** Zero padding per side. Default 0. */
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}

interface Attrs {
  g: Conv2dGeometry;
}

const pair = (v: number | [number, number] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : v;

function geometryFor(x: Tensor, w: Tensor, options: Conv2dOptions): Conv2dGeometry {
  if (x.rank !== 4 || w.rank !== 4) {
    throw new Error(
      `conv2d: expects x [N, C, H, W] and weight [O, C/groups, kH, kW], got ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
    );
  }
  const groups = options.groups ?? 1;
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  if (Cg * groups !== C) {
    throw new Error(
      `conv2d: weight ${formatShape(w.shape)} with groups=${groups} does not match ${C} input channels`,
    );
  }
  const [sh, sw] = pair(options.stride, 1);
  const [ph, pw] = pair(options.padding, 0);
  const [dh, dw] = pair(options.dilation, 1);
  return conv2dGeometry({
    batch: N,
    inChannels: C,
    height: H,
    width: W,
    outChannels: O,
    kernelH: KH,
    kernelW: KW,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
    dilationH: dh,
    dilationW: dw,
    groups,
  });
}

function toBackend(be: CpuBackend, values: Float64Array, shape: readonly number[]): Tensor {
  const out: FloatArray = be.floatArray(values.length);
  out.set(values);
  return be.fromData(out, shape);
}

const outShape = (g: Conv2dGeometry) => [g.batch, g.outChannels, g.outH, g.outW];
const inShape = (g: Conv2dGeometry) => [g.batch, g.inChannels, g.height, g.width];
const weightShape = (g: Conv2dGeometry) => [
  g.outChannels,
  g.inChannels / g.groups,
  g.kernelH,
  g.kernelW,
];

/** dx ← ∂/∂x given (dy, w). */
const gradInputOp = defineOp<Attrs>({
  name: "conv2d_grad_input",
  cpu: ([dy, w], { g }, be) =>
    toBackend(
      be,
      conv2dBackwardRef(
        g,
        new Float64Array(g.batch * g.inChannels * g.height * g.width),
        be.floats(w),
        be.floats(dy),
      ).dx,
      inShape(g),
    ),
  webgpu: ([dy, w], { g }, be) => {
    const dx = be.empty(inShape(g));
    conv2dBackwardInput(be.device, g, be.buffer(dy), be.buffer(w), be.buffer(dx), be.encoder());
    return dx;
  },
});

/** dw ← ∂/∂w given (x, dy). */
const gradWeightOp = defineOp<Attrs>({
  name: "conv2d_grad_weight",
  cpu: ([x, dy], { g }, be) => {
    const zeroW = new Float64Array(
      g.outChannels * (g.inChannels / g.groups) * g.kernelH * g.kernelW,
    );
    return toBackend(
      be,
      conv2dBackwardRef(g, be.floats(x), zeroW, be.floats(dy)).dw,
      weightShape(g),
    );
  },
  webgpu: ([x, dy], { g }, be) => {
    const dw = be.empty(weightShape(g));
    conv2dBackwardWeight(be.device, g, be.buffer(x), be.buffer(dy), be.buffer(dw), be.encoder());
    return dw;
  },
});

/** db ← Σ_{n,h,w} dy. */
const gradBiasOp = defineOp<Attrs>({
  name: "conv2d_grad_bias",
  cpu: ([dy], { g }, be) => {
    const db = new Float64Array(g.outChannels);
    const d = be.floats(dy);
    const plane = g.outH * g.outW;
    for (let n = 0; n < g.batch; n++)
      for (let o = 0; o < g.outChannels; o++)
        for (let s = 0; s < plane; s++) db[o] += d[(n * g.outChannels + o) * plane + s];
    return toBackend(be, db, [g.outChannels]);
  },
  webgpu: ([dy], { g }, be) => {
    const db = be.empty([g.outChannels]);
    conv2dBackwardBias(be.device, g, be.buffer(dy), be.buffer(db), be.encoder());
    return db;
  },
});

const conv2dOp = defineOp<Attrs>({
  name: "conv2d",
  cpu: ([x, w, bias], { g }, be) => {
    requireF32("conv2d", x, w, ...(bias ? [bias] : []));
    return toBackend(
      be,
      conv2dForwardRef(g, be.floats(x), be.floats(w), bias ? be.floats(bias) : null),
      outShape(g),
    );
  },
  webgpu: ([x, w, bias], { g }, be) => {
    requireF32("conv2d", x, w, ...(bias ? [bias] : []));
    const y = be.empty(outShape(g));
    conv2dForward(
      be.device,
      g,
      be.buffer(x),
      be.buffer(w),
      bias ? be.buffer(bias) : null,
      be.buffer(y),
      be.encoder(),
    );
    return y;
  },
  backward: ({ inputs: [x, w], grads: [dy], attrs, needsGrad }) => [
    needsGrad[0] ? gradInputOp([dy, w], attrs)[0] : null,
    needsGrad[1] ? gradWeightOp([x, dy], attrs)[0] : null,
    needsGrad[2] ? gradBiasOp([dy], attrs)[0] : null,
  ],
});

/** y [N, O, OH, OW] = conv2d(x [N, C, H, W], weight [O, C/groups, kH, kW]) + bias [O]. */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  const g = geometryFor(x, weight, options);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== g.outChannels)) {
    throw new Error(`conv2d: bias ${formatShape(bias.shape)} must be [${g.outChannels}]`);
  }
  return conv2dOp(bias ? [x, weight, bias] : [x, weight], { g })[0];
}
