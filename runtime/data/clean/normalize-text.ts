/**
 * Text normalisation of seed chapter 2.1.2 (`basic_clean`): whitespace collapse, control
 * characters, punctuation width. And the de-duplication key normalisation.
 */

export type WhitespaceMode =
  /** The seed's `re.sub(r'\s+', ' ', text).strip()`: every run of whitespace, newlines too, → one space. */
  | "collapse"
  /** Runs of spaces/tabs → one space, lines trimmed, 3+ newlines → 2 (keeps code and lists). */
  | "keep_newlines";

export function normalizeWhitespace(text: string, mode: WhitespaceMode = "collapse"): string {
  if (mode === "collapse") return text.replace(/\s+/g, " ").trim();
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.replace(/[^\S\n]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * The seed removes `[\x00-\x1f\x7f-\x9f]` (after whitespace collapse, so tab and newline are
 * already spaces). Here tab, LF and CR are kept — whitespace handling owns them — and the
 * invisible U+200B (zero-width space) and U+FEFF (byte-order mark) go too. U+200D stays: it
 * joins emoji sequences.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff]/g;

export function removeControlChars(text: string): string {
  return text.replace(CONTROL, "");
}

export interface PunctuationOptions {
  /**
   * `to_half`: full-width forms (U+FF01–FF5E: letters, digits, punctuation) → ASCII and the
   * ideographic space → space. `to_full`: ASCII `, . ! ? : ; ( )` next to Chinese text → `，。！？：；（）`
   * (a `.` between digits, as in 3.14, stays), and full-width letters and digits → ASCII.
   */
  direction: "to_half" | "to_full";
  /** With `to_half`, also map CJK punctuation outside the full-width block: 。、「」『』【】《》“”‘’ */
  cjk?: boolean;
}

const CJK_TO_HALF: Record<string, string> = {
  "。": ".",
  "、": ",",
  "「": '"',
  "」": '"',
  "『": '"',
  "』": '"',
  "【": "[",
  "】": "]",
  "《": "<",
  "》": ">",
  "“": '"',
  "”": '"',
  "‘": "'",
  "’": "'",
};

const HALF_TO_FULL: Record<string, string> = {
  ",": "，",
  ".": "。",
  "!": "！",
  "?": "？",
  ":": "：",
  ";": "；",
  "(": "（",
  ")": "）",
};

const HAN = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

function isFullWidthAlnum(c: number): boolean {
  return (
    (c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a)
  );
}

export function normalizePunctuation(text: string, options: PunctuationOptions): string {
  if (options.direction === "to_half") {
    let out = "";
    for (const ch of text) {
      const c = ch.codePointAt(0) as number;
      if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
      else if (c === 0x3000) out += " ";
      else if (options.cjk && CJK_TO_HALF[ch] !== undefined) out += CJK_TO_HALF[ch];
      else out += ch;
    }
    return out;
  }
  const chars = Array.from(text);
  const nonSpace = (from: number, step: number): string | undefined => {
    for (let k = from; k >= 0 && k < chars.length; k += step)
      if (!/\s/.test(chars[k])) return chars[k];
    return undefined;
  };
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const c = ch.codePointAt(0) as number;
    if (isFullWidthAlnum(c)) {
      out.push(String.fromCharCode(c - 0xfee0));
      continue;
    }
    const full = HALF_TO_FULL[ch];
    if (full === undefined) {
      out.push(ch);
      continue;
    }
    const prev = nonSpace(i - 1, -1);
    const next = nonSpace(i + 1, 1);
    const prevHan = prev !== undefined && HAN.test(prev);
    const nextHan = next !== undefined && HAN.test(next);
    const digitDot = ch === "." && /\d/.test(chars[i - 1] ?? "") && /\d/.test(chars[i + 1] ?? "");
    const convert = !digitDot && (ch === "(" ? prevHan || nextHan : prevHan);
    out.push(convert ? full : ch);
  }
  return out.join("");
}

/**
 * The de-duplication key: NFKC (folds width variants), lower case, no whitespace and no
 * punctuation. "  Hello, World! " and "hello world" share a key; so do "你好，世界" and "你好,世界".
 */
export function normalizeKey(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, "");
}
