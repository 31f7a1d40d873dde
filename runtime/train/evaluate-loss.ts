/**
 * Validation loss: next-token cross-entropy averaged over every loss token of the whole set
 * (Σ NLL / N, not a mean of batch means), without gradients, in evaluation mode. Each batch's
 * token-mean is scaled by its token count on the device and the sum is read back once.
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { tidy, keep } from "../tensor/scope.js";
import { add, scale } from "../ops/elementwise.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { inEvalMode, modelBackend, type CausalLM } from "./causal-lm.js";
import { evalMicroBatches, type LmExample, type LmObjectiveKind } from "./batches.js";
import { logitRows, modelLogits, targetsTensor } from "./objective.js";
import { settleQuietly } from "./gpu-wait.js";

export interface LossEvaluation {
  /** Mean NLL per loss token (nats). */
  loss: number;
  perplexity: number;
  tokens: number;
}

export async function evaluateLoss(
  model: CausalLM,
  examples: readonly LmExample[],
  options: { batchSize: number; padId: number; objective: LmObjectiveKind; maxLength?: number },
): Promise<LossEvaluation> {
  const backend = modelBackend(model);
  const batches = evalMicroBatches(examples, options);
  const tokens = batches.reduce((a, b) => a + b.lossTokens, 0);
  if (tokens === 0) {
    throw new PipeError(
      "PW8009",
      `the evaluation set (${examples.length} examples) has no token to compute a loss on`,
      {},
      "check the validation split: every example needs at least one answer token after truncation",
    );
  }
  return inEvalMode(model, async () => {
    let total: Tensor | null = null;
    for (const batch of batches) {
      if (batch.lossTokens === 0) continue;
      const part = noGrad(() =>
        tidy(() => {
          const ce = crossEntropy(
            logitRows(modelLogits(model, batch, backend)),
            targetsTensor(batch, backend),
          );
          const s = scale(ce, batch.lossTokens);
          return total ? add(total, s) : s;
        }),
      );
      total?.dispose();
      total = keep(part);
    }
    await settleQuietly(backend);
    const sum = await total!.item();
    total!.dispose();
    const loss = sum / tokens;
    return { loss, perplexity: Math.exp(loss), tokens };
  });
}
