/**
 * Batch normalisation over the channel axis (x [N, C] or [N, C, H, W]) with autograd and
 * PyTorch semantics; the running statistics are updated in place in training mode.
 * Kernels: runtime/kernels/batch-norm.ts; CPU reference: runtime/kernels/reference/batch-norm.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { batchNormBackward, batchNormForward, type BatchNormShape } from "../kernels/batch-norm.js";
import { batchNormBackwardRef, batchNormForwardRef } from "../kernels/reference/batch-norm.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

export interface BatchNormOptions {
  /** Batch statistics (and running-statistics update) when true; running statistics when false. */
  training: boolean;
  /** Running-statistics update weight (PyTorch default 0.1; Ultralytics uses 0.03). */
  momentum?: number;
  /** Added to the variance (PyTorch default 1e-5; Ultralytics uses 1e-3). */
  eps?: number;
}

interface Attrs {
  shape: BatchNormShape;
  training: boolean;
  momentum: number;
  eps: number;
}

function fromValues(be: CpuBackend, values: Float64Array, shape: readonly number[]): Tensor {
  const out = be.floatArray(values.length);
  out.set(values);
  return be.fromData(out, shape);
}

const batchNormGradOp = defineOp<Attrs>({
  name: "batch_norm_grad",
  cpu: ([x, dy, gamma, mean, invstd], { shape, training }, be) => {
    const r = batchNormBackwardRef(
      shape,
      be.floats(x),
      be.floats(dy),
      be.floats(gamma),
      be.floats(mean),
      be.floats(invstd),
      training,
    );
    return [
      fromValues(be, r.dx, x.shape),
      fromValues(be, r.dgamma, gamma.shape),
      fromValues(be, r.dbeta, gamma.shape),
    ];
  },
  webgpu: ([x, dy, gamma, mean, invstd], { shape, training }, be) => {
    const dx = be.empty(x.shape);
    const dgamma = be.empty(gamma.shape);
    const dbeta = be.empty(gamma.shape);
    batchNormBackward(
      be.device,
      shape,
      {
        x: be.buffer(x),
        dy: be.buffer(dy),
        gamma: be.buffer(gamma),
        mean: be.buffer(mean),
        invstd: be.buffer(invstd),
        dx: be.buffer(dx),
        dgamma: be.buffer(dgamma),
        dbeta: be.buffer(dbeta),
      },
      training,
      be.encoder(),
    );
    return [dx, dgamma, dbeta];
  },
});

const batchNormOp = defineOp<Attrs>({
  name: "batch_norm",
  cpu: ([x, gamma, beta, runningMean, runningVar], a, be) => {
    requireF32("batchNorm", x, gamma, beta, runningMean, runningVar);
    const rm = be.floats(runningMean);
    const rv = be.floats(runningVar);
    const r = batchNormForwardRef(
      a.shape,
      be.floats(x),
      be.floats(gamma),
      be.floats(beta),
      a.training,
      { mean: rm, variance: rv },
      a.eps,
      a.momentum,
    );
    if (a.training) {
      // Running statistics are state, updated in place (as torch.nn.BatchNorm2d does).
      rm.set(r.runningMean!);
      rv.set(r.runningVar!);
    }
    return {
      outputs: [fromValues(be, r.y, x.shape)],
      saved: [fromValues(be, r.mean, gamma.shape), fromValues(be, r.invstd, gamma.shape)],
    };
  },
  webgpu: ([x, gamma, beta, runningMean, runningVar], a, be) => {
    requireF32("batchNorm", x, gamma, beta, runningMean, runningVar);
    const y = be.empty(x.shape);
    const mean = be.empty(gamma.shape);
    const invstd = be.empty(gamma.shape);
    batchNormForward(
      be.device,
      a.shape,
      {
        x: be.buffer(x),
        gamma: be.buffer(gamma),
        beta: be.buffer(beta),
        y: be.buffer(y),
        mean: be.buffer(mean),
        invstd: be.buffer(invstd),
        runningMean: be.buffer(runningMean),
        runningVar: be.buffer(runningVar),
      },
      a.training,
      { eps: a.eps, momentum: a.momentum },
      be.encoder(),
    );
    return { outputs: [y], saved: [mean, invstd] };
  },
  backward: ({ inputs: [x, gamma], saved: [mean, invstd], grads: [dy], attrs, needsGrad }) => {
    const [dx, dgamma, dbeta] = batchNormGradOp([x, dy, gamma, mean, invstd], attrs);
    return [needsGrad[0] ? dx : null, needsGrad[1] ? dgamma : null, needsGrad[2] ? dbeta : null];
  },
  nondifferentiable: [3, 4],
});

/**
 * y = (x − μ)/√(σ² + eps)·γ + β per channel. x [N, C, ...]; gamma, beta, runningMean,
 * runningVar [C]. In training mode μ, σ² are the batch statistics and the running ones are
 * updated in place (unbiased variance); in eval mode the running ones are used.
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  options: BatchNormOptions,
): Tensor {
  if (x.rank < 2) throw new Error(`batchNorm: x must be [N, C, ...], got ${formatShape(x.shape)}`);
  const C = x.shape[1];
  for (const t of [gamma, beta, runningMean, runningVar]) {
    if (t.rank !== 1 || t.shape[0] !== C)
      throw new Error(`batchNorm: per-channel tensors must be [${C}], got ${formatShape(t.shape)}`);
  }
  const shape: BatchNormShape = {
    batch: x.shape[0],
    channels: C,
    spatial: x.size / (x.shape[0] * C),
  };
  return batchNormOp([x, gamma, beta, runningMean, runningVar], {
    shape,
    training: options.training,
    momentum: options.momentum ?? 0.1,
    eps: options.eps ?? 1e-5,
  })[0];
}
