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
import type { Objective } from "./objective.js";

export interface StepLoss {
  /** The step's loss (a scalar on the device; the caller owns it). */
  loss: Tensor;
  parts: Record<string, Tensor>;
}

/**
 * Runs forward + backward over the micro-batches, accumulating into the parameters' `.grad`.
 * Calls `onMicroBatch` with each weighted micro-batch loss (owned by the callee). Returns the
 * step's loss tokens (0: nothing was run).
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
): number {
  const stepTokens = batches.reduce((a, b) => a + b.lossTokens, 0);
  if (stepTokens === 0) return 0;
  for (const batch of batches) {
    if (batch.lossTokens === 0) continue;
    const weight = batch.lossTokens / stepTokens;
    const out = tidy(() => {
      const r = objective.microBatchLoss(model, batch, backend);
      const loss = scale(r.loss, weight);
      loss.backward();
      const parts: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(r.parts ?? {})) parts[k] = noGrad(() => scale(v, weight));
      return { loss, parts };
    });
    onMicroBatch(out.loss, out.parts);
  }
  return stepTokens;
}
