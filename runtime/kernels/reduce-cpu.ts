/** CPU reference for runtime/kernels/reduce.ts: x viewed as [A, R, B] reduced over R. */
import type { FloatArray } from "../tensor/dtype.js";

export type ReduceOp = "sum" | "max" | "min";

export function reduceCpu(
  op: ReduceOp,
  x: ArrayLike<number>,
  A: number,
  R: number,
  B: number,
  out: FloatArray,
): void {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      let acc = op === "sum" ? 0 : op === "max" ? -Infinity : Infinity;
      for (let r = 0; r < R; r++) {
        const v = x[(a * R + r) * B + b];
        if (op === "sum") acc += v;
        else if (op === "max") acc = v > acc ? v : acc;
        else acc = v < acc ? v : acc;
      }
      out[a * B + b] = acc;
    }
  }
}
