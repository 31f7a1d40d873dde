/**
 * Shared helpers for the LLM kernel tests: upload, run one encoder, read back, compare.
 */
import { expect } from "vitest";
import { createStorageBuffer, readFloat32, readUint32 } from "../../../runtime/kernels/launch.js";
import { createRng, randomFloat32, type Rng } from "../../../runtime/util/random.js";

/** A fresh seed per run (reported on failure) unless PIPE_TEST_SEED pins it. */
export function freshSeed(): number {
  const pinned = process.env.PIPE_TEST_SEED;
  if (pinned) return Number(pinned);
  return (Date.now() ^ (process.pid << 10)) >>> 0;
}

export function rngFor(seed: number, salt: number): Rng {
  return createRng((seed + Math.imul(salt, 0x9e3779b1)) >>> 0);
}

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

export function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  return randomFloat32(rng, n, lo, hi);
}

export class GpuScratch {
  private readonly buffers: GPUBuffer[] = [];
  constructor(readonly device: GPUDevice) {}
  upload(data: ArrayBufferView): GPUBuffer {
    const b = createStorageBuffer(this.device, data);
    this.buffers.push(b);
    return b;
  }
  empty(floats: number): GPUBuffer {
    const b = createStorageBuffer(this.device, Math.max(1, floats) * 4);
    this.buffers.push(b);
    return b;
  }
  /** Records with `fn` into one encoder and submits it. */
  run(fn: (encoder: GPUCommandEncoder) => void): void {
    const encoder = this.device.createCommandEncoder();
    fn(encoder);
    this.device.queue.submit([encoder.finish()]);
  }
  read(buffer: GPUBuffer, count: number): Promise<Float32Array> {
    return readFloat32(this.device, buffer, count);
  }
  readU32(buffer: GPUBuffer, count: number): Promise<Uint32Array> {
    return readUint32(this.device, buffer, count);
  }
  dispose(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}

/** max|actual − expected| / max(max|expected|, floor): the normwise relative error. */
export function relError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  floor = 1e-6,
): number {
  if (actual.length !== expected.length)
    throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxDiff = 0;
  let maxRef = floor;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tol = 1e-4,
): void {
  const err = relError(actual, expected);
  expect(err, `${what}: relative error ${err.toExponential(2)}`).toBeLessThan(tol);
}

/**
 * Central finite differences in float64 of a scalar function with respect to `x` (perturbed in
 * place and restored), at `count` sampled coordinates (all when omitted).
 */
export function numericGradient(
  f: () => number,
  x: Float64Array,
  opts: { eps?: number; indices?: number[] } = {},
): Map<number, number> {
  const eps = opts.eps ?? 1e-6;
  const out = new Map<number, number>();
  const idx = opts.indices ?? Array.from(x, (_, i) => i);
  for (const i of idx) {
    const v = x[i];
    x[i] = v + eps;
    const up = f();
    x[i] = v - eps;
    const down = f();
    x[i] = v;
    out.set(i, (up - down) / (2 * eps));
  }
  return out;
}

/** Checks analytic gradient entries against central differences (relative to the largest). */
export function expectGradientMatches(
  f: () => number,
  x: Float64Array,
  analytic: ArrayLike<number>,
  what: string,
  opts: { eps?: number; samples?: number; rng?: Rng; tol?: number } = {},
): void {
  let indices: number[] | undefined;
  if (opts.samples !== undefined && opts.samples < x.length) {
    const rng = opts.rng ?? createRng(1);
    indices = Array.from({ length: opts.samples }, () => rng.int(x.length));
  }
  const numeric = numericGradient(f, x, { eps: opts.eps, indices });
  const got: number[] = [];
  const want: number[] = [];
  for (const [i, g] of numeric) {
    got.push(analytic[i]);
    want.push(g);
  }
  expectClose(got, want, `gradient ${what}`, opts.tol ?? 1e-5);
}

export function toF64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a as ArrayLike<number>);
}

/** Σ w_i · y_i: a scalar loss whose gradient with respect to y is w. */
export function dotLoss(y: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * w[i];
  return s;
}
