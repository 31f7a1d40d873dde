/**
 * Python's string primitives, reproduced exactly. The reference metric implementations
 * (sacrebleu, rouge-score, nltk) are Python; their results depend on what `str.split()`,
 * `str.strip()` and `str.lower()` treat as whitespace and characters, which differs from
 * JavaScript's `\s`, `trim()` and UTF-16 indexing.
 */

/**
 * Code points for which CPython's `str.isspace()` is true (Unicode 14/15, Python 3.11):
 * bidi classes WS, B, S and general category Zs. JavaScript's `\s` differs: it includes
 * U+FEFF and excludes U+001C–U+001F and U+0085.
 */
export function isPythonWhitespace(codePoint: number): boolean {
  if (codePoint <= 0x20) {
    return (
      (codePoint >= 0x09 && codePoint <= 0x0d) ||
      (codePoint >= 0x1c && codePoint <= 0x1f) ||
      codePoint === 0x20
    );
  }
  if (codePoint < 0x85) return false;
  return (
    codePoint === 0x85 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000
  );
}

/** Python's `text.split()` (no argument): split on runs of whitespace, drop empty parts. */
export function pythonSplit(text: string): string[] {
  const parts: string[] = [];
  let start = -1;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (isPythonWhitespace(cp)) {
      if (start >= 0) {
        parts.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
    i += width;
  }
  if (start >= 0) parts.push(text.slice(start));
  return parts;
}

/** Python's `text.rstrip()`. */
export function pythonRstrip(text: string): string {
  let end = text.length;
  while (end > 0) {
    // Whitespace code points are all in the BMP, so a trailing surrogate is never whitespace.
    if (!isPythonWhitespace(text.charCodeAt(end - 1))) break;
    end--;
  }
  return text.slice(0, end);
}

/** Python's `text.strip()`. */
export function pythonStrip(text: string): string {
  const right = pythonRstrip(text);
  let start = 0;
  while (start < right.length && isPythonWhitespace(right.charCodeAt(start))) start++;
  return right.slice(start);
}

/**
 * Python's `text.lower()`. JavaScript's `toLowerCase()` applies the same Unicode full
 * lowercase mappings (including final sigma) without locale tailoring.
 */
export function pythonLower(text: string): string {
  return text.toLowerCase();
}

/** The code points of a string (Python iterates strings by code point, not UTF-16 unit). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}
