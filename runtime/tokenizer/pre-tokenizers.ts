/**
 * Pre-tokenizers of tokenizer.json (`pre_tokenizer`): split text into words before the model
 * runs, the way Hugging Face tokenizers does. A piece remembers whether it starts the input
 * (Metaspace's `prepend_scheme: "first"`).
 */
import { toByteLevel } from "./byte-level.js";
import { asObject, unsupported } from "./components.js";
import { compileTokenizerPattern, GPT2_PATTERN, translateOnigPattern } from "./hf-regex.js";

export interface Piece {
  text: string;
  /** The piece starts at the beginning of the input text. */
  first: boolean;
}

export type PreTokenizer = (pieces: Piece[]) => Piece[];

export type SplitBehavior =
  "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

/** Splits one text on regex matches with a Hugging Face split behavior. */
export function splitWithBehavior(
  text: string,
  re: RegExp,
  behavior: SplitBehavior,
  invert = false,
): string[] {
  const parts: { text: string; match: boolean }[] = [];
  let prev = 0;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    const start = m.index as number;
    const end = start + m[0].length;
    if (start === end) continue;
    if (prev !== start) parts.push({ text: text.slice(prev, start), match: invert });
    parts.push({ text: text.slice(start, end), match: !invert });
    prev = end;
  }
  if (prev !== text.length) parts.push({ text: text.slice(prev), match: invert });
  const out: string[] = [];
  switch (behavior) {
    case "Removed":
      for (const p of parts) if (!p.match) out.push(p.text);
      break;
    case "Isolated":
      for (const p of parts) out.push(p.text);
      break;
    case "MergedWithPrevious": {
      let prevWasMatch = false;
      for (const p of parts) {
        if (p.match && out.length > 0 && !prevWasMatch) out[out.length - 1] += p.text;
        else out.push(p.text);
        prevWasMatch = p.match;
      }
      break;
    }
    case "MergedWithNext": {
      let carry = "";
      for (const p of parts) {
        if (p.match) {
          if (carry !== "") out.push(carry);
          carry = p.text;
        } else {
          out.push(carry + p.text);
          carry = "";
        }
      }
      if (carry !== "") out.push(carry);
      break;
    }
    case "Contiguous": {
      let prevWasMatch = false;
      for (const p of parts) {
        if (p.match && prevWasMatch && out.length > 0) out[out.length - 1] += p.text;
        else out.push(p.text);
        prevWasMatch = p.match;
      }
      break;
    }
  }
  return out.filter((s) => s !== "");
}

function splitPieces(pieces: Piece[], fn: (text: string) => string[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    fn(p.text).forEach((text, k) => out.push({ text, first: p.first && k === 0 }));
  }
  return out;
}

const SUPPORTED = [
  "ByteLevel",
  "Split",
  "Sequence",
  "Digits",
  "Metaspace",
  "WhitespaceSplit",
  "Whitespace",
  "Punctuation",
];

export function buildPreTokenizer(spec: unknown, path: string): PreTokenizer | undefined {
  if (spec === null || spec === undefined) return undefined;
  const p = asObject(spec, "pre_tokenizer", path);
  switch (p.type) {
    case "ByteLevel": {
      const addPrefixSpace = p.add_prefix_space === true;
      const re =
        p.use_regex === false ? undefined : new RegExp(translateOnigPattern(GPT2_PATTERN), "gu");
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) {
          const text =
            addPrefixSpace && !piece.text.startsWith(" ") ? ` ${piece.text}` : piece.text;
          const words = re ? splitWithBehavior(text, re, "Isolated") : [text];
          words.forEach((w, k) =>
            out.push({ text: toByteLevel(w), first: piece.first && k === 0 }),
          );
        }
        return out;
      };
    }
    case "Split": {
      const re = compileTokenizerPattern(
        asObject(p.pattern, "Split.pattern", path) as { Regex?: string; String?: string },
        path,
      );
      const behavior = p.behavior as SplitBehavior;
      if (
        !["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"].includes(
          behavior,
        )
      ) {
        throw unsupported("split behavior", behavior, path, [
          "Removed",
          "Isolated",
          "MergedWithPrevious",
          "MergedWithNext",
          "Contiguous",
        ]);
      }
      const invert = p.invert === true;
      return (pieces) => splitPieces(pieces, (t) => splitWithBehavior(t, re, behavior, invert));
    }
    case "Sequence": {
      const parts = ((p.pretokenizers as unknown[]) ?? [])
        .map((x) => buildPreTokenizer(x, path))
        .filter((x): x is PreTokenizer => !!x);
      return (pieces) => parts.reduce((acc, f) => f(acc), pieces);
    }
    case "Digits": {
      const re = p.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu;
      return (pieces) => splitPieces(pieces, (t) => splitWithBehavior(t, re, "Isolated"));
    }
    case "WhitespaceSplit":
      return (pieces) => splitPieces(pieces, (t) => t.split(/\s+/u).filter((s) => s !== ""));
    case "Whitespace": {
      const re = /\w+|[^\w\s]+/gu;
      return (pieces) => splitPieces(pieces, (t) => splitWithBehavior(t, re, "Removed", true));
    }
    case "Punctuation": {
      const re = /[\p{P}!-/:-@[-`{-~]/gu;
      const behavior = (p.behavior as SplitBehavior) ?? "Isolated";
      return (pieces) => splitPieces(pieces, (t) => splitWithBehavior(t, re, behavior));
    }
    case "Metaspace": {
      const replacement = typeof p.replacement === "string" ? p.replacement : "▁";
      const scheme =
        typeof p.prepend_scheme === "string"
          ? p.prepend_scheme
          : p.add_prefix_space === false
            ? "never"
            : "always";
      return metaspace(replacement, scheme as "always" | "first" | "never", p.split !== false);
    }
    default:
      throw unsupported("pre-tokenizer", p.type, path, SUPPORTED);
  }
}

/**
 * SentencePiece-style spaces: " " → "▁", a "▁" prepended (`always`, or `first`: only on the
 * piece that starts the input), then split before each "▁".
 */
export function metaspace(
  replacement: string,
  scheme: "always" | "first" | "never",
  split: boolean,
): PreTokenizer {
  const re = new RegExp(replacement.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gu");
  return (pieces) => {
    const out: Piece[] = [];
    for (const piece of pieces) {
      let s = piece.text.replaceAll(" ", replacement);
      const prepend = scheme === "always" || (scheme === "first" && piece.first);
      if (prepend && !s.startsWith(replacement)) s = replacement + s;
      const words = split ? splitWithBehavior(s, re, "MergedWithNext") : [s];
      words.forEach((w, k) => out.push({ text: w, first: piece.first && k === 0 }));
    }
    return out;
  };
}
