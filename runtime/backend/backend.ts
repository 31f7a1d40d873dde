/**
 * The storage-level contract both backends implement. Ops never call it to compute: each op
 * has one forward per backend kind (see runtime/ops/define.ts) that reaches the concrete
 * backend (`CpuBackend` / `WebGpuBackend`) for its kernels. This interface is what tensors,
 * creation, readback and disposal need.
 */
import type { DType, TensorData } from "../tensor/dtype.js";

export type BackendKind = "cpu" | "webgpu";

/** Backend-owned memory behind one or more tensors (views share it; refcounted). */
export interface Storage {
  /** Number of live tensors using this storage. */
  refs: number;
  /** Logical size in bytes (4-aligned). */
  readonly byteSize: number;
}

export interface MemoryStats {
  /** Bytes held by live storages. */
  liveBytes: number;
  /** Live storages (tensors share storages through views). */
  liveStorages: number;
  /** GPU buffers owned by the pool, in use or free (0 on the CPU). */
  pooledBuffers: number;
  /** Bytes of pooled buffers, in use or free. */
  pooledBytes: number;
  /** Pooled buffers free for reuse. */
  freeBuffers: number;
}

export interface Backend {
  readonly kind: BackendKind;
  /** Adapter description ("llvmpipe (LLVM 19.1.7, 256 bits) [vulkan]") or "CPU reference". */
  readonly name: string;
  /** Whether f16 tensors can be computed on (shader-f16 on the GPU). */
  readonly supportsF16: boolean;
  /** Storage for `numel` elements; contents undefined unless `zero`. */
  allocate(numel: number, dtype: DType, zero: boolean): Storage;
  /** Storage holding `values` converted to `dtype`. */
  upload(values: ArrayLike<number>, dtype: DType): Storage;
  /** Overwrites a storage in place, ordered after all work recorded so far. */
  write(storage: Storage, dtype: DType, values: ArrayLike<number>): void;
  /** Reads a storage back (submits pending work first). */
  read(storage: Storage, dtype: DType, numel: number): Promise<TensorData>;
  /** Called when the last tensor using `storage` is disposed. */
  release(storage: Storage): void;
  /** Submits recorded work (no-op on the CPU). */
  flush(): void;
  /** Waits until all submitted work has finished. */
  sync(): Promise<void>;
  memoryStats(): MemoryStats;
  /** Frees everything the backend holds (buffers, caches). Tensors become unusable. */
  dispose(): void;
}
