/**
 * GSM8K-style final-answer extraction: the number a solution ends on. References carry it
 * after "####"; model replies state it as "The answer is 42", "答案是42", "\boxed{42}", or
 * just end with it.
 */

/**
 * A number: optional sign (- + or U+2212 −), digits with optional thousands commas, optional
 * decimals; or a bare decimal like .5. Not glued to a preceding Latin letter, digit or dot (a
 * CJK character may precede: 花了45.5元), so
 * "12-5" reads 12 and 5, and "x2" reads nothing.
 */
const NUMBER =
  /(?<![A-Za-z0-9_.])[-+\u2212]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|(?<![A-Za-z0-9_.])[-+\u2212]?\.\d+/gu;

const ANSWER_PHRASE =
  /(?:final\s+answer|the\s+answer|answer)\s*(?:is|was|should\s+be|would\s+be|will\s+be|:|=)|答案\s*(?:应该|应)?\s*(?:是|为|[:：=])|(?:所以|因此|故)[^。\n]*?(?:是|为|等于|=)/giu;

/** "1,234.50" → "1234.5", "−3" → "-3", "+7" → "7", ".5" → "0.5", "-0" → "0", "007" → "7". */
export function canonicalNumber(raw: string): string {
  let s = raw.replace(/,/g, "").replace(/\u2212/g, "-");
  let sign = "";
  if (s.startsWith("-") || s.startsWith("+")) {
    sign = s[0] === "-" ? "-" : "";
    s = s.slice(1);
  }
  let [whole, frac = ""] = s.split(".");
  whole = whole.replace(/^0+(?=\d)/, "") || "0";
  frac = frac.replace(/0+$/, "");
  const body = frac ? `${whole}.${frac}` : whole;
  return body === "0" ? "0" : sign + body;
}

function numbersIn(text: string): string[] {
  return [...text.matchAll(NUMBER)].map((m) => m[0]);
}

function lastIndexAfter(text: string, pattern: RegExp): number {
  let end = -1;
  for (const m of text.matchAll(pattern)) end = m.index + m[0].length;
  return end;
}

/**
 * The final number of a solution text (canonical form), or null:
 * 1. after the last "####": the first number there;
 * 2. after the last "answer is / Answer: / 答案是 / 所以…是": the first number there;
 * 3. inside the last \boxed{…};
 * 4. otherwise the last number in the text.
 * Full-width digits are normalised first (NFKC).
 */
export function extractFinalNumber(text: string): string | null {
  const t = text.normalize("NFKC");
  const hashes = t.lastIndexOf("####");
  if (hashes >= 0) {
    const first = numbersIn(t.slice(hashes + 4))[0];
    if (first !== undefined) return canonicalNumber(first);
  }
  const phraseEnd = lastIndexAfter(t, ANSWER_PHRASE);
  if (phraseEnd >= 0) {
    const tail = t.slice(phraseEnd).replace(/^[\s$¥€£]*/u, "");
    const first = numbersIn(tail.startsWith("\\boxed{") ? tail.slice(7) : tail)[0];
    if (first !== undefined) return canonicalNumber(first);
  }
  const boxed = [...t.matchAll(/\\boxed\{([^{}]*)\}/g)].at(-1);
  if (boxed) {
    const first = numbersIn(boxed[1])[0];
    if (first !== undefined) return canonicalNumber(first);
  }
  const all = numbersIn(t);
  return all.length ? canonicalNumber(all[all.length - 1]) : null;
}

/** Whether two canonical numbers are the same value (exact text, or equal within 1e-9). */
export function sameNumber(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  return (
    Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y))
  );
}

/** GSM8K accuracy: the final number of each prediction against that of its reference. */
export function gsm8kAccuracy(
  predictions: readonly string[],
  references: readonly string[],
): { accuracy: number; correct: number; total: number; unextracted: number } {
  if (predictions.length !== references.length) {
    throw new RangeError(
      `gsm8k: ${predictions.length} predictions but ${references.length} references`,
    );
  }
  let correct = 0;
  let unextracted = 0;
  predictions.forEach((p, i) => {
    const got = extractFinalNumber(p);
    if (got === null) unextracted++;
    if (sameNumber(got, extractFinalNumber(references[i]))) correct++;
  });
  return {
    accuracy: predictions.length ? correct / predictions.length : 0,
    correct,
    total: predictions.length,
    unextracted,
  };
}
