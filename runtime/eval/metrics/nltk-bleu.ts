/**
 * nltk's BLEU (`nltk.translate.bleu_score`, nltk 3.8 as packaged by Debian), a named variant
 * next to sacrebleu's: scores in 0–1, inputs already tokenised, no smoothing by default
 * (`method0`, which puts `sys.float_info.min` in place of a zero precision), and Chen &
 * Cherry's smoothing functions `method1`–`method4`.
 */
import { fsum } from "./numeric.js";

export type NltkSmoothing = "method0" | "method1" | "method2" | "method3" | "method4";

export interface NltkBleuOptions {
  /** Default (0.25, 0.25, 0.25, 0.25). */
  weights?: readonly number[];
  smoothing?: NltkSmoothing;
  /** method1's epsilon (default 0.1). */
  epsilon?: number;
  /** method4's k (default 5). */
  k?: number;
  /** nltk's `auto_reweigh`: uniform weights over the hypothesis length when it is < 4. */
  autoReweigh?: boolean;
}

/** A precision kept as nltk keeps it: an unnormalised fraction, or a float once smoothed. */
type Precision = { numerator: number; denominator: number } | number;

const FLOAT_MIN = 2.2250738585072014e-308; // sys.float_info.min

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = JSON.stringify(tokens.slice(i, i + n));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** nltk's `modified_precision` as (numerator, denominator); the denominator is at least 1. */
export function modifiedPrecision(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  n: number,
): { numerator: number; denominator: number } {
  const counts = ngramCounts(hypothesis, n);
  const maxCounts = new Map<string, number>();
  for (const reference of references) {
    const refCounts = ngramCounts(reference, n);
    for (const key of counts.keys()) {
      maxCounts.set(key, Math.max(maxCounts.get(key) ?? 0, refCounts.get(key) ?? 0));
    }
  }
  let numerator = 0;
  let total = 0;
  for (const [key, count] of counts) {
    numerator += Math.min(count, maxCounts.get(key) ?? 0);
    total += count;
  }
  return { numerator, denominator: Math.max(1, total) };
}

/** nltk's `closest_ref_length`: min by (|r − h|, r). */
export function nltkClosestRefLength(
  references: readonly (readonly string[])[],
  hypLen: number,
): number {
  let best = Infinity;
  for (const ref of references) {
    const len = ref.length;
    const d = Math.abs(len - hypLen);
    const bd = Math.abs(best - hypLen);
    if (d < bd || (d === bd && len < best)) best = len;
  }
  return best;
}

/** nltk's `brevity_penalty`. */
export function nltkBrevityPenalty(closestRefLen: number, hypLen: number): number {
  if (hypLen > closestRefLen) return 1;
  if (hypLen === 0) return 0;
  return Math.exp(1 - closestRefLen / hypLen);
}

function value(p: Precision): number {
  return typeof p === "number" ? p : p.numerator / p.denominator;
}

function numeratorOf(p: Precision): number {
  return typeof p === "number" ? p : p.numerator;
}

function denominatorOf(p: Precision): number {
  return typeof p === "number" ? 1 : p.denominator;
}

function smooth(p: Precision[], hypLen: number, options: NltkBleuOptions): Precision[] {
  switch (options.smoothing ?? "method0") {
    case "method0":
      return p.map((pi) => (numeratorOf(pi) !== 0 ? pi : FLOAT_MIN));
    case "method1": {
      const epsilon = options.epsilon ?? 0.1;
      return p.map((pi) =>
        numeratorOf(pi) === 0 ? (numeratorOf(pi) + epsilon) / denominatorOf(pi) : pi,
      );
    }
    case "method2":
      return p.map((pi, i) =>
        i !== 0 ? { numerator: numeratorOf(pi) + 1, denominator: denominatorOf(pi) + 1 } : pi,
      );
    case "method3": {
      let incvnt = 1;
      return p.map((pi) => {
        if (numeratorOf(pi) !== 0) return pi;
        const smoothed = 1 / (2 ** incvnt * denominatorOf(pi));
        incvnt++;
        return smoothed;
      });
    }
    case "method4": {
      const k = options.k ?? 5;
      let incvnt = 1;
      return p.map((pi) => {
        if (!(numeratorOf(pi) === 0 && hypLen > 1)) return pi;
        const numerator = 1 / ((2 ** incvnt * k) / Math.log(hypLen));
        incvnt++;
        return numerator / denominatorOf(pi);
      });
    }
  }
}

/** nltk's `corpus_bleu` for one weight vector. Inputs are token lists. */
export function nltkCorpusBleu(
  listOfReferences: readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  options: NltkBleuOptions = {},
): number {
  if (listOfReferences.length !== hypotheses.length) {
    throw new RangeError("nltkCorpusBleu: the number of hypotheses and reference sets differ");
  }
  let weights = options.weights ?? [0.25, 0.25, 0.25, 0.25];
  const maxOrder = weights.length;
  const numerators = new Array<number>(maxOrder + 1).fill(0);
  const denominators = new Array<number>(maxOrder + 1).fill(0);
  let hypLengths = 0;
  let refLengths = 0;
  hypotheses.forEach((hypothesis, index) => {
    const references = listOfReferences[index];
    for (let i = 1; i <= maxOrder; i++) {
      const p = modifiedPrecision(references, hypothesis, i);
      numerators[i] += p.numerator;
      denominators[i] += p.denominator;
    }
    hypLengths += hypothesis.length;
    refLengths += nltkClosestRefLength(references, hypothesis.length);
  });
  const bp = nltkBrevityPenalty(refLengths, hypLengths);
  if (numerators[1] === 0) return 0;
  const p: Precision[] = [];
  for (let i = 1; i <= maxOrder; i++) {
    p.push({ numerator: numerators[i], denominator: denominators[i] });
  }
  const smoothed = smooth(p, hypLengths, options);
  if (
    options.autoReweigh &&
    hypLengths < 4 &&
    weights.length === 4 &&
    weights.every((w) => w === 0.25)
  ) {
    weights = new Array<number>(hypLengths).fill(1 / hypLengths);
  }
  const terms: number[] = [];
  for (let i = 0; i < Math.min(weights.length, smoothed.length); i++) {
    const pi = value(smoothed[i]);
    if (pi > 0) terms.push(weights[i] * Math.log(pi));
  }
  return bp * Math.exp(fsum(terms));
}

/** nltk's `sentence_bleu`: corpus BLEU of one hypothesis. */
export function nltkSentenceBleu(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  options: NltkBleuOptions = {},
): number {
  return nltkCorpusBleu([references], [hypothesis], options);
}
