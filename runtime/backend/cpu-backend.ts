/**
 * The CPU reference backend: plain typed arrays, ops run their CPU reference functions.
 * Used when no WebGPU adapter exists, and for gradient checks, where it runs f32 tensors in
 * float64 (`new CpuBackend({ precision: "f64" })`). f16 tensors hold f16-rounded values in
 * float arrays.
 */
import type { Backend, MemoryStats, Storage } from "./backend.js";
import {
  f16BitsToFloat32,
  float32ToF16Bits,
  type DType,
  type FloatArray,
  type TensorData,
} from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { formatShape, sizeOf, type Shape } from "../tensor/shape.js";

export interface CpuStorage extends Storage {
  data: TensorData;
}

export interface CpuBackendOptions {
  /** Float precision of f32 tensors: "f32" (default) or "f64" (gradient checks). */
  precision?: "f32" | "f64";
}

export class CpuBackend implements Backend {
  readonly kind = "cpu" as const;
  readonly name: string;
  readonly supportsF16 = true;
  readonly precision: "f32" | "f64";
  private liveBytes = 0;
  private liveStorages = 0;

  constructor(options: CpuBackendOptions = {}) {
    this.precision = options.precision ?? "f32";
    this.name = this.precision === "f64" ? "CPU reference (float64)" : "CPU reference";
  }

  /** A zeroed float array in this backend's precision. */
  floatArray(n: number): FloatArray {
    return this.precision === "f64" ? new Float64Array(n) : new Float32Array(n);
  }

  /** The array behind a tensor (no copy: do not mutate inputs). */
  data(t: Tensor): TensorData {
    return (t.storage as CpuStorage).data;
  }

  /** The float array behind a float tensor. */
  floats(t: Tensor): FloatArray {
    const d = this.data(t);
    if (!(d instanceof Float32Array || d instanceof Float64Array)) {
      throw new Error(`expected a float tensor, got ${t.dtype} ${formatShape(t.shape)}`);
    }
    return d;
  }

  /** Wraps `data` (no copy) as a tensor; float data must come from `floatArray`. */
  fromData(data: TensorData, shape: Shape, dtype?: DType): Tensor {
    const dt = dtype ?? inferDtype(data);
    if (data.length !== sizeOf(shape)) {
      throw new Error(`internal: ${data.length} values for ${formatShape(shape)}`);
    }
    const stored =
      (dt === "f32" || dt === "f16") && !this.isNativeFloat(data) ? this.toFloat(data, dt) : data;
    return new Tensor(this, this.track(stored), shape, dt);
  }

  /** A zero-filled tensor. */
  zeros(shape: Shape, dtype: DType = "f32"): Tensor {
    return new Tensor(this, this.allocate(sizeOf(shape), dtype, true), shape, dtype);
  }

  allocate(numel: number, dtype: DType, _zero: boolean): CpuStorage {
    return this.track(this.emptyArray(numel, dtype));
  }

  upload(values: ArrayLike<number>, dtype: DType): CpuStorage {
    const data = this.emptyArray(values.length, dtype);
    this.fill(data, dtype, values);
    return this.track(data);
  }

  write(storage: Storage, dtype: DType, values: ArrayLike<number>): void {
    const data = (storage as CpuStorage).data;
    if (values.length > data.length) throw new Error("internal: write past the end of a tensor");
    this.fill(data, dtype, values);
  }

  async read(storage: Storage, dtype: DType, numel: number): Promise<TensorData> {
    return this.readSync(storage, dtype, numel);
  }

  /** Synchronous readback (CPU only), a copy. */
  readSync(storage: Storage, _dtype: DType, numel: number): TensorData {
    return (storage as CpuStorage).data.slice(0, numel);
  }

  release(storage: Storage): void {
    this.liveBytes -= storage.byteSize;
    this.liveStorages--;
    (storage as CpuStorage).data = new Float32Array(0);
  }

  flush(): void {}

  async sync(): Promise<void> {}

  memoryStats(): MemoryStats {
    return {
      liveBytes: this.liveBytes,
      liveStorages: this.liveStorages,
      pooledBuffers: 0,
      pooledBytes: 0,
      freeBuffers: 0,
    };
  }

  dispose(): void {}

  private isNativeFloat(data: TensorData): boolean {
    return this.precision === "f64" ? data instanceof Float64Array : data instanceof Float32Array;
  }

  private toFloat(data: ArrayLike<number>, dtype: DType): FloatArray {
    const out = this.floatArray(data.length);
    for (let i = 0; i < data.length; i++) out[i] = dtype === "f16" ? roundF16(data[i]) : data[i];
    return out;
  }

  private emptyArray(numel: number, dtype: DType): TensorData {
    switch (dtype) {
      case "f32":
      case "f16":
        return this.floatArray(numel);
      case "u32":
        return new Uint32Array(numel);
      case "i32":
        return new Int32Array(numel);
      case "u8":
        return new Uint8Array(numel);
    }
  }

  private fill(data: TensorData, dtype: DType, values: ArrayLike<number>): void {
    if (dtype === "f16") {
      for (let i = 0; i < values.length; i++) data[i] = roundF16(values[i]);
    } else {
      for (let i = 0; i < values.length; i++) data[i] = values[i];
    }
  }

  private track(data: TensorData): CpuStorage {
    const byteSize = Math.max(4, data.byteLength);
    this.liveBytes += byteSize;
    this.liveStorages++;
    return { data, refs: 0, byteSize };
  }
}

function roundF16(v: number): number {
  return f16BitsToFloat32(float32ToF16Bits(v));
}

function inferDtype(data: TensorData): DType {
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Uint32Array) return "u32";
  if (data instanceof Uint8Array) return "u8";
  return "f32";
}
