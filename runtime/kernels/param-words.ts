/**
 * Kernel parameter blocks: packing host numbers into the u32 words of a WGSL uniform struct
 * (uploaded and cached with `uniformBuffer` from launch.ts), and f32 thresholds that compare
 * like PyTorch's float-vs-double comparisons.
 */

/** Packs a mix of unsigned ints and f32 values into u32 words (f32 as bit patterns). */
export function packWords(values: ReadonlyArray<number | { f32: number }>): Uint32Array {
  const words = new Uint32Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  values.forEach((v, i) => {
    if (typeof v === "number") {
      words[i] = v >>> 0;
    } else {
      f[0] = v.f32;
      words[i] = u[0];
    }
  });
  return words;
}

/**
 * The largest f32 ≤ x. Passing this as a kernel's threshold makes the f32 test `v > t`
 * agree with `v > x` evaluated in float64 (as PyTorch compares a float tensor to a double).
 */
export function largestF32AtMost(x: number): number {
  const f = new Float32Array([x]);
  if (f[0] <= x || !Number.isFinite(x)) return f[0];
  const u = new Uint32Array(f.buffer);
  // Step one unit in the last place towards −∞.
  if (f[0] > 0) u[0] -= 1;
  else if (f[0] === 0) u[0] = 0x80000001;
  else u[0] += 1;
  return f[0];
}
