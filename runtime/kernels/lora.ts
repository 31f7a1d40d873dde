/**
 * Fused LoRA (DESIGN.md), s = α/r, X [T,in], W the frozen base weight, A [r,in], B [out,r]:
 *
 *   forward   h = X·Aᵀ               (kept for backward)
 *             Y = X·Wᵀ + s·h·Bᵀ      (the base GEMM with a rank-r epilogue: one pass over Y)
 *   backward  g  = s·dY·B            [T,r]
 *             dX = dY·W + g·A        (one GEMM, rank-r epilogue)
 *             dA = gᵀ·X              [r,in]
 *             dB = s·dYᵀ·h           [out,r]
 *
 * Every product runs on the runtime's matmul generator (runtime/kernels/matmul.ts); the rank-r
 * epilogues are its `second` product, accumulated into the same register tile as the base GEMM
 * before the store, so Y (and dX) are written once.
 *
 * The base weight is stored either "out-in" ([out,in], nn.Linear / Hugging Face layout) or
 * "in-out" ([in,out], its transpose).
 */
import type { Rng } from "../util/random.js";
import type { BufferBinding } from "./launch.js";
import { encodeMatmul } from "./matmul.js";

export type WeightLayout = "out-in" | "in-out";

export interface LoraShape {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
  rank: number;
  alpha: number;
  /** Base weight layout (default "out-in"). */
  weightLayout?: WeightLayout;
}

export function loraScale(shape: LoraShape): number {
  return shape.alpha / shape.rank;
}

export interface LoraForwardBuffers {
  x: BufferBinding;
  w: BufferBinding;
  a: BufferBinding;
  b: BufferBinding;
  /** Output [T,r], kept for backward. */
  h: BufferBinding;
  /** Output [T,out]. */
  y: BufferBinding;
}

/** Records the fused LoRA forward (two dispatches) into `encoder`. */
export function encodeLoraForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: LoraShape,
  buf: LoraForwardBuffers,
): void {
  const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
  const s = loraScale(shape);
  // h = X·Aᵀ
  encodeMatmul(device, encoder, { a: buf.x, b: buf.a, out: buf.h, M: T, N: r, K: I, transB: true });
  // Y = X·Wᵀ + s·h·Bᵀ
  encodeMatmul(device, encoder, {
    a: buf.x,
    b: buf.w,
    out: buf.y,
    M: T,
    N: O,
    K: I,
    transB: (shape.weightLayout ?? "out-in") === "out-in",
    second: { a: buf.h, b: buf.b, K: r, transB: true, scale: s },
  });
}

/** Records only the base GEMM Y = X·Wᵀ (the benchmark's baseline). */
export function encodeBaseLinear(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: Pick<LoraShape, "tokens" | "inFeatures" | "outFeatures" | "weightLayout">,
  buf: { x: BufferBinding; w: BufferBinding; y: BufferBinding },
): void {
  const { tokens: T, inFeatures: I, outFeatures: O } = shape;
  encodeMatmul(device, encoder, {
    a: buf.x,
    b: buf.w,
    out: buf.y,
    M: T,
    N: O,
    K: I,
    transB: (shape.weightLayout ?? "out-in") === "out-in",
  });
}

export interface LoraBackwardBuffers {
  x: BufferBinding;
  w: BufferBinding;
  a: BufferBinding;
  b: BufferBinding;
  h: BufferBinding;
  dy: BufferBinding;
  /** Scratch [T,r] (g = s·dY·B). */
  g: BufferBinding;
  /** Outputs; any may be omitted (e.g. dX when X needs no gradient). */
  dx?: BufferBinding;
  da?: BufferBinding;
  db?: BufferBinding;
}

/** Records the LoRA backward (up to four dispatches) into `encoder`. */
export function encodeLoraBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: LoraShape,
  buf: LoraBackwardBuffers,
): void {
  const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
  const s = loraScale(shape);
  // g = s·dY·B   [T,out]·[out,r]
  encodeMatmul(device, encoder, { a: buf.dy, b: buf.b, out: buf.g, M: T, N: r, K: O, alpha: s });
  if (buf.dx) {
    // dX = dY·W + g·A   (W "out-in" is [out,in]: no transpose)
    encodeMatmul(device, encoder, {
      a: buf.dy,
      b: buf.w,
      out: buf.dx,
      M: T,
      N: I,
      K: O,
      transB: (shape.weightLayout ?? "out-in") === "in-out",
      second: { a: buf.g, b: buf.a, K: r },
    });
  }
  // dA = gᵀ·X  ([r,T]·[T,in])
  if (buf.da)
    encodeMatmul(device, encoder, {
      a: buf.g,
      b: buf.x,
      out: buf.da,
      M: r,
      N: I,
      K: T,
      transA: true,
    });
  // dB = s·dYᵀ·h  ([out,T]·[T,r])
  if (buf.db)
    encodeMatmul(device, encoder, {
      a: buf.dy,
      b: buf.h,
      out: buf.db,
      M: O,
      N: r,
      K: T,
      transA: true,
      alpha: s,
    });
}

export type LoraInit = "kaiming" | "gaussian";

/**
 * Initial adapter weights, seeded. A: "kaiming" is PEFT's default
 * (kaiming_uniform with a = √5, i.e. U(−1/√in, 1/√in)); "gaussian" is N(0, 1/r).
 * B is zero, so the adapter starts as the identity change (ΔW = 0).
 */
export function initLoraWeights(
  rng: Rng,
  inFeatures: number,
  outFeatures: number,
  rank: number,
  init: LoraInit = "kaiming",
): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(rank * inFeatures);
  if (init === "kaiming") {
    const bound = 1 / Math.sqrt(inFeatures);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
  } else {
    const std = 1 / rank;
    for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
  }
  return { a, b: new Float32Array(outFeatures * rank) };
}
