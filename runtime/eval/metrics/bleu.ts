/**
 * BLEU as sacrebleu computes it (sacrebleu 2.6.0, `sacrebleu/metrics/bleu.py`): corpus-level
 * (0–100), clipped n-gram counts against the per-n-gram maximum over references, the
 * closest reference length (ties → the shorter), brevity penalty exp(1 − r/c) when c < r,
 * and the smoothing methods `exp` (default), `floor`, `add-k`, `none`. Sentence BLEU is
 * the same on one segment with `effectiveOrder` on, as `sacrebleu.sentence_bleu` does.
 */
import { bleuTokenizer, type BleuTokenizerName } from "./bleu-tokenizers.js";
import { pythonLower, pythonRstrip, pythonSplit } from "./python-text.js";

export type BleuSmoothMethod = "exp" | "floor" | "add-k" | "none";

export const BLEU_SMOOTH_DEFAULTS: Readonly<Record<BleuSmoothMethod, number | null>> = {
  none: null,
  floor: 0.1,
  "add-k": 1,
  exp: null,
};

/** sacrebleu's version these semantics follow; part of the signature. */
export const SACREBLEU_VERSION = "2.6.0";

export interface BleuOptions {
  /** sacrebleu tokenizer; default `13a` (sacrebleu's default). */
  tokenize?: BleuTokenizerName;
  lowercase?: boolean;
  smoothMethod?: BleuSmoothMethod;
  /** For `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number | null;
  maxNgramOrder?: number;
  /** Stop at the first n-gram order the hypothesis has none of (sentence-level BLEU). */
  effectiveOrder?: boolean;
}

export interface BleuScore {
  /** 0–100. */
  score: number;
  /** Matched n-grams per order (after `add-k`, as sacrebleu reports them). */
  counts: number[];
  /** Hypothesis n-grams per order (after `add-k`). */
  totals: number[];
  /** Per-order precision, 0–100. */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  ratio: number;
}

/** Sufficient statistics of one segment: [hypLen, refLen, correct_1..N, total_1..N]. */
export type BleuSegmentStats = number[];

const MY_LOG_ZERO = -9999999999;

function myLog(value: number): number {
  return value === 0 ? MY_LOG_ZERO : Math.log(value);
}

/**
 * sacrebleu's `extract_all_word_ngrams`: n-gram counts, one map per order (index n − 1),
 * keyed by the JSON of the token tuple so that no token content can make two n-grams collide.
 */
export function extractWordNgrams(
  tokens: readonly string[],
  maxOrder: number,
): Map<string, number>[] {
  const byOrder: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = JSON.stringify(tokens.slice(i, i + n));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    byOrder.push(counts);
  }
  return byOrder;
}

/** sacrebleu's `_get_closest_ref_len`: the closest length, ties broken towards the shorter. */
export function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

function preprocess(sentence: string, options: BleuOptions): string {
  const tokenize = bleuTokenizer(options.tokenize ?? "13a");
  const text = options.lowercase ? pythonLower(sentence) : sentence;
  return tokenize(pythonRstrip(text));
}

/**
 * Statistics of one segment against its references (null references are skipped, as
 * sacrebleu allows a variable number of references per segment).
 */
export function bleuSegmentStats(
  hypothesis: string,
  references: readonly (string | null | undefined)[],
  options: BleuOptions = {},
): BleuSegmentStats {
  const maxOrder = options.maxNgramOrder ?? 4;
  let refNgrams: Map<string, number>[] | null = null;
  const refLens: number[] = [];
  for (const ref of references) {
    if (ref === null || ref === undefined) continue;
    const tokens = pythonSplit(preprocess(ref, options));
    refLens.push(tokens.length);
    const counts = extractWordNgrams(tokens, maxOrder);
    if (refNgrams === null) {
      refNgrams = counts;
    } else {
      for (let n = 0; n < maxOrder; n++) {
        const merged = refNgrams[n];
        for (const [key, count] of counts[n])
          merged.set(key, Math.max(merged.get(key) ?? 0, count));
      }
    }
  }
  const hypTokens = pythonSplit(preprocess(hypothesis, options));
  const hypNgrams = extractWordNgrams(hypTokens, maxOrder);
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (let n = 0; n < maxOrder; n++) {
    for (const [key, count] of hypNgrams[n]) {
      total[n] += count;
      const refCount = refNgrams?.[n].get(key);
      if (refCount !== undefined) correct[n] += Math.min(count, refCount);
    }
  }
  return [hypTokens.length, closestRefLength(hypTokens.length, refLens), ...correct, ...total];
}

/** sacrebleu's `BLEU.compute_bleu`: the score from summed statistics. */
export function computeBleu(
  correctIn: readonly number[],
  totalIn: readonly number[],
  sysLen: number,
  refLen: number,
  options: Pick<
    BleuOptions,
    "smoothMethod" | "smoothValue" | "effectiveOrder" | "maxNgramOrder"
  > = {},
): BleuScore {
  const smoothMethod = options.smoothMethod ?? "none";
  const smoothValue = options.smoothValue ?? BLEU_SMOOTH_DEFAULTS[smoothMethod] ?? 0;
  const maxOrder = options.maxNgramOrder ?? 4;
  const correct = [...correctIn];
  const total = [...totalIn];
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(maxOrder).fill(0);
  const finish = (score: number): BleuScore => ({
    score,
    counts: correct,
    totals: total,
    precisions,
    bp,
    sysLen,
    refLen,
    ratio: refLen ? sysLen / refLen : 0,
  });
  // Early stop if there are no matches (sacrebleu #141).
  if (!correct.some((c) => c !== 0)) return finish(0.0);

  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === "add-k" && n > 1) {
      correct[n - 1] += smoothValue;
      total[n - 1] += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (smoothMethod === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (smoothMethod === "floor") {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i]);
  return finish(bp * Math.exp(logSum / effOrder));
}

/** Sum segment statistics and score them. */
export function bleuFromStats(
  stats: readonly BleuSegmentStats[],
  options: BleuOptions = {},
): BleuScore {
  const maxOrder = options.maxNgramOrder ?? 4;
  const sums = new Array<number>(2 + 2 * maxOrder).fill(0);
  for (const row of stats) for (let i = 0; i < sums.length; i++) sums[i] += row[i];
  return computeBleu(sums.slice(2, 2 + maxOrder), sums.slice(2 + maxOrder), sums[0], sums[1], {
    smoothMethod: options.smoothMethod ?? "exp",
    smoothValue: options.smoothValue,
    effectiveOrder: options.effectiveOrder ?? false,
    maxNgramOrder: maxOrder,
  });
}

/**
 * Corpus BLEU. `references[i]` holds the references of hypothesis i (any number; null
 * entries skipped). sacrebleu's own API takes reference *streams* instead — transpose.
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly (string | null | undefined)[])[],
  options: BleuOptions = {},
): BleuScore {
  if (hypotheses.length !== references.length) {
    throw new RangeError(
      `corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference sets`,
    );
  }
  const stats = hypotheses.map((hyp, i) => bleuSegmentStats(hyp, references[i], options));
  return bleuFromStats(stats, options);
}

/** sacrebleu's `sentence_bleu`: one segment, `effectiveOrder` on unless said otherwise. */
export function sentenceBleu(
  hypothesis: string,
  references: readonly (string | null | undefined)[],
  options: BleuOptions = {},
): BleuScore {
  return corpusBleu([hypothesis], [references], {
    ...options,
    effectiveOrder: options.effectiveOrder ?? true,
  });
}

/** sacrebleu-style reproducibility signature, e.g. `nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0`. */
export function bleuSignature(options: BleuOptions, numRefs: number | "var"): string {
  const method = options.smoothMethod ?? "exp";
  const def = BLEU_SMOOTH_DEFAULTS[method];
  const smooth = def === null ? method : `${method}[${(options.smoothValue ?? def).toFixed(2)}]`;
  return [
    `nrefs:${numRefs}`,
    `case:${options.lowercase ? "lc" : "mixed"}`,
    `eff:${options.effectiveOrder ? "yes" : "no"}`,
    `tok:${options.tokenize ?? "13a"}`,
    `smooth:${smooth}`,
    `version:${SACREBLEU_VERSION}`,
  ].join("|");
}
