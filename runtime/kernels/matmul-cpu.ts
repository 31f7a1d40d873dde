/**
 * CPU reference for the matmul kernels: C[b] = alpha·op(A[b])·op(B[b]) (+ scale2·op(A2)·op(B2))
 * (+ bias) → activation (+ beta·residual). op(X) is X or Xᵀ. Accumulates in float64.
 */
import type { FloatArray } from "../tensor/dtype.js";
import { UNARY_CPU } from "./elementwise-cpu.js";

export type MatmulActivation = "none" | "relu" | "silu" | "gelu" | "sigmoid" | "tanh";

export interface MatmulCpuArgs {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  out: FloatArray;
  M: number;
  N: number;
  K: number;
  /** A stored [K, M] instead of [M, K]. */
  transA?: boolean;
  /** B stored [N, K] instead of [K, N]. */
  transB?: boolean;
  batch?: number;
  /** Element strides between batches (0 broadcasts one matrix); default: dense. */
  aBatchStride?: number;
  bBatchStride?: number;
  alpha?: number;
  /** Per-column bias [N]. */
  bias?: ArrayLike<number>;
  activation?: MatmulActivation;
  /** Added after the activation: + beta·residual (same layout as out). */
  residual?: ArrayLike<number>;
  beta?: number;
  /** A second product accumulated before the epilogue: + scale2·op(A2)·op(B2), inner dim K2. */
  second?: {
    a: ArrayLike<number>;
    b: ArrayLike<number>;
    K: number;
    transA?: boolean;
    transB?: boolean;
    scale?: number;
    aBatchStride?: number;
    bBatchStride?: number;
  };
}

export function matmulCpu(args: MatmulCpuArgs): void {
  const { a, b, out, M, N, K } = args;
  const batch = args.batch ?? 1;
  const aStride = args.aBatchStride ?? M * K;
  const bStride = args.bBatchStride ?? K * N;
  const alpha = args.alpha ?? 1;
  const act = args.activation ?? "none";
  const actFn = act === "none" ? null : UNARY_CPU[act];
  const beta = args.beta ?? 1;
  const s2 = args.second;
  const row = new Float64Array(N);
  for (let p = 0; p < batch; p++) {
    for (let m = 0; m < M; m++) {
      row.fill(0);
      accumulateRow(
        row,
        a,
        b,
        p * aStride,
        p * bStride,
        m,
        M,
        N,
        K,
        !!args.transA,
        !!args.transB,
        alpha,
      );
      if (s2) {
        const a2s = s2.aBatchStride ?? M * s2.K;
        const b2s = s2.bBatchStride ?? s2.K * N;
        accumulateRow(
          row,
          s2.a,
          s2.b,
          p * a2s,
          p * b2s,
          m,
          M,
          N,
          s2.K,
          !!s2.transA,
          !!s2.transB,
          s2.scale ?? 1,
        );
      }
      for (let n = 0; n < N; n++) {
        let v = row[n];
        if (args.bias) v += args.bias[n];
        if (actFn) v = actFn(v, 0);
        const o = p * M * N + m * N + n;
        if (args.residual) v += beta * args.residual[o];
        out[o] = v;
      }
    }
  }
}

function accumulateRow(
  row: Float64Array,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  aOff: number,
  bOff: number,
  m: number,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  scale: number,
): void {
  for (let k = 0; k < K; k++) {
    const av = scale * a[aOff + (transA ? k * M + m : m * K + k)];
    if (av === 0) continue;
    if (transB) {
      for (let n = 0; n < N; n++) row[n] += av * b[bOff + n * K + k];
    } else {
      const base = bOff + k * N;
      for (let n = 0; n < N; n++) row[n] += av * b[base + n];
    }
  }
}
