/**
 * Display width of a string in terminal columns, standing in for the `string-width` package in
 * the bundled CLI (scripts/build.mjs aliases it). The package compiles large Unicode-property
 * and emoji regular expressions when it loads, ~20 ms of every `pipe` start-up before any help
 * text is needed; this version is equivalent for what yargs lays out (ASCII, CJK, accents,
 * emoji) and compiles its patterns only when it first meets a non-ASCII character.
 */
import { eastAsianWidth } from "get-east-asian-width";

const ANSI_ESCAPE = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g;
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;

let zeroWidth: RegExp | undefined;
let pictographic: RegExp | undefined;

export interface StringWidthOptions {
  ambiguousIsNarrow?: boolean;
  countAnsiEscapeCodes?: boolean;
}

export default function stringWidth(text: string, options: StringWidthOptions = {}): number {
  if (typeof text !== "string" || text.length === 0) return 0;
  const visible = options.countAnsiEscapeCodes ? text : text.replace(ANSI_ESCAPE, "");
  if (PRINTABLE_ASCII.test(visible)) return visible.length;
  zeroWidth ??= /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}]$/u;
  pictographic ??= /^\p{Extended_Pictographic}$/u;
  const ambiguousAsWide = options.ambiguousIsNarrow === false;
  let width = 0;
  let joined = false;
  for (const ch of visible) {
    const code = ch.codePointAt(0)!;
    if (zeroWidth.test(ch) || (code >= 0xfe00 && code <= 0xfe0f)) {
      // A zero-width joiner glues the next pictograph onto the previous one (one emoji).
      joined = code === 0x200d;
      continue;
    }
    if (pictographic.test(ch)) {
      if (!joined) width += 2;
      joined = false;
      continue;
    }
    joined = false;
    width += eastAsianWidth(code, { ambiguousAsWide });
  }
  return width;
}
