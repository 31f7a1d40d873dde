/**
 * Normalizers of tokenizer.json (`normalizer`), applied to the text between added tokens before
 * pre-tokenization. Offsets are not tracked: Pipewright needs ids and text, not alignments.
 */
import { compileTokenizerPattern } from "./hf-regex.js";
import { asObject, unsupported } from "./components.js";

export type Normalizer = (text: string) => string;

const SUPPORTED = [
  "NFC",
  "NFD",
  "NFKC",
  "NFKD",
  "Lowercase",
  "Strip",
  "StripAccents",
  "Replace",
  "Prepend",
  "Sequence",
];

export function buildNormalizer(spec: unknown, path: string): Normalizer | undefined {
  if (spec === null || spec === undefined) return undefined;
  const n = asObject(spec, "normalizer", path);
  switch (n.type) {
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = n.type;
      return (t) => t.normalize(form);
    }
    case "Lowercase":
      return (t) => t.toLowerCase();
    case "Strip": {
      const left = n.strip_left !== false;
      const right = n.strip_right !== false;
      return (t) => (left && right ? t.trim() : left ? t.trimStart() : right ? t.trimEnd() : t);
    }
    case "StripAccents":
      return (t) => t.normalize("NFD").replace(/\p{Mn}/gu, "");
    case "Replace": {
      const re = compileTokenizerPattern(
        asObject(n.pattern, "Replace.pattern", path) as { Regex?: string; String?: string },
        path,
      );
      const content = String(n.content ?? "");
      return (t) => t.replace(re, () => content);
    }
    case "Prepend": {
      const prefix = String(n.prepend ?? "");
      return (t) => (t === "" ? t : prefix + t);
    }
    case "Sequence": {
      const parts = ((n.normalizers as unknown[]) ?? [])
        .map((x) => buildNormalizer(x, path))
        .filter((x): x is Normalizer => !!x);
      return (t) => parts.reduce((acc, f) => f(acc), t);
    }
    default:
      throw unsupported("normalizer", n.type, path, SUPPORTED);
  }
}
