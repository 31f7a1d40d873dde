/**
 * Per-sequence log-likelihoods under a causal LM: for each row (token ids + Hugging Face
 * labels), the summed next-token NLL over its labelled tokens and their count. Rows are run in
 * right-padded batches without gradients in evaluation mode; each row's sum is its own
 * cross-entropy (a token mean) times its token count, and a batch's sums are read back at once.
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { tidy } from "../tensor/scope.js";
import { scale } from "../ops/elementwise.js";
import { concat, reshape, slice } from "../ops/shape.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import { fromArray } from "../tensor/creation.js";
import { inEvalMode, modelBackend, type CausalLM } from "../train/causal-lm.js";
import { evalMicroBatches, type LmExample, type LmObjectiveKind } from "../train/batches.js";
import { inputIdsTensor } from "../train/objective.js";
import { settleQuietly } from "../train/gpu-wait.js";

export interface SequenceScore {
  /** Σ −log p(token) over the row's labelled tokens (nats). */
  nllSum: number;
  tokenCount: number;
}

export async function sequenceLogLikelihoods(
  model: CausalLM,
  rows: readonly LmExample[],
  options: { batchSize?: number; padId: number; objective?: LmObjectiveKind },
): Promise<SequenceScore[]> {
  const backend = modelBackend(model);
  const batches = evalMicroBatches(rows, {
    batchSize: options.batchSize ?? 8,
    padId: options.padId,
    objective: options.objective ?? "sft",
  });
  return inEvalMode(model, async () => {
    const out: SequenceScore[] = [];
    for (const batch of batches) {
      const T = batch.length;
      const counts = Array.from({ length: batch.batch }, (_, b) => {
        let n = 0;
        for (let t = 0; t < T; t++) if (batch.targets[b * T + t] !== -100) n++;
        return n;
      });
      const sums: Tensor = noGrad(() =>
        tidy(() => {
          const logits = model.forward(inputIdsTensor(batch, backend), {
            attentionMask: batch.attentionMask,
          });
          const V = logits.shape[logits.rank - 1];
          const parts = counts.map((n, b) => {
            const rowLogits = reshape(slice(logits, [b, 0, 0], [b + 1, T, V]), [T, V]);
            const targets = fromArray(batch.targets.subarray(b * T, (b + 1) * T), [T], {
              backend,
              dtype: "i32",
            });
            return reshape(scale(crossEntropy(rowLogits, targets), n), [1]);
          });
          return parts.length === 1 ? parts[0] : concat(parts, 0);
        }),
      );
      await settleQuietly(backend);
      const values = await sums.toArray();
      sums.dispose();
      counts.forEach((n, b) =>
        out.push({ nllSum: n === 0 ? 0 : Number(values[b]), tokenCount: n }),
      );
    }
    return out;
  });
}
