/**
 * The WebGPU backend (Dawn). Every op records its dispatches into one command encoder that
 * is submitted at `flush()` or at a readback — a training step is one submit. Pipelines and
 * bind groups are cached (runtime/kernels/launch.ts); tensor memory comes from a size-class
 * buffer pool and returns to it when the last tensor using it is disposed.
 */
import type { Backend, MemoryStats, Storage } from "./backend.js";
import type { GpuContext } from "../device/acquire.js";
import { BufferPool } from "./buffer-pool.js";
import {
  dispatch,
  keepingEventLoopAlive,
  uniformBuffer,
  type DispatchSpec,
} from "../kernels/launch.js";
import {
  f16BitsToFloat32,
  float32ToF16Bits,
  storageBytes,
  type DType,
  type TensorData,
} from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { sizeOf, type Shape } from "../tensor/shape.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export interface GpuStorage extends Storage {
  buffer: GPUBuffer;
}

const STORAGE_USAGE = () =>
  GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export class WebGpuBackend implements Backend {
  readonly kind = "webgpu" as const;
  readonly name: string;
  readonly supportsF16: boolean;
  readonly device: GPUDevice;
  readonly gpu: GpuContext;
  /** Tensor storage buffers. */
  readonly pool: BufferPool;
  /** MAP_READ staging buffers for readback. */
  private readonly readPool: BufferPool;
  private current: GPUCommandEncoder | null = null;
  private recorded = 0;
  private submitted = 0;
  private afterSubmit: GPUBuffer[] = [];
  private firstError: string | null = null;
  private liveBytes = 0;
  private liveStorages = 0;
  /** Submit automatically once this many encoder() requests are pending (bounds memory). */
  autoFlushAfter = 8192;

  private static readonly byDevice = new WeakMap<GPUDevice, WebGpuBackend>();

  /** The backend for a device (one per device, shared by every caller). */
  static forContext(gpu: GpuContext): WebGpuBackend {
    let backend = WebGpuBackend.byDevice.get(gpu.device);
    if (!backend) {
      backend = new WebGpuBackend(gpu);
      WebGpuBackend.byDevice.set(gpu.device, backend);
    }
    return backend;
  }

  private constructor(gpu: GpuContext) {
    this.gpu = gpu;
    this.device = gpu.device;
    this.name = gpu.adapterName;
    this.supportsF16 = gpu.hasF16;
    const max = Number(gpu.limits.maxBufferSize);
    this.pool = new BufferPool(this.device, STORAGE_USAGE(), max, "pipewright-tensor");
    this.readPool = new BufferPool(
      this.device,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      max,
      "pipewright-readback",
    );
    this.device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.firstError ??= ev.error.message;
    };
  }

  /** Throws PW8001 when the device was lost (nothing more can run on it). */
  checkDevice(): void {
    if (this.gpu.lostReason !== undefined) {
      throw new PipeError(
        "PW8001",
        `the WebGPU device was lost (${this.gpu.lostReason}); training stopped`,
        {},
        "checkpoints already written are intact: rerun to resume from the last one",
      );
    }
  }

  /** The encoder of the current step; record dispatches into it, never submit it yourself. */
  encoder(): GPUCommandEncoder {
    this.checkDevice();
    if (this.current && this.recorded >= this.autoFlushAfter) this.flush();
    if (!this.current) this.current = this.device.createCommandEncoder();
    this.recorded++;
    return this.current;
  }

  /** Records one compute dispatch (cached pipeline and bind group) into the step encoder. */
  dispatch(spec: DispatchSpec): void {
    dispatch(this.device, spec, this.encoder());
  }

  /** A cached, immutable uniform buffer holding `data` (safe within one encoder). */
  uniform(data: ArrayBufferView): GPUBuffer {
    return uniformBuffer(this.device, data);
  }

  buffer(t: Tensor): GPUBuffer {
    return (t.storage as GpuStorage).buffer;
  }

  /** A binding of exactly the tensor's bytes (pool buffers are larger: `arrayLength` on
   * such a binding is the tensor's length, packed types rounded up to whole words). */
  binding(t: Tensor): { buffer: GPUBuffer; size: number } {
    return { buffer: this.buffer(t), size: storageBytes(t.size, t.dtype) };
  }

  /** An uninitialised tensor for an op output. */
  empty(shape: Shape, dtype: DType = "f32"): Tensor {
    return new Tensor(this, this.allocate(sizeOf(shape), dtype, false), shape, dtype);
  }

  zeros(shape: Shape, dtype: DType = "f32"): Tensor {
    return new Tensor(this, this.allocate(sizeOf(shape), dtype, true), shape, dtype);
  }

  allocate(numel: number, dtype: DType, zero: boolean): GpuStorage {
    const byteSize = storageBytes(numel, dtype);
    const buffer = this.pool.acquire(byteSize);
    if (zero) this.encoder().clearBuffer(buffer, 0, byteSize);
    this.liveBytes += byteSize;
    this.liveStorages++;
    return { buffer, byteSize, refs: 0 };
  }

  upload(values: ArrayLike<number>, dtype: DType): GpuStorage {
    const storage = this.allocate(values.length, dtype, false);
    this.write(storage, dtype, values);
    return storage;
  }

  write(storage: Storage, dtype: DType, values: ArrayLike<number>): void {
    const bytes = hostBytes(values, dtype);
    const { buffer } = storage as GpuStorage;
    if (bytes.byteLength > storage.byteSize)
      throw new Error("internal: write past the end of a tensor");
    if (!this.current) {
      this.device.queue.writeBuffer(buffer, 0, bytes);
      return;
    }
    // Work is recorded but not submitted, and it may still read this (recycled) buffer:
    // a queue write would land before it. Copy through the encoder to keep the order.
    const staging = this.device.createBuffer({
      size: bytes.byteLength,
      usage: GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Uint8Array(staging.getMappedRange()).set(bytes);
    staging.unmap();
    this.encoder().copyBufferToBuffer(staging, 0, buffer, 0, bytes.byteLength);
    this.afterSubmit.push(staging);
  }

  async read(storage: Storage, dtype: DType, numel: number): Promise<TensorData> {
    const { buffer, byteSize } = storage as GpuStorage;
    const staging = this.readPool.acquire(byteSize);
    this.encoder().copyBufferToBuffer(buffer, 0, staging, 0, byteSize);
    this.flush();
    try {
      await keepingEventLoopAlive(staging.mapAsync(GPUMapMode.READ, 0, byteSize));
    } catch (err) {
      this.checkDevice();
      throw err;
    }
    const bytes = staging.getMappedRange(0, byteSize).slice(0);
    staging.unmap();
    this.readPool.release(staging);
    this.throwIfErrored();
    return fromBytes(bytes, dtype, numel);
  }

  release(storage: Storage): void {
    const s = storage as GpuStorage;
    this.liveBytes -= s.byteSize;
    this.liveStorages--;
    this.pool.release(s.buffer);
  }

  /** Submits the step's encoder. */
  flush(): void {
    this.checkDevice();
    if (!this.current) return;
    const encoder = this.current;
    this.current = null;
    this.recorded = 0;
    this.device.queue.submit([encoder.finish()]);
    this.submitted++;
    for (const b of this.afterSubmit) b.destroy();
    this.afterSubmit = [];
  }

  /** Submits and waits for the GPU to finish. */
  async sync(): Promise<void> {
    this.flush();
    await keepingEventLoopAlive(this.device.queue.onSubmittedWorkDone());
    this.checkDevice();
    this.throwIfErrored();
  }

  /** Number of submits so far (tests check that a step is one submit). */
  get submitCount(): number {
    return this.submitted;
  }

  memoryStats(): MemoryStats {
    const p = this.pool.stats();
    return {
      liveBytes: this.liveBytes,
      liveStorages: this.liveStorages,
      pooledBuffers: p.buffers,
      pooledBytes: p.bytes,
      freeBuffers: p.freeBuffers,
    };
  }

  /** Submits pending work and destroys free pooled buffers. */
  trim(): void {
    this.flush();
    this.pool.trim();
    this.readPool.trim();
  }

  dispose(): void {
    if (this.gpu.lostReason === undefined) this.trim();
  }

  private throwIfErrored(): void {
    if (this.firstError !== null) {
      const message = this.firstError;
      this.firstError = null;
      throw new Error(`internal: WebGPU error: ${message}`);
    }
  }
}

function hostBytes(values: ArrayLike<number>, dtype: DType): Uint8Array<ArrayBuffer> {
  const n = values.length;
  const out = new Uint8Array(storageBytes(n, dtype));
  switch (dtype) {
    case "f32":
      new Float32Array(out.buffer, 0, n).set(values);
      break;
    case "u32":
      new Uint32Array(out.buffer, 0, n).set(values);
      break;
    case "i32":
      new Int32Array(out.buffer, 0, n).set(values);
      break;
    case "u8":
      out.set(values);
      break;
    case "f16": {
      const bits = new Uint16Array(out.buffer, 0, n);
      for (let i = 0; i < n; i++) bits[i] = float32ToF16Bits(values[i]);
      break;
    }
  }
  return out;
}

function fromBytes(bytes: ArrayBuffer, dtype: DType, n: number): TensorData {
  switch (dtype) {
    case "f32":
      return new Float32Array(bytes, 0, n);
    case "u32":
      return new Uint32Array(bytes, 0, n);
    case "i32":
      return new Int32Array(bytes, 0, n);
    case "u8":
      return new Uint8Array(bytes, 0, n);
    case "f16": {
      const bits = new Uint16Array(bytes, 0, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToFloat32(bits[i]);
      return out;
    }
  }
}
