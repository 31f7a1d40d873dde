/**
 * GPT-2's byte ↔ unicode table (`bytes_to_unicode`): every byte maps to a printable character,
 * so byte-level BPE can work on strings. Printable Latin-1 bytes map to themselves; the other 68
 * bytes map to U+0100 and up in byte order (space → "Ġ", newline → "Ċ").
 */

export const BYTE_TO_CHAR: readonly string[] = (() => {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const table = new Array<string>(256);
  for (const b of keep) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++)
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + n++);
  return table;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_CHAR.map((c, b) => [c, b]),
);

const utf8 = new TextEncoder();
const utf8Lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Text → its UTF-8 bytes as byte-level characters. */
export function toByteLevel(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out += BYTE_TO_CHAR[c];
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate encodes as U+FFFD, like TextEncoder
    if (c < 0x800) out += BYTE_TO_CHAR[0xc0 | (c >> 6)] + BYTE_TO_CHAR[0x80 | (c & 63)];
    else if (c < 0x10000) {
      out +=
        BYTE_TO_CHAR[0xe0 | (c >> 12)] +
        BYTE_TO_CHAR[0x80 | ((c >> 6) & 63)] +
        BYTE_TO_CHAR[0x80 | (c & 63)];
    } else {
      out +=
        BYTE_TO_CHAR[0xf0 | (c >> 18)] +
        BYTE_TO_CHAR[0x80 | ((c >> 12) & 63)] +
        BYTE_TO_CHAR[0x80 | ((c >> 6) & 63)] +
        BYTE_TO_CHAR[0x80 | (c & 63)];
    }
  }
  return out;
}

/** The 256 byte-level characters in code-point order (HF `ByteLevel.alphabet()`). */
export function byteLevelAlphabet(): string[] {
  return [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
}

/**
 * Byte-level tokens → text. Like Hugging Face's ByteLevel decoder: a token with a character
 * outside the table contributes its own UTF-8 bytes; invalid UTF-8 becomes U+FFFD.
 */
export function fromByteLevel(tokens: readonly string[]): string {
  const bytes: number[] = [];
  for (const t of tokens) {
    const mapped: number[] = [];
    let ok = true;
    for (const ch of t) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b === undefined) {
        ok = false;
        break;
      }
      mapped.push(b);
    }
    if (ok) bytes.push(...mapped);
    else bytes.push(...utf8.encode(t));
  }
  return utf8Lossy.decode(new Uint8Array(bytes));
}
