/**
 * Hugging Face tokenizers compile their split patterns with Oniguruma. JavaScript's RegExp (with
 * the `u` flag) reads most of them as they are — `\p{L}`, `\p{N}`, look-ahead — but not inline
 * flag groups like `(?i:'s|'t)` (Llama 3, Qwen 2), and its `\s` differs from Oniguruma's in two
 * code points (JS adds U+FEFF, lacks U+0085). This module rewrites those constructs:
 *
 * - `(?i:…)`: ASCII letters inside become `[sS]` (or gain their other case inside a class);
 * - `\s` / `\S`: become Unicode White_Space classes, as Oniguruma has them;
 * - possessive quantifiers (`*+`, `++`, `?+`): become greedy (JS has none; the built-in
 *   tokenizer patterns do not rely on the difference).
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

const WS_BODY = "\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/** GPT-2's split (the ByteLevel pre-tokenizer's `use_regex`). */
export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Llama 3 / cl100k: case-insensitive contractions, digits in groups of up to three. */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Qwen 2: like Llama 3 with single digits. */
export const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function bothCases(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  return lo === up ? ch : `${lo}${up}`;
}

/** Rewrites an Oniguruma pattern into JavaScript `u`-mode syntax (see the module comment). */
export function translateOnigPattern(pattern: string): string {
  let out = "";
  let inClass = false;
  // Stack of open groups: true when the group is (?i: … ).
  const groups: boolean[] = [];
  const caseless = () => groups.includes(true);
  // The previous atom was a quantifier (so a following "+" makes it possessive).
  let afterQuantifier = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const wasQuantifier = afterQuantifier;
    afterQuantifier = false;
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error("the pattern ends with a backslash");
      if (next === "s") out += inClass ? WS_BODY : `[${WS_BODY}]`;
      else if (next === "S") {
        if (inClass)
          out += "\\S"; // a negated set inside a set needs the `v` flag; keep JS's \S
        else out += `[^${WS_BODY}]`;
      } else if (next === "p" || next === "P" || next === "u" || next === "x") {
        // Copy \p{..}, \u{..}, \uXXXX, \xXX whole.
        let j = i + 2;
        if (pattern[j] === "{") j = pattern.indexOf("}", j) + 1;
        else if (next === "u") j = i + 6;
        else if (next === "x") j = i + 4;
        else j = i + 3; // \pL
        if (next === "p" && pattern[i + 2] !== "{") out += `\\p{${pattern[i + 2]}}`;
        else out += pattern.slice(i, j);
        i = j - 1;
        continue;
      } else if (/[A-Za-z0-9]/.test(next) || "\\^$.|?*+()[]{}/-".includes(next)) out += ch + next;
      else out += next === "'" || next === '"' || next === " " ? next : `\\${next}`;
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += caseless() && /[A-Za-z]/.test(ch) ? bothCases(ch) : ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (ch === "(") {
      if (pattern.startsWith("(?i:", i)) {
        groups.push(true);
        out += "(?:";
        i += 3;
        continue;
      }
      if (pattern.startsWith("(?i)", i)) throw new Error("a global (?i) flag is not supported");
      groups.push(false);
      out += ch;
      continue;
    }
    if (ch === ")") {
      groups.pop();
      out += ch;
      continue;
    }
    if (ch === "{") {
      const close = pattern.indexOf("}", i);
      if (close !== -1 && /^\{\d*,?\d*\}$/.test(pattern.slice(i, close + 1))) {
        out += pattern.slice(i, close + 1);
        i = close;
        afterQuantifier = true;
        continue;
      }
    }
    if (ch === "*" || ch === "+" || ch === "?") {
      if (wasQuantifier && ch === "+") continue; // possessive → greedy
      if (wasQuantifier && ch === "?") {
        out += ch; // lazy
        continue;
      }
      out += ch;
      afterQuantifier = true;
      continue;
    }
    out += caseless() && /[A-Za-z]/.test(ch) ? `[${bothCases(ch)}]` : ch;
  }
  return out;
}

/** Compiles a tokenizer.json pattern (`{ Regex }` or `{ String }`) to a global JS RegExp. */
export function compileTokenizerPattern(
  pattern: { Regex?: string; String?: string },
  where = "tokenizer.json",
): RegExp {
  if (typeof pattern.String === "string") {
    return new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"), "gu");
  }
  if (typeof pattern.Regex !== "string") {
    throw new PipeError("PW6501", `a split pattern needs "Regex" or "String"`, { path: where });
  }
  try {
    return new RegExp(translateOnigPattern(pattern.Regex), "gu");
  } catch (err) {
    throw new PipeError(
      "PW6503",
      `cannot translate the tokenizer regex ${JSON.stringify(pattern.Regex)}: ${(err as Error).message}`,
      { path: where },
    );
  }
}
