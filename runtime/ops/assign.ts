/**
 * In-place copy (no autograd): target ← source. For EMA weights, loading checkpoints into
 * existing parameters, and copying batches into persistent tensors.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape, shapesEqual } from "../tensor/shape.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import { storageBytes } from "../tensor/dtype.js";

export function assign(target: Tensor, source: Tensor): void {
  target.assertAlive("assign target");
  source.assertAlive("assign source");
  if (
    !shapesEqual(target.shape, source.shape) ||
    target.dtype !== source.dtype ||
    target.backend !== source.backend
  ) {
    throw new Error(`assign: ${source} does not match ${target}`);
  }
  if (target.backend.kind === "cpu") {
    const be = target.backend as CpuBackend;
    (be.data(target) as Float32Array).set(be.data(source) as Float32Array);
  } else {
    const be = target.backend as WebGpuBackend;
    be.encoder().copyBufferToBuffer(
      be.buffer(source),
      0,
      be.buffer(target),
      0,
      storageBytes(source.size, source.dtype),
    );
  }
}

/** Overwrites a tensor's contents from host values (ordered after recorded work). */
export function writeTensor(target: Tensor, values: ArrayLike<number>): void {
  target.assertAlive("writeTensor target");
  if (values.length !== target.size) {
    throw new Error(`writeTensor: ${values.length} values for ${formatShape(target.shape)}`);
  }
  target.backend.write(target.storage, target.dtype, values);
}
