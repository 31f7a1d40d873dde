/** CPU reference for RMSNorm (runtime/kernels/rmsnorm.ts), float64. */
import type { NormShape } from "../rmsnorm.js";

type Arr = ArrayLike<number>;

export function rmsNormForwardReference(
  s: NormShape,
  x: Arr,
  w: Arr,
): { y: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(s.rows * s.dim);
  const rstd = new Float64Array(s.rows);
  for (let r = 0; r < s.rows; r++) {
    const o = r * s.dim;
    let ss = 0;
    for (let i = 0; i < s.dim; i++) ss += x[o + i] * x[o + i];
    const rs = 1 / Math.sqrt(ss / s.dim + s.eps);
    rstd[r] = rs;
    for (let i = 0; i < s.dim; i++) y[o + i] = x[o + i] * rs * w[i];
  }
  return { y, rstd };
}

export function rmsNormBackwardReference(
  s: NormShape,
  x: Arr,
  w: Arr,
  dy: Arr,
): { dx: Float64Array; dw: Float64Array } {
  const { rstd } = rmsNormForwardReference(s, x, w);
  const dx = new Float64Array(s.rows * s.dim);
  const dw = new Float64Array(s.dim);
  for (let r = 0; r < s.rows; r++) {
    const o = r * s.dim;
    const rs = rstd[r];
    let dot = 0;
    for (let i = 0; i < s.dim; i++) dot += dy[o + i] * w[i] * x[o + i] * rs;
    const c = dot / s.dim;
    for (let i = 0; i < s.dim; i++) {
      dx[o + i] = rs * (dy[o + i] * w[i] - x[o + i] * rs * c);
      dw[i] += dy[o + i] * x[o + i] * rs;
    }
  }
  return { dx, dw };
}
