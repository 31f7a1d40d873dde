/**
 * A typed, contiguous, row-major n-d array that lives on one Backend. Tensors are immutable
 * from the API's point of view (ops return new tensors; optimisers update parameters in
 * place under no-grad). Memory is released by `dispose()` or by an enclosing `tidy`.
 */
import type { Backend, Storage } from "../backend/backend.js";
import type { GradNode } from "../autograd/tape.js";
import { runBackward, type BackwardOptions } from "../autograd/backward.js";
import { DTYPE_BYTES, isFloat, type DType, type TensorData } from "./dtype.js";
import { formatShape, sizeOf, type Shape } from "./shape.js";
import { trackTensor } from "./scope.js";

let nextId = 1;
let live = 0;

/** Tensors created and not yet disposed (all backends); leak tests watch this. */
export function liveTensorCount(): number {
  return live;
}

export class Tensor {
  /** Marks tensors for `tidy` without an import cycle. */
  readonly __isTensor = true;
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly backend: Backend;
  /** Backend memory; shared by views. Op implementations reach it through their backend. */
  readonly storage: Storage;
  /** Set on parameters (leaves) whose `.grad` backward() should fill. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf with `requiresGrad` (kept out of tidy scopes). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, when it was recorded. */
  gradNode: GradNode | null = null;
  /** Which output of `gradNode` this tensor is. */
  outputIndex = 0;
  private disposed = false;

  constructor(backend: Backend, storage: Storage, shape: Shape, dtype: DType) {
    this.backend = backend;
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    const needed = sizeOf(shape) * DTYPE_BYTES[dtype];
    if (needed > storage.byteSize) {
      throw new Error(
        `internal: storage of ${storage.byteSize} bytes < ${needed} for ${formatShape(shape)}`,
      );
    }
    storage.refs++;
    live++;
    trackTensor(this);
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Whether gradients flow into this tensor (a parameter or the result of one). */
  get tracksGrad(): boolean {
    return this.requiresGrad || this.gradNode !== null;
  }

  /** Releases this tensor's reference to its storage; idempotent. Does not touch `.grad`. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live--;
    this.storage.refs--;
    if (this.storage.refs === 0) this.backend.release(this.storage);
  }

  /** Throws a clear error when a disposed tensor is used. */
  assertAlive(what = "tensor"): void {
    if (this.disposed) {
      throw new Error(
        `${what} ${formatShape(this.shape)} (#${this.id}) was disposed (by dispose() or a tidy scope)`,
      );
    }
  }

  /** A new tensor object sharing this one's storage (no copy, not recorded on the tape). */
  view(shape: Shape = this.shape): Tensor {
    this.assertAlive();
    if (sizeOf(shape) !== this.size) {
      throw new Error(`view ${formatShape(shape)} does not match ${formatShape(this.shape)}`);
    }
    return new Tensor(this.backend, this.storage, shape, this.dtype);
  }

  /** Contents as a host array (submits pending GPU work). Float → Float32Array
   * (Float64Array on a float64 CPU backend). */
  async toArray(): Promise<TensorData> {
    this.assertAlive();
    return this.backend.read(this.storage, this.dtype, this.size);
  }

  async toFloat32Array(): Promise<Float32Array> {
    const data = await this.toArray();
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }

  /** The value of a one-element tensor: the only readback a training step should do. */
  async item(): Promise<number> {
    if (this.size !== 1)
      throw new Error(`item() needs one element, got ${formatShape(this.shape)}`);
    return (await this.toArray())[0];
  }

  /**
   * Back-propagates from this tensor: fills `.grad` of every leaf with `requiresGrad` that it
   * depends on (accumulating into an existing `.grad`). Without `grad`, this tensor must
   * hold one element and the seed is 1. `backward({ retainGraph: true })` also works.
   */
  backward(grad?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    if (grad !== undefined && !(grad instanceof Tensor)) runBackward(this, undefined, grad);
    else runBackward(this, grad, options);
  }

  /** Detached alias: same storage, no tape history, no requiresGrad. */
  detach(): Tensor {
    return this.view();
  }

  get isFloat(): boolean {
    return isFloat(this.dtype);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${this.backend.kind})`;
  }
}
