/**
 * Pipewright runtime: the public API (docs/runtime.md). Pipeline stages and scripts import
 * from here only.
 */
export { Tensor, liveTensorCount } from "./tensor/tensor.js";
export type { DType, TensorData, FloatArray } from "./tensor/dtype.js";
export type { Shape } from "./tensor/shape.js";
export {
  fromArray,
  scalar,
  empty,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  randn,
  rand,
  arange,
  type CreateOptions,
  type RandomOptions,
} from "./tensor/creation.js";
export { tidy, keep } from "./tensor/scope.js";
export { noGrad, noGradAsync, isGradEnabled } from "./autograd/grad-mode.js";
export type { BackwardOptions } from "./autograd/backward.js";
export type { BackwardContext, BackwardFn } from "./autograd/tape.js";
export type { Backend, BackendKind, MemoryStats } from "./backend/backend.js";
export { CpuBackend, type CpuBackendOptions } from "./backend/cpu-backend.js";
export { WebGpuBackend } from "./backend/webgpu-backend.js";
export {
  createBackend,
  CPU_FALLBACK_NOTICE,
  type CreateBackendOptions,
} from "./backend/create-backend.js";
export { getDefaultBackend, setDefaultBackend } from "./backend/default.js";
export * from "./ops/index.js";
export * from "./optim/index.js";
