/** CPU reference for batch normalisation over NCHW (float64, PyTorch semantics). */
import type { BatchNormShape } from "../batch-norm.js";

type Num = ArrayLike<number>;

export interface BatchNormForwardResult {
  y: Float64Array;
  mean: Float64Array;
  invstd: Float64Array;
  runningMean?: Float64Array;
  runningVar?: Float64Array;
}

export function batchNormForwardRef(
  shape: BatchNormShape,
  x: Num,
  gamma: Num,
  beta: Num,
  training: boolean,
  running: { mean: Num; variance: Num } | null,
  eps = 1e-5,
  momentum = 0.1,
): BatchNormForwardResult {
  const { batch: N, channels: C, spatial: S } = shape;
  const count = N * S;
  const mean = new Float64Array(C);
  const invstd = new Float64Array(C);
  const out: BatchNormForwardResult = { y: new Float64Array(N * C * S), mean, invstd };
  if (running) {
    out.runningMean = Float64Array.from(running.mean);
    out.runningVar = Float64Array.from(running.variance);
  }
  for (let c = 0; c < C; c++) {
    if (training) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let k = 0; k < S; k++) s += x[(n * C + c) * S + k];
      const mu = s / count;
      let v = 0;
      for (let n = 0; n < N; n++)
        for (let k = 0; k < S; k++) v += (x[(n * C + c) * S + k] - mu) ** 2;
      v /= count;
      mean[c] = mu;
      invstd[c] = 1 / Math.sqrt(v + eps);
      if (out.runningMean && out.runningVar) {
        out.runningMean[c] = (1 - momentum) * out.runningMean[c] + momentum * mu;
        out.runningVar[c] =
          (1 - momentum) * out.runningVar[c] + (momentum * v * count) / Math.max(count - 1, 1);
      }
    } else {
      if (!running) throw new Error("batchNormForwardRef: eval mode needs running statistics");
      mean[c] = running.mean[c];
      invstd[c] = 1 / Math.sqrt(running.variance[c] + eps);
    }
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < S; k++) {
        const i = (n * C + c) * S + k;
        out.y[i] = (x[i] - mean[c]) * invstd[c] * gamma[c] + beta[c];
      }
    }
  }
  return out;
}

export function batchNormBackwardRef(
  shape: BatchNormShape,
  x: Num,
  dy: Num,
  gamma: Num,
  mean: Num,
  invstd: Num,
  training: boolean,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const { batch: N, channels: C, spatial: S } = shape;
  const m = N * S;
  const dx = new Float64Array(N * C * S);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < S; k++) {
        const i = (n * C + c) * S + k;
        dbeta[c] += dy[i];
        dgamma[c] += dy[i] * (x[i] - mean[c]) * invstd[c];
      }
    }
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < S; k++) {
        const i = (n * C + c) * S + k;
        const xhat = (x[i] - mean[c]) * invstd[c];
        const g = training ? dy[i] - dbeta[c] / m - (xhat * dgamma[c]) / m : dy[i];
        dx[i] = gamma[c] * invstd[c] * g;
      }
    }
  }
  return { dx, dgamma, dbeta };
}
