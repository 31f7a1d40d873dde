/**
 * The gradient of one optimizer step: every micro-batch's token-mean loss is weighted by its
 * share of the step's loss tokens before backward, so the accumulated gradient is that of
 * (Σ token losses of the step) / (loss tokens of the step) — per-token normalisation across
 * gradient accumulation, independent of how the step's rows are split into micro-batches.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Backend } from "../backend/backend.js";
import { tidy } from "../tensor/scope.js";
import { noGrad } from "../autograd/grad-mode.js";
import { scale } from "../ops/elementwise.js";
import type { CausalLM } from "./causal-lm.js";
import type { MicroBatch } from "./batches.js";
import { forwardOptions, inputIdsTensor, type Objective } from "./objective.js";

export interface StepLoss {
  /** The step's loss (a scalar on the device; the caller owns it). */
  loss: Tensor;
  parts: Record<string, Tensor>;
}

/**
 * Runs forward + backward over the micro-batches, accumulating into the parameters' `.grad`.
 * Calls `onMicroBatch` with each weighted micro-batch loss (owned by the callee). Returns the
 * step's loss tokens (0: nothing was run). With `checkpoint` (and a model and objective that
 * support it: `canCheckpoint`) the model runs forward + backward itself with gradient
 * checkpointing; the gradients are the same.
 */
export function accumulateStepGradients(
  model: CausalLM,
  batches: readonly MicroBatch[],
  objective: Objective,
  backend: Backend,
  onMicroBatch: (loss: Tensor, parts: Record<string, Tensor>) => void = (l, p) => {
    l.dispose();
    for (const t of Object.values(p)) t.dispose();
  },
  options: { checkpoint?: boolean } = {},
): number {
  const checkpoint = options.checkpoint === true && canCheckpoint(model, objective);
  const stepTokens = batches.reduce((a, b) => a + b.lossTokens, 0);
  if (stepTokens === 0) return 0;
  for (const batch of batches) {
    if (batch.lossTokens === 0) continue;
    const weight = batch.lossTokens / stepTokens;
    const out = tidy(() => {
      let r: { loss: Tensor; parts?: Record<string, Tensor> };
      let loss: Tensor;
      if (checkpoint) {
        loss = model.forwardBackward!(
          inputIdsTensor(batch, backend),
          (logits) => {
            r = objective.lossFromLogits!(logits, batch, backend);
            return scale(r.loss, weight);
          },
          { checkpoint: true, ...forwardOptions(batch) },
        );
      } else {
        r = objective.microBatchLoss(model, batch, backend);
        loss = scale(r.loss, weight);
        loss.backward();
      }
      const parts: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(r!.parts ?? {}))
        parts[k] = noGrad(() => scale(v, weight));
      return { loss, parts };
    });
    onMicroBatch(out.loss, out.parts);
  }
  return stepTokens;
}

/** Whether gradient checkpointing can run: the model recomputes, the loss needs only logits. */
export function canCheckpoint(model: CausalLM, objective: Objective): boolean {
  return (
    typeof model.forwardBackward === "function" && typeof objective.lossFromLogits === "function"
  );
}
