/**
 * Multiple-choice benchmarks (MMLU / C-Eval style, options A–D): choose by the model's
 * log-likelihood of each option letter, or extract the chosen letter from generated text.
 */
import { normalizeAnswer } from "./exact-match.js";

export const DEFAULT_CHOICE_LETTERS: readonly string[] = ["A", "B", "C", "D"];

/**
 * The letter whose log-likelihood is highest (the first on ties; NaN never wins). `scores`
 * is either aligned with `letters` or keyed by letter.
 */
export function pickByLogLikelihood(
  scores: readonly number[] | Readonly<Record<string, number>>,
  letters: readonly string[] = DEFAULT_CHOICE_LETTERS,
): string | null {
  const values = Array.isArray(scores)
    ? (scores as readonly number[])
    : letters.map((l) => (scores as Readonly<Record<string, number>>)[l] ?? NaN);
  if (values.length > letters.length) {
    throw new RangeError(
      `pickByLogLikelihood: ${values.length} scores for ${letters.length} letters`,
    );
  }
  let best = -1;
  values.forEach((v, i) => {
    if (!Number.isNaN(v) && (best < 0 || v > values[best])) best = i;
  });
  return best < 0 ? null : letters[best];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface ChoiceExtractionOptions {
  letters?: readonly string[];
  /** The options' texts, aligned with `letters`: a reply that is just an option's text counts. */
  optionTexts?: readonly string[];
}

function lastMatch(text: string, pattern: RegExp): RegExpExecArray | null {
  let last: RegExpExecArray | null = null;
  for (const m of text.matchAll(pattern)) last = m;
  return last;
}

/**
 * The option letter a generated reply chooses, or null. In order of trust:
 * 1. an explicit statement, the last one wins: "The answer is (C)", "Answer: C",
 *    "答案是C", "答案：C", "选C", "正确答案为 C";
 * 2. a reply that is only the letter: "C", "(C)", "C.", "**C**";
 * 3. a reply that starts with the letter and a delimiter: "C. Paris", "C) …", "C：…";
 * 4. a reply equal to exactly one option's text (after answer normalisation);
 * 5. the last standalone capital letter among the options ("I'd go with C"), skipping an
 *    English article "A" followed by a lower-case word.
 * Full-width letters and punctuation (Ｃ，（Ｃ）) are normalised first (NFKC).
 */
export function extractChoiceLetter(
  reply: string,
  options: ChoiceExtractionOptions = {},
): string | null {
  const letters = options.letters ?? DEFAULT_CHOICE_LETTERS;
  const text = reply.normalize("NFKC").replace(/[*_`]/g, "");
  const set = letters.map(escapeRegExp).join("|");
  const upper = new Map(letters.map((l) => [l.toUpperCase(), l]));
  const resolve = (found: string): string | null => upper.get(found.toUpperCase()) ?? null;

  // 1. Explicit statements. A lower-case letter is accepted only when nothing word-like
  //    follows it ("the answer is b." but not "the answer is a cat").
  const explicit = new RegExp(
    String.raw`(?:(?:correct\s+|final\s+)?(?:answer|choice|option)s?\s*(?:is|would\s+be|should\s+be|:|=)?\s*(?:option\s*|choice\s*)?|(?:正确)?答案\s*(?:应该|应)?\s*(?:是|为|选)?\s*[:：]?\s*(?:选项\s*)?|选择?\s*(?:选项\s*)?)[\(\[\{<"'“‘]?\s*(${set})(?![A-Za-z0-9])`,
    "giu",
  );
  const stated = lastMatch(text, explicit);
  if (stated) {
    const letter = stated[1];
    const isUpper = letter === letter.toUpperCase();
    const after = text.slice(stated.index + stated[0].length);
    if (isUpper || !/^\s*[A-Za-z]/.test(after)) {
      const r = resolve(letter);
      if (r) return r;
    }
  }

  // 2. Only the letter.
  const only = new RegExp(
    String.raw`^\s*[\(\[\{<"'“‘]?\s*(${set})\s*[\)\]\}>"'”’]?\s*[.。:：,，!！]?\s*$`,
    "iu",
  );
  const onlyMatch = only.exec(text);
  if (onlyMatch) return resolve(onlyMatch[1]);

  // 3. Leading letter with a delimiter.
  const leading = new RegExp(String.raw`^\s*[\(\[]?(${set})\s*(?:[\)\]]|[.。:：、,，])`, "u");
  const leadingMatch = leading.exec(text);
  if (leadingMatch) return resolve(leadingMatch[1]);

  // 4. The text of exactly one option.
  if (options.optionTexts) {
    const normalized = normalizeAnswer(text);
    const hits = options.optionTexts
      .map((o, i) => (normalizeAnswer(o) === normalized && normalized !== "" ? i : -1))
      .filter((i) => i >= 0);
    if (hits.length === 1 && hits[0] < letters.length) return letters[hits[0]];
  }

  // 5. The last standalone capital letter.
  const standalone = new RegExp(String.raw`(?<![A-Za-z0-9])(${set})(?![A-Za-z0-9])`, "gu");
  let last: string | null = null;
  for (const m of text.matchAll(standalone)) {
    const after = text.slice(m.index + m[0].length);
    if (m[1] === "A" && /^\s+[a-z]/.test(after)) continue; // the article "A"
    last = m[1];
  }
  return last;
}

/** Accuracy of extracted (or picked) letters against the gold letters. */
export function multipleChoiceAccuracy(
  chosen: readonly (string | null)[],
  gold: readonly string[],
): { accuracy: number; correct: number; total: number; unanswered: number } {
  if (chosen.length !== gold.length) {
    throw new RangeError(
      `multiple choice: ${chosen.length} answers but ${gold.length} gold letters`,
    );
  }
  let correct = 0;
  let unanswered = 0;
  chosen.forEach((c, i) => {
    if (c === null) unanswered++;
    else if (c.trim().toUpperCase() === gold[i].trim().toUpperCase()) correct++;
  });
  return {
    accuracy: gold.length ? correct / gold.length : 0,
    correct,
    total: gold.length,
    unanswered,
  };
}
