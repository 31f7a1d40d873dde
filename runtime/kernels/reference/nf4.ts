/**
 * CPU reference for NF4 quantisation, bit-compatible with bitsandbytes' `quantize_4bit(...,
 * quant_type="nf4", blocksize=64)` (CUDA `kQuantizeBlockwise` / `dQuantizeNF4`), including its
 * double quantisation (`compress_statistics=True`):
 *
 *  - the weight is flattened row-major and cut into blocks of 64; absmax = max |w| per block;
 *  - each element is multiplied (f32) by 1/absmax and coded by the NF4 decision thresholds;
 *  - two codes per byte, the even element in the high nibble; a partial last block pads with 0
 *    (code 7); an all-zero block codes every element 0 (bitsandbytes computes 0 · 1/0 = NaN);
 *  - double quantisation: offset = mean(absmax), then absmax − offset is quantised in blocks of
 *    256 to 8-bit indices into the signed dynamic map (nearest, bitsandbytes' binary search),
 *    with an f32 absmax per 256-block. Dequantised absmax = map[q]·absmax₂ + offset.
 *
 * The one deliberate difference: the mean is a fixed-order f32 reduction (the GPU kernel's order,
 * see `meanF32Ordered`) rather than PyTorch's, so the CPU and GPU results are bit-identical; the
 * offset then differs from PyTorch's by at most a few ulp.
 */
import {
  DYNAMIC_MAP_SIGNED,
  NF4_BLOCK,
  NF4_DQ_BLOCK,
  NF4_THRESHOLDS,
  NF4_VALUES,
} from "../nf4-tables.js";

const f32 = Math.fround;

export interface Nf4DoubleQuant {
  /** 8-bit index into DYNAMIC_MAP_SIGNED per 64-block. */
  qabsmax: Uint8Array;
  /** f32 absmax of (absmax − offset) per 256 blocks. */
  absmax2: Float32Array;
  offset: number;
}

export interface Nf4Quantized {
  numel: number;
  /** ceil(numel / 2) bytes: element 2j in the high nibble of byte j, 2j+1 in the low. */
  codes: Uint8Array;
  /** f32 absmax per 64-block (single quantisation). */
  absmax?: Float32Array;
  /** Double-quantised absmax. */
  dq?: Nf4DoubleQuant;
}

/** bitsandbytes `dQuantizeNF4` for an already-normalised value. */
export function nf4Code(x: number): number {
  let c = 0;
  for (const t of NF4_THRESHOLDS) if (x > t) c++;
  return c;
}

/** Per-block f32 absmax and packed codes. */
export function quantizeNf4Blocks(w: ArrayLike<number>): {
  codes: Uint8Array;
  absmax: Float32Array;
} {
  const n = w.length;
  const blocks = Math.ceil(n / NF4_BLOCK);
  const codes = new Uint8Array(Math.ceil(n / 2));
  const absmax = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const start = b * NF4_BLOCK;
    const end = Math.min(start + NF4_BLOCK, n);
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(f32(w[i])));
    absmax[b] = m;
    const inv = f32(1 / m);
    const padTo = Math.min(start + NF4_BLOCK, 2 * codes.length);
    for (let i = start; i < padTo; i++) {
      const v = i < end ? f32(w[i]) : 0;
      const c = m === 0 ? 0 : nf4Code(f32(v * inv));
      codes[i >> 1] |= (i & 1) === 0 ? c << 4 : c;
    }
  }
  return { codes, absmax };
}

/** bitsandbytes `dQuantize<0>`: nearest entry of a sorted 256-entry code, by its binary search. */
export function dynamicCode(code: readonly number[], x: number): number {
  let pivot = 127;
  let upperPivot = 255;
  let lowerPivot = 0;
  let lower = -1;
  let upper = 1;
  let val = code[pivot];
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lowerPivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upperPivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[pivot];
  }
  if (upperPivot === 255) upper = code[upperPivot];
  if (lowerPivot === 0) lower = code[lowerPivot];
  if (x > val) {
    const mid = f32(f32(upper + val) * 0.5);
    return x > mid ? upperPivot : pivot;
  }
  const mid = f32(f32(lower + val) * 0.5);
  return x < mid ? lowerPivot : pivot;
}

/** Threads of the GPU reduction whose order `meanF32Ordered` reproduces. */
export const MEAN_THREADS = 256;

/**
 * f32 mean in the GPU kernel's order: thread t sums elements t, t+256, ... sequentially, then a
 * pairwise tree (stride 128, 64, ..., 1), then one division by n.
 */
export function meanF32Ordered(values: ArrayLike<number>): number {
  const partial = new Float32Array(MEAN_THREADS);
  for (let t = 0; t < MEAN_THREADS; t++) {
    let s = 0;
    for (let i = t; i < values.length; i += MEAN_THREADS) s = f32(s + values[i]);
    partial[t] = s;
  }
  for (let stride = MEAN_THREADS / 2; stride > 0; stride >>= 1) {
    for (let t = 0; t < stride; t++) partial[t] = f32(partial[t] + partial[t + stride]);
  }
  return f32(partial[0] / values.length);
}

/** bitsandbytes `quantize_blockwise` (8-bit, dynamic map) of `values` in blocks of `block`. */
export function quantizeBlockwise8(
  values: ArrayLike<number>,
  block = NF4_DQ_BLOCK,
  code: readonly number[] = DYNAMIC_MAP_SIGNED,
): { q: Uint8Array; absmax: Float32Array } {
  const n = values.length;
  const q = new Uint8Array(n);
  const absmax = new Float32Array(Math.ceil(n / block));
  for (let b = 0; b < absmax.length; b++) {
    const start = b * block;
    const end = Math.min(start + block, n);
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(values[i]));
    absmax[b] = m;
    const inv = f32(1 / m);
    for (let i = start; i < end; i++) q[i] = dynamicCode(code, f32(values[i] * inv));
  }
  return { q, absmax };
}

export function quantizeNf4Reference(
  w: ArrayLike<number>,
  opts: { doubleQuant?: boolean } = {},
): Nf4Quantized {
  const { codes, absmax } = quantizeNf4Blocks(w);
  if (!opts.doubleQuant) return { numel: w.length, codes, absmax };
  const offset = meanF32Ordered(absmax);
  const centred = absmax.map((v) => f32(v - offset));
  const { q, absmax: absmax2 } = quantizeBlockwise8(centred);
  return { numel: w.length, codes, dq: { qabsmax: q, absmax2, offset } };
}

/** The per-64-block absmax, dequantising it when double-quantised. */
export function nf4AbsmaxReference(q: Nf4Quantized): Float32Array {
  if (q.absmax) return q.absmax;
  const dq = q.dq!;
  return Float32Array.from(dq.qabsmax, (c, i) =>
    f32(f32(DYNAMIC_MAP_SIGNED[c] * dq.absmax2[Math.floor(i / NF4_DQ_BLOCK)]) + dq.offset),
  );
}

export function nf4CodeAt(codes: Uint8Array, i: number): number {
  const byte = codes[i >> 1];
  return (i & 1) === 0 ? byte >> 4 : byte & 15;
}

export function dequantizeNf4Reference(q: Nf4Quantized): Float32Array {
  const absmax = nf4AbsmaxReference(q);
  const out = new Float32Array(q.numel);
  for (let i = 0; i < q.numel; i++) {
    out[i] = f32(NF4_VALUES[nf4CodeAt(q.codes, i)] * absmax[Math.floor(i / NF4_BLOCK)]);
  }
  return out;
}

/** Bytes the quantised weight occupies (codes + absmax state), as stored on the GPU. */
export function nf4StorageBytes(q: Pick<Nf4Quantized, "numel" | "dq">): number {
  const blocks = Math.ceil(q.numel / NF4_BLOCK);
  const codeBytes = Math.ceil(q.numel / 8) * 4;
  if (!q.dq) return codeBytes + 4 * blocks;
  return codeBytes + Math.ceil(blocks / 4) * 4 + 4 * Math.ceil(blocks / NF4_DQ_BLOCK) + 4;
}
