/**
 * CPU references for softmax, cross-entropy and the KD loss (runtime/kernels/softmax.ts,
 * cross-entropy.ts, kd-loss.ts), float64.
 */
import type { RowsShape } from "../softmax.js";

type Arr = ArrayLike<number>;

function logSumExp(x: Arr, o: number, n: number, scale = 1): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, x[o + i] * scale);
  let l = 0;
  for (let i = 0; i < n; i++) l += Math.exp(x[o + i] * scale - m);
  return m + Math.log(l);
}

export function softmaxReference(s: RowsShape, x: Arr): Float64Array {
  const y = new Float64Array(s.rows * s.cols);
  for (let r = 0; r < s.rows; r++) {
    const z = logSumExp(x, r * s.cols, s.cols);
    for (let i = 0; i < s.cols; i++) y[r * s.cols + i] = Math.exp(x[r * s.cols + i] - z);
  }
  return y;
}

export function softmaxBackwardReference(s: RowsShape, y: Arr, dy: Arr): Float64Array {
  const dx = new Float64Array(s.rows * s.cols);
  for (let r = 0; r < s.rows; r++) {
    const o = r * s.cols;
    let d = 0;
    for (let i = 0; i < s.cols; i++) d += dy[o + i] * y[o + i];
    for (let i = 0; i < s.cols; i++) dx[o + i] = y[o + i] * (dy[o + i] - d);
  }
  return dx;
}

const valid = (l: number, cols: number) => l !== -100 && l >= 0 && l < cols;

/** Mean cross-entropy over rows with label ≠ −100 (0 when there are none) and its gradient. */
export function crossEntropyReference(
  s: RowsShape,
  logits: Arr,
  labels: ArrayLike<number>,
): { loss: number; count: number; dlogits: Float64Array } {
  let sum = 0;
  let count = 0;
  const lse = new Float64Array(s.rows);
  for (let r = 0; r < s.rows; r++) {
    lse[r] = logSumExp(logits, r * s.cols, s.cols);
    if (labels[r] === -100) continue;
    count++;
    if (valid(labels[r], s.cols)) sum += lse[r] - logits[r * s.cols + labels[r]];
  }
  const dlogits = new Float64Array(s.rows * s.cols);
  for (let r = 0; r < s.rows && count > 0; r++) {
    if (!valid(labels[r], s.cols)) continue;
    for (let i = 0; i < s.cols; i++) {
      const o = r * s.cols + i;
      dlogits[o] = (Math.exp(logits[o] - lse[r]) - (i === labels[r] ? 1 : 0)) / count;
    }
  }
  return { loss: count > 0 ? sum / count : 0, count, dlogits };
}

/** KD loss T²·mean_tokens KL(p_t ‖ p_s) over rows with label ≠ −100, and d/dstudent. */
export function kdLossReference(
  s: RowsShape,
  student: Arr,
  teacher: Arr,
  labels: ArrayLike<number>,
  T: number,
): { loss: number; count: number; dstudent: Float64Array } {
  let sum = 0;
  let count = 0;
  const dstudent = new Float64Array(s.rows * s.cols);
  const rows: [number, number, number][] = [];
  for (let r = 0; r < s.rows; r++) {
    if (labels[r] === -100) continue;
    count++;
    const o = r * s.cols;
    const zs = logSumExp(student, o, s.cols, 1 / T);
    const zt = logSumExp(teacher, o, s.cols, 1 / T);
    let kl = 0;
    for (let i = 0; i < s.cols; i++) {
      const logPt = teacher[o + i] / T - zt;
      kl += Math.exp(logPt) * (logPt - (student[o + i] / T - zs));
    }
    sum += T * T * kl;
    rows.push([r, zs, zt]);
  }
  for (const [r, zs, zt] of rows) {
    const o = r * s.cols;
    for (let i = 0; i < s.cols; i++) {
      dstudent[o + i] =
        (T * (Math.exp(student[o + i] / T - zs) - Math.exp(teacher[o + i] / T - zt))) / count;
    }
  }
  return { loss: count > 0 ? sum / count : 0, count, dstudent };
}
