/**
 * GPU buffers recycled by size class, so a training loop that allocates the same tensors
 * every step reuses the same buffers instead of creating new ones. Classes are 2^k·{1, 1.25,
 * 1.5, 1.75} bytes (at most 25% slack), at least 256 bytes.
 *
 * Reuse inside one unsubmitted encoder is safe: passes in an encoder execute in order, so a
 * buffer released after its last recorded use and handed out again is only written by later
 * passes. (Host writes are the exception; WebGpuBackend.write orders them through the encoder.)
 */
export interface PoolStats {
  /** Buffers the pool created and has not destroyed (in use + free). */
  buffers: number;
  bytes: number;
  freeBuffers: number;
  freeBytes: number;
}

export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) {
    const c = p * f;
    if (c >= bytes) return c;
  }
  return p * 2;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private count = 0;
  private total = 0;
  private freeCount = 0;
  private freeTotal = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    private readonly maxBufferSize: number,
    private readonly label: string,
  ) {}

  acquire(bytes: number): GPUBuffer {
    let size = sizeClass(bytes);
    if (size > this.maxBufferSize) size = Math.ceil(bytes / 4) * 4;
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.freeCount--;
      this.freeTotal -= size;
      return reused;
    }
    const buffer = this.device.createBuffer({ size, usage: this.usage, label: this.label });
    this.count++;
    this.total += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
    this.freeCount++;
    this.freeTotal += size;
  }

  /** Destroys all free buffers. Call only after the work that used them was submitted. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.count--;
        this.total -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
    this.freeCount = 0;
    this.freeTotal = 0;
  }

  stats(): PoolStats {
    return {
      buffers: this.count,
      bytes: this.total,
      freeBuffers: this.freeCount,
      freeBytes: this.freeTotal,
    };
  }
}
