/**
 * The tape: every recorded op application becomes a GradNode that points at its inputs, so
 * the nodes reachable from a loss, taken in reverse creation order, are the tape to replay
 * backwards. Nodes are created by runtime/ops/define.ts only.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";

export interface BackwardContext<A> {
  /** The forward inputs (alive: do not dispose them before backward). */
  inputs: readonly Tensor[];
  /** The forward outputs. */
  outputs: readonly Tensor[];
  /** Extra tensors the forward chose to save (e.g. softmax statistics). */
  saved: readonly Tensor[];
  attrs: A;
  /** Gradient of the loss with respect to each output (zeros where none flowed). */
  grads: readonly Tensor[];
  /** Whether input i needs a gradient; return null for those that do not. */
  needsGrad: readonly boolean[];
}

/** Returns one gradient per input, same shape as that input (null/undefined: none). */
export type BackwardFn<A> = (ctx: BackwardContext<A>) => readonly (Tensor | null | undefined)[];

let nextNodeId = 1;

export interface GradNode {
  /** Creation order; backward visits nodes in decreasing id. */
  readonly id: number;
  readonly op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  outputMeta: { shape: readonly number[]; dtype: DType }[];
  saved: Tensor[];
  attrs: unknown;
  needsGrad: boolean[];
  backward: BackwardFn<unknown>;
  /** Set after a backward without retainGraph: the saved tensors are gone. */
  released: boolean;
}

export function createGradNode(fields: Omit<GradNode, "id" | "released" | "outputMeta">): GradNode {
  return {
    ...fields,
    id: nextNodeId++,
    released: false,
    outputMeta: fields.outputs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
  };
}
