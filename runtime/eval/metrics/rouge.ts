/**
 * ROUGE with rouge-score's semantics (google-research `rouge/rouge_scorer.py`, rouge-score
 * 0.1.2): rougeN from clipped n-gram overlap, rougeL from the token LCS, rougeLsum from the
 * union LCS over newline-separated sentences (with rouge-score's guard against counting a
 * token twice). Every score is precision / recall / F1 in 0–1.
 *
 * Two tokenizers:
 * - `rouge-score` (rouge-score's DefaultTokenizer): lowercase, everything outside [a-z0-9]
 *   becomes a space, optional Porter stemming of tokens longer than 3 characters. Chinese
 *   text has no [a-z0-9] characters, so it scores 0 — exactly what rouge-score reports.
 * - `cjk` (ours, the default for Chinese): each CJK character (Han, kana, Hangul) is a token;
 *   other letters and digits form word tokens (lowercased); punctuation and symbols are
 *   dropped. On ASCII text it gives the same tokens as `rouge-score`.
 */
import { porterStem } from "./porter-stemmer.js";
import { pythonLower } from "./python-text.js";

export type RougeTokenizerName = "rouge-score" | "cjk";

export interface RougeTokenizerOptions {
  tokenizer?: RougeTokenizerName;
  /** Porter-stem ASCII tokens longer than 3 characters (rouge-score's `use_stemmer`). */
  useStemmer?: boolean;
}

export interface RougePrf {
  precision: number;
  recall: number;
  fmeasure: number;
}

const VALID_ROUGE_SCORE_TOKEN = /^[a-z0-9]+$/;

/** rouge-score's `tokenize.tokenize(text, stemmer)`. */
export function rougeScoreTokenize(text: string, useStemmer = false): string[] {
  const spaced = pythonLower(text).replace(/[^a-z0-9]+/g, " ");
  let tokens = spaced.split(/\s+/);
  if (useStemmer) tokens = tokens.map((t) => (t.length > 3 ? porterStem(t) : t));
  return tokens.filter((t) => VALID_ROUGE_SCORE_TOKEN.test(t));
}

/** A CJK character: Han ideographs, Hiragana, Katakana, Hangul. */
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** CJK characters one by one, or runs of other letters, marks and digits. */
const CJK_TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[\p{L}\p{M}\p{N}])+/gu;

export function isCjkChar(char: string): boolean {
  return CJK_CHAR.test(char);
}

/** Whether a text holds any CJK character (used to choose Chinese-aware defaults). */
export function containsCjk(text: string): boolean {
  return CJK_CHAR.test(text);
}

/** Our CJK-aware tokenizer: 我爱Pipewright 2024! → 我 / 爱 / pipewright / 2024. */
export function cjkTokenize(text: string, useStemmer = false): string[] {
  const tokens = pythonLower(text).match(CJK_TOKEN) ?? [];
  if (!useStemmer) return tokens;
  return tokens.map((t) => (t.length > 3 && VALID_ROUGE_SCORE_TOKEN.test(t) ? porterStem(t) : t));
}

export function rougeTokenize(text: string, options: RougeTokenizerOptions = {}): string[] {
  return (options.tokenizer ?? "rouge-score") === "cjk"
    ? cjkTokenize(text, options.useStemmer)
    : rougeScoreTokenize(text, options.useStemmer);
}

/** rouge-score's `scoring.fmeasure`. */
export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0.0;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = JSON.stringify(tokens.slice(i, i + n));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** rouge-score's `_score_ngrams` on token lists. */
export function rougeN(
  target: readonly string[],
  prediction: readonly string[],
  n: number,
): RougePrf {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rougeN requires positive n: ${n}`);
  const targetNgrams = ngramCounts(target, n);
  const predictionNgrams = ngramCounts(prediction, n);
  let intersection = 0;
  for (const [key, count] of targetNgrams) {
    intersection += Math.min(count, predictionNgrams.get(key) ?? 0);
  }
  const targetCount = Math.max(0, target.length - n + 1);
  const predictionCount = Math.max(0, prediction.length - n + 1);
  const precision = intersection / Math.max(predictionCount, 1);
  const recall = intersection / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** rouge-score's `_lcs_table`: (|ref|+1) × (|can|+1), row-major. */
export function lcsTable<T>(ref: readonly T[], can: readonly T[]): Int32Array[] {
  const table: Int32Array[] = [];
  for (let i = 0; i <= ref.length; i++) table.push(new Int32Array(can.length + 1));
  for (let i = 1; i <= ref.length; i++) {
    const row = table[i];
    const above = table[i - 1];
    for (let j = 1; j <= can.length; j++) {
      row[j] = ref[i - 1] === can[j - 1] ? above[j - 1] + 1 : Math.max(above[j], row[j - 1]);
    }
  }
  return table;
}

/** rouge-score's `_backtrack_norec`: indices into `ref` of one LCS (rouge-score's choice). */
export function lcsIndices<T>(ref: readonly T[], can: readonly T[]): number[] {
  const t = lcsTable(ref, can);
  let i = ref.length;
  let j = can.length;
  const lcs: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      lcs.push(i - 1);
      i--;
      j--;
    } else if (t[i][j - 1] > t[i - 1][j]) {
      j--;
    } else {
      i--;
    }
  }
  return lcs.reverse();
}

/** rouge-score's `_score_lcs` (rougeL). */
export function rougeL(target: readonly string[], prediction: readonly string[]): RougePrf {
  if (target.length === 0 || prediction.length === 0) {
    return { precision: 0, recall: 0, fmeasure: 0 };
  }
  const lcs = lcsTable(target, prediction)[target.length][prediction.length];
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** rouge-score's `_union_lcs`: tokens of `ref` in the union of its LCS with each candidate. */
export function unionLcs<T>(ref: readonly T[], candidates: readonly (readonly T[])[]): T[] {
  const union = new Set<number>();
  for (const can of candidates) for (const index of lcsIndices(ref, can)) union.add(index);
  return [...union].sort((a, b) => a - b).map((i) => ref[i]);
}

/** rouge-score's `_summary_level_lcs` (rougeLsum) on tokenised sentences. */
export function summaryLevelLcs(
  refSentences: readonly (readonly string[])[],
  canSentences: readonly (readonly string[])[],
): RougePrf {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (refSentences.length === 0 || canSentences.length === 0) return zero;
  const m = refSentences.reduce((s, x) => s + x.length, 0);
  const n = canSentences.reduce((s, x) => s + x.length, 0);
  if (!n || !m) return zero;
  const countsR = new Map<string, number>();
  const countsC = new Map<string, number>();
  for (const s of refSentences) for (const t of s) countsR.set(t, (countsR.get(t) ?? 0) + 1);
  for (const s of canSentences) for (const t of s) countsC.set(t, (countsC.get(t) ?? 0) + 1);
  let hits = 0;
  for (const r of refSentences) {
    for (const t of unionLcs(r, canSentences)) {
      const c = countsC.get(t) ?? 0;
      const rr = countsR.get(t) ?? 0;
      if (c > 0 && rr > 0) {
        hits++;
        countsC.set(t, c - 1);
        countsR.set(t, rr - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** `rouge1` … `rouge9`, `rougeL`, `rougeLsum` (rouge-score's accepted names). */
export type RougeType = `rouge${number}` | "rougeL" | "rougeLsum";

export function isRougeType(name: string): name is RougeType {
  return name === "rougeL" || name === "rougeLsum" || /^rouge[1-9]$/.test(name);
}

/** rouge-score's sentence split for rougeLsum: newlines, empty lines dropped. */
function sentences(text: string): string[] {
  return text.split("\n").filter((s) => s.length > 0);
}

/** rouge-score's `RougeScorer(types).score(target, prediction)`. */
export function rougeScore(
  target: string,
  prediction: string,
  types: readonly string[],
  options: RougeTokenizerOptions = {},
): Record<string, RougePrf> {
  const result: Record<string, RougePrf> = {};
  let targetTokens: string[] | null = null;
  let predictionTokens: string[] | null = null;
  const tokens = (): [string[], string[]] => {
    targetTokens ??= rougeTokenize(target, options);
    predictionTokens ??= rougeTokenize(prediction, options);
    return [targetTokens, predictionTokens];
  };
  for (const type of types) {
    if (type === "rougeL") {
      result[type] = rougeL(...tokens());
    } else if (type === "rougeLsum") {
      result[type] = summaryLevelLcs(
        sentences(target).map((s) => rougeTokenize(s, options)),
        sentences(prediction).map((s) => rougeTokenize(s, options)),
      );
    } else if (/^rouge[0-9]$/.test(type)) {
      const n = Number(type.slice(5));
      if (n <= 0) throw new RangeError(`rougen requires positive n: ${type}`);
      result[type] = rougeN(...tokens(), n);
    } else {
      throw new RangeError(`Invalid rouge type: ${type}`);
    }
  }
  return result;
}

/**
 * rouge-score's `score_multi`: score against every target and keep, per type, the score of
 * the target with the highest F1 (the first one on ties, as `np.argmax`).
 */
export function rougeScoreMulti(
  targets: readonly string[],
  prediction: string,
  types: readonly string[],
  options: RougeTokenizerOptions = {},
): Record<string, RougePrf> {
  if (targets.length === 0) throw new RangeError("rougeScoreMulti: no targets");
  const all = targets.map((t) => rougeScore(t, prediction, types, options));
  const best: Record<string, RougePrf> = {};
  for (const type of types) {
    let index = 0;
    for (let i = 1; i < all.length; i++) {
      if (all[i][type].fmeasure > all[index][type].fmeasure) index = i;
    }
    best[type] = all[index][type];
  }
  return best;
}

/** Corpus ROUGE: the mean of per-example precision, recall and F1, per type. */
export function corpusRouge(
  targets: readonly (string | readonly string[])[],
  predictions: readonly string[],
  types: readonly string[],
  options: RougeTokenizerOptions = {},
): Record<string, RougePrf> {
  if (targets.length !== predictions.length) {
    throw new RangeError(
      `corpusRouge: ${predictions.length} predictions but ${targets.length} targets`,
    );
  }
  const sums: Record<string, RougePrf> = {};
  for (const type of types) sums[type] = { precision: 0, recall: 0, fmeasure: 0 };
  predictions.forEach((prediction, i) => {
    const target = targets[i];
    const scores =
      typeof target === "string"
        ? rougeScore(target, prediction, types, options)
        : rougeScoreMulti(target, prediction, types, options);
    for (const type of types) {
      sums[type].precision += scores[type].precision;
      sums[type].recall += scores[type].recall;
      sums[type].fmeasure += scores[type].fmeasure;
    }
  });
  const count = Math.max(predictions.length, 1);
  for (const type of types) {
    sums[type].precision /= count;
    sums[type].recall /= count;
    sums[type].fmeasure /= count;
  }
  return sums;
}
