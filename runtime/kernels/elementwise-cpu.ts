/**
 * CPU references for the elementwise kernels (runtime/kernels/elementwise.ts). Inputs are
 * ArrayLike<number>; outputs are written into a caller-provided Float32Array or
 * Float64Array, so the CPU backend can run them in float64.
 */
import type { FloatArray } from "../tensor/dtype.js";
import { broadcastStrides, sizeOf, stridesOf, type Shape } from "../tensor/shape.js";

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erfc(z) for z ≥ 0 with fractional error < 1.2e-7 (Numerical Recipes' erfcc). The WGSL
 * kernel uses the same expression, so GELU has small *relative* error even for x ≪ 0. */
export function erfcNonNegative(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  return (
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  );
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  const c = erfcNonNegative(Math.abs(x) * SQRT1_2);
  return x >= 0 ? 1 - 0.5 * c : 0.5 * c;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const UNARY_CPU: Record<string, (x: number, s: number) => number> = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  relu: (x) => (x > 0 ? x : 0),
  sigmoid,
  silu: (x) => x * sigmoid(x),
  gelu: (x) => x * normalCdf(x),
  tanh: (x) => Math.tanh(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  abs: (x) => Math.abs(x),
  scale: (x, s) => x * s,
  add_scalar: (x, s) => x + s,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  copy: (x) => x,
};

export const BINARY_CPU: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (a > b ? a : b),
  minimum: (a, b) => (a < b ? a : b),
  // Backward helpers: a = upstream gradient, b = the forward input (or output for *_out).
  relu_grad: (g, x) => (x > 0 ? g : 0),
  silu_grad: (g, x) => {
    const s = sigmoid(x);
    return g * s * (1 + x * (1 - s));
  },
  gelu_grad: (g, x) => g * (normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)),
  sigmoid_grad_out: (g, y) => g * y * (1 - y),
  tanh_grad_out: (g, y) => g * (1 - y * y),
  equal_mask: (a, b) => (a === b ? 1 : 0),
  ge_mask: (a, b) => (a >= b ? 1 : 0),
};

export function unaryCpu(op: string, x: ArrayLike<number>, out: FloatArray, s = 0): void {
  const f = UNARY_CPU[op];
  if (!f) throw new Error(`internal: unknown unary op ${op}`);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i], s);
}

/** out (shape `outShape`) = op(a broadcast, b broadcast). */
export function binaryCpu(
  op: string,
  a: ArrayLike<number>,
  aShape: Shape,
  b: ArrayLike<number>,
  bShape: Shape,
  out: FloatArray,
  outShape: Shape,
): void {
  const f = BINARY_CPU[op];
  if (!f) throw new Error(`internal: unknown binary op ${op}`);
  const n = sizeOf(outShape);
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const dims = outShape;
  const rank = dims.length;
  for (let i = 0; i < n; i++) {
    let rem = i;
    let ia = 0;
    let ib = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % dims[d];
      rem = (rem - c) / dims[d];
      ia += c * sa[d];
      ib += c * sb[d];
    }
    out[i] = f(a[ia], b[ib]);
  }
}

/**
 * The strided copy behind transpose / slice / broadcast / concat:
 * for each coordinate c of `shape`, out[outOffset + c·outStrides] = x[inOffset + c·inStrides].
 */
export function stridedCopyCpu(
  x: ArrayLike<number>,
  out: { [i: number]: number },
  shape: Shape,
  inStrides: readonly number[],
  inOffset: number,
  outStrides: readonly number[] = stridesOf(shape),
  outOffset = 0,
): void {
  const n = sizeOf(shape);
  const rank = shape.length;
  for (let i = 0; i < n; i++) {
    let rem = i;
    let si = inOffset;
    let so = outOffset;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = (rem - c) / shape[d];
      si += c * inStrides[d];
      so += c * outStrides[d];
    }
    out[so] = x[si];
  }
}
