/**
 * Element types of tensors. `u8` and `f16` are packed: on the GPU a u8 tensor occupies
 * ceil(n/4) 32-bit words (kernels read it as `array<u32>`, byte i of word w is element 4w+i,
 * little-endian) and an f16 tensor ceil(n/2) words (element 2w in the low half).
 */
export type DType = "f32" | "f16" | "u32" | "i32" | "u8";

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  f32: 4,
  f16: 2,
  u32: 4,
  i32: 4,
  u8: 1,
};

/** Host-side tensor contents. Float tensors read back as Float32Array (Float64Array on a
 * float64 CPU backend); f16 reads back widened to Float32Array. */
export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** Float arrays a CPU reference may write into (the CPU backend runs f32 in f64 for gradcheck). */
export type FloatArray = Float32Array | Float64Array;

export function isFloat(dtype: DType): boolean {
  return dtype === "f32" || dtype === "f16";
}

/** Bytes a tensor of `numel` elements occupies in a GPU buffer (4-byte aligned, at least 4). */
export function storageBytes(numel: number, dtype: DType): number {
  return Math.max(4, Math.ceil((numel * DTYPE_BYTES[dtype]) / 4) * 4);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of `value`, rounded to nearest even (as WGSL's f16 conversion). */
export function float32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function f16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A fresh host array of the natural type for `dtype` (f16 → Uint16Array of bits). */
export function hostArray(
  dtype: DType,
  numel: number,
): Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array {
  switch (dtype) {
    case "f32":
      return new Float32Array(numel);
    case "f16":
      return new Uint16Array(numel);
    case "u32":
      return new Uint32Array(numel);
    case "i32":
      return new Int32Array(numel);
    case "u8":
      return new Uint8Array(numel);
  }
}
