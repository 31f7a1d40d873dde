/** CPU reference for the activations (runtime/kernels/activations.ts), float64. */
import type { Activation } from "../activations.js";

type Arr = ArrayLike<number>;

/** erf to ~1e-15: Taylor series for |x| < 3, Lentz continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

/** erfc(x) for x ≥ 3 by the continued fraction x·e^{-x²}/√π / (x² + 1/2 / (1 + 1 / (x² + ...))). */
function erfcLarge(x: number): number {
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erfc(x: number): number {
  return x >= 3 ? erfcLarge(x) : 1 - erf(x);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const K = Math.sqrt(2 / Math.PI);

export function activation(kind: Activation, x: number): number {
  if (kind === "silu") return x * sigmoid(x);
  if (kind === "gelu") return 0.5 * x * erfc(-x / Math.SQRT2);
  return x * sigmoid(2 * K * (x + 0.044715 * x ** 3)); // = ½x(1 + tanh u), stable in the tail
}

export function activationGrad(kind: Activation, x: number): number {
  if (kind === "silu") {
    const s = sigmoid(x);
    return s * (1 + x * (1 - s));
  }
  if (kind === "gelu")
    return 0.5 * erfc(-x / Math.SQRT2) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
  const s = sigmoid(2 * K * (x + 0.044715 * x ** 3));
  return s + 2 * x * s * (1 - s) * K * (1 + 3 * 0.044715 * x * x);
}

export function activationForwardReference(kind: Activation, x: Arr): Float64Array {
  return Float64Array.from(x as ArrayLike<number>, (v) => activation(kind, v));
}

export function activationBackwardReference(kind: Activation, x: Arr, dy: Arr): Float64Array {
  return Float64Array.from(x as ArrayLike<number>, (v, i) => dy[i] * activationGrad(kind, v));
}

export function swiGluForwardReference(gate: Arr, up: Arr): Float64Array {
  return Float64Array.from(gate as ArrayLike<number>, (g, i) => activation("silu", g) * up[i]);
}

export function swiGluBackwardReference(
  gate: Arr,
  up: Arr,
  dy: Arr,
): { dgate: Float64Array; dup: Float64Array } {
  const dgate = Float64Array.from(
    gate as ArrayLike<number>,
    (g, i) => dy[i] * up[i] * activationGrad("silu", g),
  );
  const dup = Float64Array.from(gate as ArrayLike<number>, (g, i) => dy[i] * activation("silu", g));
  return { dgate, dup };
}
