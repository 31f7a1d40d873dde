/**
 * CPU reference for fused LoRA (runtime/kernels/lora.ts). Float64 throughout (inputs may be
 * Float32Array or Float64Array), so finite-difference gradient checks can run on it.
 */
import type { LoraShape } from "../lora.js";

type Arr = ArrayLike<number>;

/**
 * C[M,N] = alpha · op(A)·op(B): A is [M,K] (or [K,M] when `aT`), B is [K,N] ("kn") or [N,K]
 * ("nk"). Float64 accumulation.
 */
export function matmulReference(
  a: Arr,
  b: Arr,
  M: number,
  N: number,
  K: number,
  opts: { aT?: boolean; b?: "kn" | "nk"; alpha?: number } = {},
): Float64Array {
  const out = new Float64Array(M * N);
  const alpha = opts.alpha ?? 1;
  const nk = opts.b === "nk";
  const row = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const av = opts.aT ? a[k * M + m] : a[m * K + k];
      if (av === 0) continue;
      if (nk) for (let n = 0; n < N; n++) row[n] += av * b[n * K + k];
      else {
        const o = k * N;
        for (let n = 0; n < N; n++) row[n] += av * b[o + n];
      }
    }
    for (let n = 0; n < N; n++) out[m * N + n] = alpha * row[n];
  }
  return out;
}

/** W in [out,in] layout whatever the shape's layout. */
function weightOutIn(shape: LoraShape, w: Arr): Arr {
  if ((shape.weightLayout ?? "out-in") === "out-in") return w;
  const { inFeatures: I, outFeatures: O } = shape;
  const t = new Float64Array(O * I);
  for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) t[o * I + i] = w[i * O + o];
  return t;
}

export function loraForwardReference(
  shape: LoraShape,
  x: Arr,
  w: Arr,
  a: Arr,
  b: Arr,
): { h: Float64Array; y: Float64Array } {
  const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
  const s = shape.alpha / r;
  const h = matmulReference(x, a, T, r, I, { b: "nk" });
  const wo = weightOutIn(shape, w);
  const y = new Float64Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let acc = 0;
      for (let i = 0; i < I; i++) acc += x[t * I + i] * wo[o * I + i];
      let lr = 0;
      for (let j = 0; j < r; j++) lr += h[t * r + j] * b[o * r + j];
      y[t * O + o] = acc + s * lr;
    }
  }
  return { h, y };
}

export function loraBackwardReference(
  shape: LoraShape,
  x: Arr,
  w: Arr,
  a: Arr,
  b: Arr,
  h: Arr,
  dy: Arr,
): { g: Float64Array; dx: Float64Array; da: Float64Array; db: Float64Array } {
  const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
  const s = shape.alpha / r;
  const g = matmulReference(dy, b, T, r, O, { alpha: s });
  const wo = weightOutIn(shape, w);
  const dx = new Float64Array(T * I);
  const base = matmulReference(dy, wo, T, I, O);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < I; i++) {
      let lr = 0;
      for (let j = 0; j < r; j++) lr += g[t * r + j] * a[j * I + i];
      dx[t * I + i] = base[t * I + i] + lr;
    }
  }
  const da = matmulReference(g, x, r, I, T, { aT: true });
  const db = matmulReference(dy, h, O, r, T, { aT: true, alpha: s });
  return { g, dx, da, db };
}
