/** CPU reference for LayerNorm (runtime/kernels/layernorm.ts), float64. */
import type { NormShape } from "../rmsnorm.js";

type Arr = ArrayLike<number>;

function rowStats(s: NormShape, x: Arr, r: number): [number, number] {
  const o = r * s.dim;
  let sum = 0;
  for (let i = 0; i < s.dim; i++) sum += x[o + i];
  const mean = sum / s.dim;
  let ss = 0;
  for (let i = 0; i < s.dim; i++) ss += (x[o + i] - mean) ** 2;
  return [mean, 1 / Math.sqrt(ss / s.dim + s.eps)];
}

export function layerNormForwardReference(
  s: NormShape,
  x: Arr,
  w: Arr,
  b: Arr,
): { y: Float64Array; mean: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(s.rows * s.dim);
  const mean = new Float64Array(s.rows);
  const rstd = new Float64Array(s.rows);
  for (let r = 0; r < s.rows; r++) {
    const [m, rs] = rowStats(s, x, r);
    mean[r] = m;
    rstd[r] = rs;
    const o = r * s.dim;
    for (let i = 0; i < s.dim; i++) y[o + i] = (x[o + i] - m) * rs * w[i] + b[i];
  }
  return { y, mean, rstd };
}

export function layerNormBackwardReference(
  s: NormShape,
  x: Arr,
  w: Arr,
  dy: Arr,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(s.rows * s.dim);
  const dw = new Float64Array(s.dim);
  const db = new Float64Array(s.dim);
  for (let r = 0; r < s.rows; r++) {
    const [m, rs] = rowStats(s, x, r);
    const o = r * s.dim;
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < s.dim; i++) {
      const g = dy[o + i] * w[i];
      sg += g;
      sgx += g * (x[o + i] - m) * rs;
    }
    for (let i = 0; i < s.dim; i++) {
      const xh = (x[o + i] - m) * rs;
      dx[o + i] = rs * (dy[o + i] * w[i] - sg / s.dim - (xh * sgx) / s.dim);
      dw[i] += dy[o + i] * xh;
      db[i] += dy[o + i];
    }
  }
  return { dx, dw, db };
}
