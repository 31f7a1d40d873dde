/** Shared helpers for the detection-kernel tests (GPU buffers in, comparisons out). */
import { expect } from "vitest";
import { createStorageBuffer, readFloat32, readUint32 } from "../../../runtime/kernels/launch.js";
import { randomFloat32, type Rng } from "../../../runtime/util/random.js";

/** max |a − b| / max |b|: the relative error used throughout the kernel tests. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4) {
  const err = relativeError(actual, expected);
  expect(err, `relative error ${err}`).toBeLessThan(tol);
}

export function upload(
  device: GPUDevice,
  data: Float32Array | Uint32Array | Int32Array,
): GPUBuffer {
  return createStorageBuffer(device, data);
}

export function zeros(device: GPUDevice, count: number): GPUBuffer {
  return createStorageBuffer(device, new Float32Array(Math.max(count, 1)));
}

export { readFloat32, readUint32 };

export function random(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  return randomFloat32(rng, n, lo, hi);
}

/**
 * Central finite differences in float64 of `loss` with respect to `params`, checked against
 * the analytic gradient at `samples` random coordinates.
 */
export function checkGradient(
  rng: Rng,
  params: Float64Array,
  analytic: ArrayLike<number>,
  loss: (p: Float64Array) => number,
  samples = 12,
  h = 1e-6,
  tol = 1e-5,
): void {
  for (let s = 0; s < samples; s++) {
    const i = rng.int(params.length);
    const keep = params[i];
    params[i] = keep + h;
    const up = loss(params);
    params[i] = keep - h;
    const down = loss(params);
    params[i] = keep;
    const numeric = (up - down) / (2 * h);
    const scale = Math.max(1, Math.abs(numeric));
    expect(Math.abs(numeric - analytic[i]) / scale, `coordinate ${i}`).toBeLessThan(tol);
  }
}

/** Runs `record` inside a validation error scope and fails with Dawn's message if any. */
export async function expectValid(device: GPUDevice, record: () => void | Promise<void>) {
  device.pushErrorScope("validation");
  await record();
  const error = await device.popErrorScope();
  expect(error?.message ?? null).toBeNull();
}

/** Random xyxy boxes in a 0..size square; every `zeroEvery`-th box has zero width or height. */
export function randomBoxes(rng: Rng, n: number, size = 100, zeroEvery = 0): Float32Array {
  const out = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const x = rng.next() * size;
    const y = rng.next() * size;
    let w = 1 + rng.next() * size * 0.3;
    let h = 1 + rng.next() * size * 0.3;
    if (zeroEvery > 0 && i % zeroEvery === 0) (i / zeroEvery) % 2 === 0 ? (w = 0) : (h = 0);
    out.set([x, y, x + w, y + h], 4 * i);
  }
  return out;
}
