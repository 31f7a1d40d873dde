/**
 * CPU reference for RoPE (runtime/kernels/rope.ts), float64 rotation, with the angle computed
 * as Hugging Face does (float32 inv_freq, float32 position·inv_freq).
 */
import { ropeInvFreq, type RopeShape } from "../rope.js";

type Arr = ArrayLike<number>;

function rotate(
  s: RopeShape,
  x: Arr,
  positions: ArrayLike<number>,
  theta: number,
  sign: number,
): Float64Array {
  const half = s.headDim / 2;
  const inv = ropeInvFreq(theta, s.headDim);
  const y = new Float64Array(s.tokens * s.heads * s.headDim);
  for (let t = 0; t < s.tokens; t++) {
    for (let h = 0; h < s.heads; h++) {
      const base = (t * s.heads + h) * s.headDim;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(positions[t] * inv[i]);
        const c = Math.cos(angle);
        const sn = sign * Math.sin(angle);
        const x1 = x[base + i];
        const x2 = x[base + i + half];
        y[base + i] = x1 * c - x2 * sn;
        y[base + i + half] = x2 * c + x1 * sn;
      }
    }
  }
  return y;
}

export function ropeForwardReference(
  s: RopeShape,
  x: Arr,
  positions: ArrayLike<number>,
  theta: number,
): Float64Array {
  return rotate(s, x, positions, theta, 1);
}

export function ropeBackwardReference(
  s: RopeShape,
  dy: Arr,
  positions: ArrayLike<number>,
  theta: number,
): Float64Array {
  return rotate(s, dy, positions, theta, -1);
}

/** The rotation with a precomputed (cos, sin) table — what the kernel does — for the CPU backend. */
export function ropeWithTable(
  s: RopeShape,
  x: Arr,
  positions: ArrayLike<number>,
  table: ArrayLike<number>,
  sign: number,
): Float64Array {
  const half = s.headDim / 2;
  const y = new Float64Array(s.tokens * s.heads * s.headDim);
  for (let t = 0; t < s.tokens; t++) {
    for (let h = 0; h < s.heads; h++) {
      const base = (t * s.heads + h) * s.headDim;
      for (let i = 0; i < half; i++) {
        const c = table[2 * (positions[t] * half + i)];
        const sn = sign * table[2 * (positions[t] * half + i) + 1];
        const x1 = x[base + i];
        const x2 = x[base + i + half];
        y[base + i] = x1 * c - x2 * sn;
        y[base + i + half] = x2 * c + x1 * sn;
      }
    }
  }
  return y;
}
