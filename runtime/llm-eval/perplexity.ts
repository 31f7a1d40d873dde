/**
 * Corpus perplexity of a model on prepared examples: exp(Σ NLL / N) over every labelled token
 * of the whole set (DESIGN.md; runtime/eval/metrics/perplexity.ts does the exact sum). SFT
 * examples give the perplexity of the answers given their prompts; plain text (or
 * `objective: "pretrain"`) of every token.
 */
import { corpusPerplexity } from "../eval/metrics/perplexity.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { CausalLM } from "../train/causal-lm.js";
import type { LmExample, LmObjectiveKind } from "../train/batches.js";
import { sequenceLogLikelihoods, type SequenceScore } from "./log-likelihood.js";

export interface PerplexityReport {
  score: number;
  meanNll: number;
  tokens: number;
  /** Per example, in order (for per-item output). */
  perItem: SequenceScore[];
}

export async function evaluatePerplexity(
  model: CausalLM,
  examples: readonly LmExample[],
  options: { batchSize?: number; padId: number; objective?: LmObjectiveKind },
): Promise<PerplexityReport> {
  const perItem = await sequenceLogLikelihoods(model, examples, options);
  const tokens = perItem.reduce((a, s) => a + s.tokenCount, 0);
  if (tokens === 0) {
    throw new PipeError(
      "PW8009",
      `perplexity: the ${examples.length} evaluation examples have no labelled token`,
      {},
      "every example needs at least one answer token after truncation",
    );
  }
  const r = corpusPerplexity(perItem.map((s) => ({ nllSum: s.nllSum, tokenCount: s.tokenCount })));
  return { score: r.perplexity, meanNll: r.meanNll, tokens: r.tokens, perItem };
}
