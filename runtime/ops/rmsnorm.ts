/**
 * RMSNorm over the last dimension, with autograd.
 * Kernel: runtime/kernels/rmsnorm.ts; CPU reference: runtime/kernels/reference/rmsnorm.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectShape, rowsOf } from "./llm-common.js";
import { encodeRmsNormBackward, encodeRmsNormForward, type NormShape } from "../kernels/rmsnorm.js";
import { rmsNormBackwardReference, rmsNormForwardReference } from "../kernels/reference/rmsnorm.js";

export interface NormAttrs {
  eps: number;
}
type Attrs = NormAttrs;

export function normShape(x: Tensor, eps: number): NormShape {
  const { rows, cols } = rowsOf(x);
  return { rows, dim: cols, eps };
}

const rmsNormGradOp = defineOp<Attrs>({
  name: "rmsnorm_grad",
  cpu: ([x, w, dy], { eps }, be) => {
    const r = rmsNormBackwardReference(
      normShape(x, eps),
      be.floats(x),
      be.floats(w),
      be.floats(dy),
    );
    return [cpuTensor(be, r.dx, x.shape), cpuTensor(be, r.dw, w.shape)];
  },
  webgpu: ([x, w, dy, rstd], { eps }, be) => {
    const dx = be.empty(x.shape);
    const dw = be.empty(w.shape);
    encodeRmsNormBackward(be.device, be.encoder(), normShape(x, eps), {
      x: be.binding(x),
      w: be.binding(w),
      rstd: be.binding(rstd),
      dy: be.binding(dy),
      dx: be.binding(dx),
      dw: be.binding(dw),
    });
    return [dx, dw];
  },
});

const rmsNormOp = defineOp<Attrs>({
  name: "rmsnorm",
  cpu: ([x, w], { eps }, be) => {
    const r = rmsNormForwardReference(normShape(x, eps), be.floats(x), be.floats(w));
    return {
      outputs: [cpuTensor(be, r.y, x.shape)],
      saved: [cpuTensor(be, r.rstd, [r.rstd.length])],
    };
  },
  webgpu: ([x, w], { eps }, be) => {
    const s = normShape(x, eps);
    const y = be.empty(x.shape);
    const rstd = be.empty([s.rows]);
    encodeRmsNormForward(be.device, be.encoder(), s, {
      x: be.binding(x),
      w: be.binding(w),
      y: be.binding(y),
      rstd: be.binding(rstd),
    });
    return { outputs: [y], saved: [rstd] };
  },
  backward: ({ inputs: [x, w], saved: [rstd], grads: [dy], attrs, needsGrad }) => {
    const [dx, dw] = rmsNormGradOp([x, w, dy, rstd], attrs);
    return [needsGrad[0] ? dx : null, needsGrad[1] ? dw : null];
  },
});

/** y = x · rsqrt(mean(x², last axis) + eps) · w  (Llama RMSNorm); w is [dim]. */
export function rmsnorm(x: Tensor, w: Tensor, eps = 1e-6): Tensor {
  requireF32("rmsnorm", x, w);
  expectShape("rmsnorm", "weight", w, [rowsOf(x).cols]);
  return rmsNormOp([x, w], { eps })[0];
}
