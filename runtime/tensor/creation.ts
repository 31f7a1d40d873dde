/**
 * Tensor creation. Without `backend`, tensors go to the default backend (set by
 * `createBackend()`). Random tensors are generated on the host from a seeded stream, so the
 * same seed gives the same values on every backend.
 */
import type { Backend } from "../backend/backend.js";
import { getDefaultBackend } from "../backend/default.js";
import { createRng } from "../util/random.js";
import type { DType } from "./dtype.js";
import { formatShape, sizeOf, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
  /** Mark as a parameter: backward() fills its `.grad`. */
  requiresGrad?: boolean;
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor holding `values` (row-major). `shape` defaults to [values.length]. */
export function fromArray(
  values: ArrayLike<number>,
  shape: Shape = [values.length],
  options: CreateOptions = {},
): Tensor {
  const backend = options.backend ?? getDefaultBackend();
  const dtype = options.dtype ?? "f32";
  if (sizeOf(shape) !== values.length) {
    throw new Error(`fromArray: ${values.length} values do not fill shape ${formatShape(shape)}`);
  }
  return finish(new Tensor(backend, backend.upload(values, dtype), shape, dtype), options);
}

export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return fromArray([value], [], options);
}

/** An uninitialised tensor (contents undefined): for op outputs that are fully written. */
export function empty(shape: Shape, options: CreateOptions = {}): Tensor {
  const backend = options.backend ?? getDefaultBackend();
  const dtype = options.dtype ?? "f32";
  return finish(
    new Tensor(backend, backend.allocate(sizeOf(shape), dtype, false), shape, dtype),
    options,
  );
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  const backend = options.backend ?? getDefaultBackend();
  const dtype = options.dtype ?? "f32";
  return finish(
    new Tensor(backend, backend.allocate(sizeOf(shape), dtype, true), shape, dtype),
    options,
  );
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  if (value === 0) return zeros(shape, options);
  return fromArray(new Float64Array(sizeOf(shape)).fill(value), shape, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, backend: t.backend, ...options });
}

export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, backend: t.backend, ...options });
}

export interface RandomOptions extends CreateOptions {
  seed: number;
}

/** Normal(mean, std²) samples from `createRng(seed)`. */
export function randn(
  shape: Shape,
  options: RandomOptions & { mean?: number; std?: number },
): Tensor {
  const rng = createRng(options.seed);
  const { mean = 0, std = 1 } = options;
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
  return fromArray(values, shape, options);
}

/** Uniform [low, high) samples from `createRng(seed)`. */
export function rand(
  shape: Shape,
  options: RandomOptions & { low?: number; high?: number },
): Tensor {
  const rng = createRng(options.seed);
  const { low = 0, high = 1 } = options;
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * rng.next();
  return fromArray(values, shape, options);
}

/** [0, 1, ..., n-1]; dtype defaults to i32. */
export function arange(n: number, options: CreateOptions = {}): Tensor {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = i;
  return fromArray(values, [n], { dtype: "i32", ...options });
}
