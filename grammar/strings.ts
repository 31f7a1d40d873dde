/**
 * Decoding of string literals: escapes in "..." strings, dedent in """...""" strings.
 * Returns the value and the escape problems found (offsets relative to the literal).
 */

export interface EscapeProblem {
  /** Offset of the backslash within the raw literal. */
  offset: number;
  length: number;
  sequence: string;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  '"': '"',
  "\\": "\\",
  "'": "'",
};

/** Decodes the body of a "..." literal (without quotes). */
export function decodeEscapes(
  body: string,
  bodyOffset: number,
): { value: string; problems: EscapeProblem[] } {
  let value = "";
  const problems: EscapeProblem[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== "\\") {
      value += ch;
      continue;
    }
    const next = body[i + 1];
    if (next !== undefined && next in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[next];
      i++;
      continue;
    }
    if (next === "u") {
      const braced = /^u\{([0-9a-fA-F]{1,6})\}/.exec(body.slice(i + 1));
      const plain = /^u([0-9a-fA-F]{4})/.exec(body.slice(i + 1));
      const match = braced ?? plain;
      const code = match ? parseInt(match[1], 16) : NaN;
      if (match && code <= 0x10ffff) {
        value += String.fromCodePoint(code);
        i += match[0].length;
        continue;
      }
    }
    const length = next === undefined ? 1 : 2;
    problems.push({ offset: bodyOffset + i, length, sequence: body.slice(i, i + length) });
    value += next ?? "";
    i++;
  }
  return { value, problems };
}

/**
 * Value of a """...""" literal: the first line break after the opening quotes and the last
 * one before the closing quotes are dropped, then the common indentation is removed. Escapes
 * are not processed (templates contain backslashes and braces literally).
 */
export function decodeTripleQuoted(raw: string): string {
  let body = raw.slice(3, -3);
  body = body.replace(/^[ \t]*\r?\n/, "").replace(/\r?\n[ \t]*$/, "");
  const lines = body.split(/\r?\n/);
  const indents = lines.filter((l) => l.trim().length > 0).map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length))).join("\n");
}
