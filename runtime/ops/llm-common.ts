/**
 * Small helpers shared by the LLM ops (rmsnorm, rope, attention, losses, LoRA, NF4, ...).
 */
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { Tensor } from "../tensor/tensor.js";
import { formatShape, type Shape } from "../tensor/shape.js";

/** A CPU tensor holding float64 reference results, in the backend's precision. */
export function cpuTensor(be: CpuBackend, values: ArrayLike<number>, shape: Shape): Tensor {
  const out = be.floatArray(values.length);
  out.set(values as ArrayLike<number>);
  return be.fromData(out, shape);
}

/** rows × last-dimension view of a tensor's shape. */
export function rowsOf(x: Tensor): { rows: number; cols: number } {
  if (x.rank < 1) throw new Error(`expected at least one dimension, got ${formatShape(x.shape)}`);
  const cols = x.shape[x.rank - 1];
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}

export function expectDtype(op: string, t: Tensor, ...dtypes: string[]): void {
  if (!dtypes.includes(t.dtype)) {
    throw new Error(
      `${op}: expected ${dtypes.join(" or ")}, got ${t.dtype} ${formatShape(t.shape)}`,
    );
  }
}

export function expectShape(op: string, what: string, t: Tensor, shape: Shape): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${op}: ${what} must be ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
}
