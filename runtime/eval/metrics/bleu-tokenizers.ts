/**
 * sacrebleu's tokenizers (sacrebleu 2.6.0, `sacrebleu/tokenizers/`), reproduced exactly so
 * that BLEU scores match sacrebleu to the last digit:
 * - `13a`: mteval-v13a.pl's tokenisation (tokenizer_13a.py + tokenizer_re.py),
 * - `zh`: spaces around CJK characters, then the 13a regexes (tokenizer_zh.py),
 * - `char`: every character a token (tokenizer_char.py),
 * - `none`: no tokenisation (tokenizer_none.py).
 * A tokenizer returns the tokenised line as one string; BLEU then splits it with Python's
 * `str.split()`.
 */
import { codePoints, pythonSplit, pythonStrip } from "./python-text.js";

export type BleuTokenizerName = "13a" | "zh" | "char" | "none";

export const BLEU_TOKENIZERS: readonly BleuTokenizerName[] = ["13a", "zh", "char", "none"];

/*
 * TokenizerRegexp's four substitutions. The first class is sacrebleu's
 * `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: the ranges { to ~, [ to `, space to &, ( to +, : to @, and /.
 * The `u` flag makes `[^0-9]` consume a whole astral character, as Python's `re` does.
 */
const REGEXP_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu, " $1 "],
  // tokenize period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, "$1 $2 "],
  // tokenize period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, " $1 $2"],
  // tokenize dash when preceded by a digit
  [/([0-9])(-)/gu, "$1 $2 "],
];

/** sacrebleu's TokenizerRegexp: the language-dependent part shared by `13a` and `zh`. */
export function tokenizeRegexp(line: string): string {
  let out = line;
  for (const [pattern, replacement] of REGEXP_RULES) out = out.replace(pattern, replacement);
  return pythonSplit(out).join(" ");
}

/** sacrebleu's Tokenizer13a. */
export function tokenize13a(line: string): string {
  let out = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (out.includes("&")) {
    out = out
      .replaceAll("&quot;", '"')
      .replaceAll("&amp;", "&")
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">");
  }
  return tokenizeRegexp(` ${out} `);
}

/*
 * sacrebleu's `_UCODE_RANGES`, compared as Python compares strings. Two entries are written
 * there as `u'\u20000'` and `u'\u2f800'` (meant as Extension B and the Compatibility
 * Supplement), but Python reads `\u2000` + `0`: a one-character string c satisfies
 * '\u20000' <= c <= '\u2a6d6' exactly when U+2000 < c <= U+2A6D. That swallows general
 * punctuation (— “ ” …), arrows and maths symbols, and leaves real Extension B characters
 * (U+20000 and up) unsplit. We keep the quirk: scores must equal sacrebleu's.
 */
const ZH_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5],
  [0x4e00, 0x9fa5],
  [0x9fa6, 0x9fbb],
  [0xf900, 0xfa2d],
  [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], // written '\u20000'..'\u2a6d6', see above
  [0x2f81, 0x2fa1], // written '\u2f800'..'\u2fa1d', see above
  [0xff00, 0xffef],
  [0x2e80, 0x2eff],
  [0x3000, 0x303f],
  [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf],
  [0x2ff0, 0x2fff],
  [0x3100, 0x312f],
  [0x31a0, 0x31bf],
  [0xfe10, 0xfe1f],
  [0xfe30, 0xfe4f],
  [0x2600, 0x26ff],
  [0x2700, 0x27bf],
  [0x3200, 0x32ff],
  [0x3300, 0x33ff],
];

/** Whether sacrebleu's `zh` tokenizer puts spaces around this character. */
export function isSacrebleuChineseChar(char: string): boolean {
  const cp = char.codePointAt(0)!;
  if (char.length > (cp > 0xffff ? 2 : 1)) return false;
  for (const [start, end] of ZH_RANGES) if (cp >= start && cp <= end) return true;
  return false;
}

/** sacrebleu's TokenizerZh. */
export function tokenizeZh(line: string): string {
  let spaced = "";
  for (const char of codePoints(pythonStrip(line))) {
    spaced += isSacrebleuChineseChar(char) ? ` ${char} ` : char;
  }
  return tokenizeRegexp(spaced);
}

/** sacrebleu's TokenizerChar: `" ".join(line)` over code points. */
export function tokenizeChar(line: string): string {
  return codePoints(line).join(" ");
}

export function bleuTokenizer(name: BleuTokenizerName): (line: string) => string {
  switch (name) {
    case "13a":
      return tokenize13a;
    case "zh":
      return tokenizeZh;
    case "char":
      return tokenizeChar;
    case "none":
      return (line) => line;
  }
}
