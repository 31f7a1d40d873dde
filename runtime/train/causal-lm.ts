/**
 * What the trainer, the distiller and the evaluator need from a causal language model. The
 * Llama model of runtime/llm (`LlamaModel`) satisfies it structurally; tests use toy models.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Backend } from "../backend/backend.js";

export type RngState = [number, number, number, number];

/** Per-row, per-token inputs besides the ids ([B][T] each; see `MicroBatch`). */
export interface LmForwardOptions {
  /** 1 = real token, 0 = padding (right padding only). */
  attentionMask?: readonly (readonly number[])[];
  /** RoPE positions (packed sequences restart at 0 per example). */
  positionIds?: readonly (readonly number[])[];
  /** Segment ids: a token attends only to earlier tokens of its own segment (packing). */
  segmentIds?: readonly (readonly number[])[];
}

export interface CausalLM {
  /**
   * Logits [B, T, vocab] for input ids [B, T] (right padding only; mask 1 = real token). A
   * model that gets `positionIds` / `segmentIds` (packed batches) must honour them: RoPE at
   * those positions, attention inside a segment.
   */
  forward(inputIds: Tensor | readonly (readonly number[])[], options?: LmForwardOptions): Tensor;
  /** The parameters the optimiser updates, by stable name (checkpoint keys). */
  trainableParameters(): Map<string, Tensor>;
  /** Host copies of the parameters (`trainableOnly`: what a checkpoint needs). */
  stateDict(options?: { trainableOnly?: boolean }): Promise<Map<string, Float32Array>>;
  /** Writes values into the existing parameter tensors (optimiser references stay valid). */
  loadStateDict(
    state: ReadonlyMap<string, ArrayLike<number>>,
    options?: { strict?: boolean },
  ): void;
  /** Random streams the forward consumes in training (dropout), for exact resume. */
  randomState?(): Record<string, RngState>;
  setRandomState?(state: Record<string, RngState>): void;
  /** Training mode (dropout on) / evaluation mode. */
  train?(): unknown;
  eval?(): unknown;
  readonly training?: boolean;
  readonly backend?: Backend;
  /** Present on Llama models: the vocabulary size is checked for distillation. */
  readonly arch?: { vocabSize: number };
  /**
   * Forward, `lossFn` and backward in one call, optionally with gradient checkpointing (each
   * layer recomputed during the backward). Models without it are trained without
   * checkpointing. Returns the loss `lossFn` returned; the parameters' `.grad`s are filled.
   */
  forwardBackward?(
    inputIds: Tensor,
    lossFn: (logits: Tensor) => Tensor,
    options: { checkpoint: boolean } & LmForwardOptions,
  ): Tensor;
}

/** The backend a model's tensors live on (its own, else its first trainable parameter's). */
export function modelBackend(model: CausalLM): Backend {
  if (model.backend) return model.backend;
  const first = model.trainableParameters().values().next().value;
  if (!first) throw new Error("model has no backend and no trainable parameter to infer it from");
  return first.backend;
}

/** Runs `fn` with the model in evaluation mode, restoring training mode after. */
export async function inEvalMode<T>(model: CausalLM, fn: () => Promise<T>): Promise<T> {
  const wasTraining = model.training ?? false;
  model.eval?.();
  try {
    return await fn();
  } finally {
    if (wasTraining) model.train?.();
  }
}
