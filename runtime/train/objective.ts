/**
 * Training objectives: what the loss of one micro-batch is. The trainer weights each
 * micro-batch's token-mean loss by its share of the optimizer step's loss tokens, so every
 * objective returns means over the micro-batch's unmasked targets (the −100 mask).
 */
import type { Tensor } from "../tensor/tensor.js";
import { fromArray } from "../tensor/creation.js";
import { reshape } from "../ops/shape.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import type { Backend } from "../backend/backend.js";
import type { CausalLM, LmForwardOptions } from "./causal-lm.js";
import type { MicroBatch } from "./batches.js";

export interface ObjectiveOutput {
  /** The loss to differentiate: a scalar, mean over the micro-batch's loss tokens. */
  loss: Tensor;
  /** Named components to log (same weighting), e.g. hard_loss / soft_loss. */
  parts?: Record<string, Tensor>;
}

export interface Objective {
  /** Short name recorded in checkpoints (a resume with another objective is refused). */
  readonly name: string;
  /** Settings that must match on resume (temperature, alpha, …). */
  settings(): Record<string, unknown>;
  /** Called inside the trainer's tidy, with grad mode on. */
  microBatchLoss(model: CausalLM, batch: MicroBatch, backend: Backend): ObjectiveOutput;
  /**
   * The same loss from the model's logits of the micro-batch (present when the loss needs
   * nothing but the logits): lets the trainer run the forward itself, e.g. with gradient
   * checkpointing.
   */
  lossFromLogits?(logits: Tensor, batch: MicroBatch, backend: Backend): ObjectiveOutput;
}

/** Input ids of a micro-batch as an i32 [B, T] tensor. */
export function inputIdsTensor(batch: MicroBatch, backend: Backend): Tensor {
  return fromArray(batch.inputIds.flat(), [batch.batch, batch.length], { backend, dtype: "i32" });
}

export function targetsTensor(batch: MicroBatch, backend: Backend): Tensor {
  return fromArray(batch.targets, [batch.batch * batch.length], { backend, dtype: "i32" });
}

/** Logits [B, T, V] → rows [B·T, V]. */
export function logitRows(logits: Tensor): Tensor {
  const V = logits.shape[logits.rank - 1];
  return reshape(logits, [-1, V]);
}

/** The model's per-token inputs of a micro-batch: mask, and positions/segments when packed. */
export function forwardOptions(batch: MicroBatch): LmForwardOptions {
  return {
    attentionMask: batch.attentionMask,
    ...(batch.positionIds ? { positionIds: batch.positionIds } : {}),
    ...(batch.segmentIds ? { segmentIds: batch.segmentIds } : {}),
  };
}

export function modelLogits(model: CausalLM, batch: MicroBatch, backend: Backend): Tensor {
  return model.forward(inputIdsTensor(batch, backend), forwardOptions(batch));
}

/** Next-token cross-entropy (SFT: answer tokens; pre-training: every token). */
export const crossEntropyObjective: Objective = {
  name: "cross_entropy",
  settings: () => ({}),
  microBatchLoss(model, batch, backend) {
    return crossEntropyObjective.lossFromLogits!(
      modelLogits(model, batch, backend),
      batch,
      backend,
    );
  },
  lossFromLogits(logits, batch, backend) {
    return { loss: crossEntropy(logitRows(logits), targetsTensor(batch, backend)) };
  },
};
