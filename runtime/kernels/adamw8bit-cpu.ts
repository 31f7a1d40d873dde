/**
 * 8-bit-state AdamW, CPU reference (the scheme of bitsandbytes' blockwise 8-bit Adam):
 *
 * - m and v are stored as one byte per element plus one f32 `absmax` per block of 256
 *   elements. A byte is an index into a 256-entry *dynamic quantisation map*
 *   (bitsandbytes' `create_dynamic_map`: a sign bit for m, then "dynamic tree" codes whose
 *   leading zeros pick a decimal exponent 10^-6 … 10^0 and whose remaining bits a linear
 *   fraction in [0.1, 1]), so small magnitudes keep relative precision.
 *   m uses the signed map, v (never negative) the unsigned one.
 * - Each step, per block: dequantise (map[code]·absmax), do the fp32 AdamW update (and the
 *   parameter update with the fresh fp32 m, v), take the new block absmax of m and of v,
 *   and requantise m/absmax, v/absmax to the nearest map entry (ties to the lower).
 */
import { adamwCoefficients, type AdamWHyper } from "./adamw-cpu.js";

export const ADAMW8BIT_BLOCK = 256;

function linspace(start: number, end: number, steps: number): number[] {
  const step = (end - start) / (steps - 1);
  return Array.from({ length: steps }, (_, i) =>
    Math.fround(i === steps - 1 ? end : start + i * step),
  );
}

/** bitsandbytes' create_dynamic_map(signed, max_exponent_bits=7, total_bits=8), sorted. */
export function dynamicMap(signed: boolean): Float32Array {
  const data: number[] = [];
  const maxExponentBits = 7;
  const nonSignBits = 7;
  for (let i = 0; i < maxExponentBits; i++) {
    const items = signed
      ? 2 ** (i + nonSignBits - maxExponentBits) + 1
      : 2 ** (i + nonSignBits - maxExponentBits + 1) + 1;
    const b = linspace(0.1, 1, items);
    const scale = Math.fround(10 ** (-(maxExponentBits - 1) + i));
    for (let j = 0; j + 1 < b.length; j++) {
      const mean = Math.fround((b[j] + b[j + 1]) / 2);
      data.push(Math.fround(scale * mean));
      if (signed) data.push(-Math.fround(scale * mean));
    }
  }
  data.push(0, 1);
  while (data.length < 256) data.push(0);
  data.sort((a, b) => a - b);
  return Float32Array.from(data);
}

export const SIGNED_MAP = dynamicMap(true);
export const UNSIGNED_MAP = dynamicMap(false);

/** Index of the map entry nearest to x (ties to the lower); the WGSL kernel does the same. */
export function quantizeNearest(map: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = 255;
  for (let it = 0; it < 8; it++) {
    const mid = (lo + hi + 1) >> 1;
    if (map[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  if (lo < 255 && x - map[lo] > map[lo + 1] - x) return lo + 1;
  return lo;
}

type Mutable = { [i: number]: number; length: number };

export interface Adam8bitState {
  /** One code per element. */
  mCodes: Mutable;
  vCodes: Mutable;
  /** One per block of ADAMW8BIT_BLOCK elements. */
  mAbsmax: Mutable;
  vAbsmax: Mutable;
}

export function newAdam8bitState(n: number): {
  mCodes: Uint8Array;
  vCodes: Uint8Array;
  mAbsmax: Float32Array;
  vAbsmax: Float32Array;
} {
  const blocks = Math.ceil(n / ADAMW8BIT_BLOCK);
  const zeroM = quantizeNearest(SIGNED_MAP, 0);
  const zeroV = quantizeNearest(UNSIGNED_MAP, 0);
  return {
    mCodes: new Uint8Array(n).fill(zeroM),
    vCodes: new Uint8Array(n).fill(zeroV),
    mAbsmax: new Float32Array(blocks),
    vAbsmax: new Float32Array(blocks),
  };
}

export function adamw8bitCpu(
  param: { [i: number]: number; length: number },
  grad: ArrayLike<number>,
  state: Adam8bitState,
  h: AdamWHyper,
): void {
  const { decay, stepSize, invSqrtBc2 } = adamwCoefficients(h);
  const gs = h.gradScale ?? 1;
  const n = param.length;
  const B = ADAMW8BIT_BLOCK;
  const m = new Float32Array(B);
  const v = new Float32Array(B);
  for (let block = 0; block * B < n; block++) {
    const start = block * B;
    const end = Math.min(n, start + B);
    let am = 0;
    let av = 0;
    for (let i = start; i < end; i++) {
      const g = Math.fround(grad[i] * gs);
      const mOld = Math.fround(SIGNED_MAP[state.mCodes[i]] * state.mAbsmax[block]);
      const vOld = Math.fround(UNSIGNED_MAP[state.vCodes[i]] * state.vAbsmax[block]);
      const mi = Math.fround(h.beta1 * mOld + (1 - h.beta1) * g);
      const vi = Math.fround(h.beta2 * vOld + (1 - h.beta2) * g * g);
      m[i - start] = mi;
      v[i - start] = vi;
      param[i] = param[i] * decay - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + h.eps);
      am = Math.max(am, Math.abs(mi));
      av = Math.max(av, vi);
    }
    state.mAbsmax[block] = am;
    state.vAbsmax[block] = av;
    for (let i = start; i < end; i++) {
      state.mCodes[i] = quantizeNearest(SIGNED_MAP, am > 0 ? Math.fround(m[i - start] / am) : 0);
      state.vCodes[i] = quantizeNearest(UNSIGNED_MAP, av > 0 ? Math.fround(v[i - start] / av) : 0);
    }
  }
}
