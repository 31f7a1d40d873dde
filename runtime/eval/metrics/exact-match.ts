/**
 * Exact match and accuracy. The default comparison is DESIGN.md's: both strings trimmed and
 * case-folded, then equal. The `normalized` variant also drops punctuation and symbols
 * (Unicode P and S, so Chinese ，。！ go too), drops the English articles a/an/the, and
 * collapses whitespace — the SQuAD answer normalisation widened beyond ASCII.
 */

export type ExactMatchMode = "strict" | "normalized";

/**
 * Unicode case folding close to Python's `str.casefold()`: lowercase, then the common full
 * foldings that lowercasing leaves alone (ß → ss, final ς → σ, ẞ → ss), after NFKC so that
 * full-width ＡＢＣ１２３ and compatibility forms compare equal to their plain forms.
 */
export function caseFold(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ");
}

/** Trimmed (Unicode whitespace) and case-folded. */
export function normalizeStrict(text: string): string {
  return caseFold(text.trim());
}

/** SQuAD-style: case-fold, drop punctuation/symbols and articles, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  const folded = caseFold(text);
  const noPunct = folded.replace(/[\p{P}\p{S}]/gu, " ");
  const noArticles = noPunct.replace(/(?<![\p{L}\p{N}])(a|an|the)(?![\p{L}\p{N}])/gu, " ");
  return noArticles.split(/\s+/u).filter(Boolean).join(" ");
}

export function normalizeForMatch(text: string, mode: ExactMatchMode = "strict"): string {
  return mode === "normalized" ? normalizeAnswer(text) : normalizeStrict(text);
}

/** 1 when the prediction matches the reference (or any of several references), else 0. */
export function exactMatch(
  prediction: string,
  reference: string | readonly string[],
  mode: ExactMatchMode = "strict",
): 0 | 1 {
  const p = normalizeForMatch(prediction, mode);
  const refs = typeof reference === "string" ? [reference] : reference;
  return refs.some((r) => normalizeForMatch(r, mode) === p) ? 1 : 0;
}

export interface AccuracyResult {
  /** correct / total, 0–1 (0 when there are no items). */
  accuracy: number;
  correct: number;
  total: number;
}

/** Accuracy of 0/1 outcomes (true/1 counts as correct). */
export function accuracy(outcomes: readonly (boolean | number)[]): AccuracyResult {
  let correct = 0;
  for (const o of outcomes) if (o === true || o === 1) correct++;
  return {
    accuracy: outcomes.length ? correct / outcomes.length : 0,
    correct,
    total: outcomes.length,
  };
}

/** Corpus exact match: the mean of per-item exact match. */
export function corpusExactMatch(
  predictions: readonly string[],
  references: readonly (string | readonly string[])[],
  mode: ExactMatchMode = "strict",
): AccuracyResult {
  if (predictions.length !== references.length) {
    throw new RangeError(
      `exact match: ${predictions.length} predictions but ${references.length} references`,
    );
  }
  return accuracy(predictions.map((p, i) => exactMatch(p, references[i], mode)));
}
