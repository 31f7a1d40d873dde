/**
 * Corpus perplexity: exp(Σ NLL / N) over every unmasked label token of the whole corpus
 * (DESIGN.md). It is not the mean of per-text perplexities: a long text weighs by its tokens.
 */
import { fsum } from "./numeric.js";

/** The label value whose token is ignored (Hugging Face / PyTorch `ignore_index`). */
export const IGNORE_INDEX = -100;

/**
 * One text: per-token negative log-likelihoods (natural log), optionally with the labels
 * they were scored against (tokens whose label is -100 are skipped) or an explicit mask
 * (false/0 skips). Or an already reduced sum with its token count.
 */
export type PerplexityItem =
  | {
      tokenNlls: readonly number[];
      labels?: readonly number[];
      mask?: readonly (boolean | number)[];
    }
  | { nllSum: number; tokenCount: number };

export interface PerplexityResult {
  perplexity: number;
  /** Σ NLL / N, nats per token. */
  meanNll: number;
  /** N: unmasked tokens counted. */
  tokens: number;
}

export function corpusPerplexity(items: readonly PerplexityItem[]): PerplexityResult {
  const sums: number[] = [];
  let tokens = 0;
  items.forEach((item, index) => {
    if ("nllSum" in item) {
      if (!Number.isFinite(item.nllSum) || !(item.tokenCount >= 0)) {
        throw new RangeError(`perplexity item ${index}: bad nllSum/tokenCount`);
      }
      sums.push(item.nllSum);
      tokens += item.tokenCount;
      return;
    }
    const { tokenNlls, labels, mask } = item;
    if (labels && labels.length !== tokenNlls.length) {
      throw new RangeError(
        `perplexity item ${index}: ${tokenNlls.length} NLLs but ${labels.length} labels`,
      );
    }
    if (mask && mask.length !== tokenNlls.length) {
      throw new RangeError(
        `perplexity item ${index}: ${tokenNlls.length} NLLs but ${mask.length} mask entries`,
      );
    }
    tokenNlls.forEach((nll, t) => {
      if (labels && labels[t] === IGNORE_INDEX) return;
      if (mask && !mask[t]) return;
      if (!Number.isFinite(nll))
        throw new RangeError(`perplexity item ${index}: NLL at ${t} is ${nll}`);
      sums.push(nll);
      tokens++;
    });
  });
  if (tokens === 0) return { perplexity: NaN, meanNll: NaN, tokens: 0 };
  const meanNll = fsum(sums) / tokens;
  return { perplexity: Math.exp(meanNll), meanNll, tokens };
}
