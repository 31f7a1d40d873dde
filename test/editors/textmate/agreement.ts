/**
 * Test support: compares the TextMate grammar with the real lexer on one text. Every
 * character of every lexer token must get the scope family of its token type (comment,
 * string, escape, number, unit, keyword, name, punctuation, operator), every character the
 * lexer rejects must be `invalid`, and nothing else may be `invalid`. Returns readable
 * disagreements (empty when the two agree).
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "../../../grammar/tokens.js";
import { PipeLexer } from "../../../grammar/lexer.js";
import { decodeEscapes } from "../../../grammar/strings.js";
import { hasScope, splitLines, tokenize, type ScopedToken } from "./tokenize.js";

const NUMBER_PART = /^-?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?/;

/** Scope family each punctuation/operator token must carry. */
const PUNCTUATION: [TokenType, string][] = [
  [T.LCurly, "punctuation.section.block.begin"],
  [T.RCurly, "punctuation.section.block.end"],
  [T.LBracket, "punctuation.section.brackets.begin"],
  [T.RBracket, "punctuation.section.brackets.end"],
  [T.LParen, "punctuation.section.parens.begin"],
  [T.RParen, "punctuation.section.parens.end"],
  [T.Colon, "punctuation.separator.key-value"],
  [T.Comma, "punctuation.separator.comma"],
  [T.Semicolon, "punctuation.terminator"],
  [T.Dot, "punctuation.accessor"],
  [T.DotDot, "keyword.operator.range"],
  [T.Equals, "keyword.operator.assignment"],
  [T.GreaterEqual, "keyword.operator.comparison"],
  [T.LessEqual, "keyword.operator.comparison"],
  [T.EqualEqual, "keyword.operator.comparison"],
  [T.NotEqual, "keyword.operator.comparison"],
  [T.Greater, "keyword.operator.comparison"],
  [T.Less, "keyword.operator.comparison"],
];

/** Families a name (identifier or identifier-like keyword in a name position) may get. */
const NAME_FAMILIES = ["variable", "entity.name", "support.function"];
const NOT_FOR_NAMES = [
  "comment",
  "string",
  "constant",
  "punctuation",
  "keyword.operator",
  "invalid",
];

function categories(type: TokenType): TokenType[] {
  return ((type as { CATEGORIES?: TokenType[] }).CATEGORIES ?? []) as TokenType[];
}

function isKeywordToken(type: TokenType): boolean {
  return type !== T.Identifier && (type as { LONGER_ALT?: unknown }).LONGER_ALT !== undefined;
}

type Expectation = (scopes: string[]) => string | undefined;

const want =
  (prefix: string): Expectation =>
  (scopes) =>
    hasScope(scopes, prefix) ? undefined : `expected ${prefix}`;

const notInvalid: Expectation = (scopes) =>
  scopes.some((s) => s.startsWith("invalid")) ? "unexpected invalid scope" : undefined;

const both =
  (...checks: Expectation[]): Expectation =>
  (scopes) => {
    for (const c of checks) {
      const problem = c(scopes);
      if (problem) return problem;
    }
    return undefined;
  };

/** Expectation for each character of one lexer token (index = offset within the image). */
function expectationsFor(token: IToken): Expectation[] {
  const type = token.tokenType;
  const image = token.image;
  const all = (e: Expectation) => Array.from(image, () => e);
  if (type === T.LineComment || type === T.BlockComment || type === T.UnterminatedBlockComment) {
    return all(both(want("comment"), notInvalid));
  }
  if (type === T.TripleString) {
    return all(
      (s) =>
        want("string")(s) ??
        (hasScope(s, "constant.character.escape") ? "escape in a triple string" : notInvalid(s)),
    );
  }
  if (type === T.StringLiteral || type === T.UnterminatedString) {
    const out = all(both(want("string"), notInvalid));
    const closed = type === T.StringLiteral;
    const body = image.slice(1, closed ? -1 : undefined);
    const { problems } = decodeEscapes(body, 1);
    const bad = new Map(problems.map((p) => [p.offset, p.length]));
    for (let i = 1; i < 1 + body.length; i++) {
      if (image[i] !== "\\") continue;
      const length = bad.get(i);
      if (length !== undefined) {
        for (let k = 0; k < length; k++) out[i + k] = want("invalid.illegal.unknown-escape");
      } else {
        out[i] = want("constant.character.escape");
        out[i + 1] = want("constant.character.escape");
      }
      i++;
    }
    return out;
  }
  if (type === T.NumberLiteral) {
    const numberLength = NUMBER_PART.exec(image)![0].length;
    return Array.from(image, (_, i) =>
      i < numberLength ? want("constant.numeric") : want("keyword.other.unit"),
    );
  }
  if (type === T.True || type === T.False) return all(want("constant.language.boolean"));
  if (isKeywordToken(type) && !categories(type).includes(T.Identifier)) {
    // Reserved word: a keyword wherever it appears.
    return all(want("keyword"));
  }
  if (type === T.Identifier || isKeywordToken(type)) {
    const keywordAllowed = type !== T.Identifier;
    return all((scopes) => {
      const last = scopes[scopes.length - 1];
      if (NOT_FOR_NAMES.some((f) => hasScope([last], f))) return `a name got ${last}`;
      if (NAME_FAMILIES.some((f) => hasScope([last], f))) return undefined;
      if (keywordAllowed && (hasScope([last], "keyword") || hasScope([last], "storage.type")))
        return undefined;
      return `a name got ${last}`;
    });
  }
  const punctuation = PUNCTUATION.find(([t]) => t === type);
  if (punctuation) return all(want(punctuation[1]));
  return all(notInvalid);
}

/** Maps a text offset to (line, column) in the lines the editor sees. */
function positions(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  const re = /\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index + m[0].length);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - starts[lo] };
  };
}

/** Checks that every name-like token is one TextMate token (kebab names are not split). */
function wholeToken(tm: ScopedToken | undefined, column: number, length: number): boolean {
  return tm !== undefined && tm.start === column && tm.end === column + length;
}

export async function disagreements(text: string): Promise<string[]> {
  const lexed = PipeLexer.tokenize(text);
  const tokens = [...lexed.tokens, ...((lexed.groups.comments ?? []) as IToken[])];
  const expected: (Expectation | undefined)[] = new Array(text.length).fill(undefined);
  for (const tok of tokens) {
    expectationsFor(tok).forEach((e, i) => (expected[tok.startOffset + i] = e));
  }
  for (const err of lexed.errors) {
    for (let i = err.offset; i < err.offset + err.length; i++)
      expected[i] = want("invalid.illegal");
  }
  const tm = await tokenize(text);
  const lines = splitLines(text);
  const byLine = new Map<number, ScopedToken[]>();
  for (const t of tm) byLine.set(t.line, [...(byLine.get(t.line) ?? []), t]);
  const where = positions(text);
  const problems: string[] = [];
  for (let offset = 0; offset < text.length; offset++) {
    const ch = text[offset];
    if (ch === "\n" || ch === "\r") continue;
    const { line, column } = where(offset);
    const tok = byLine.get(line)?.find((t) => t.start <= column && column < t.end);
    const scopes = tok?.scopes ?? ["source.pipe"];
    const problem = (expected[offset] ?? notInvalid)(scopes);
    if (problem) {
      const lineText = lines[line] ?? "";
      problems.push(
        `${line + 1}:${column + 1} ${JSON.stringify(ch)} in ${JSON.stringify(lineText)}: ${problem}; got ${scopes.slice(1).join(" ") || "(none)"}`,
      );
    }
  }
  for (const tok of lexed.tokens) {
    if (tok.tokenType !== T.Identifier && !isKeywordToken(tok.tokenType)) continue;
    const { line, column } = where(tok.startOffset);
    const tmTok = byLine.get(line)?.find((t) => t.start <= column && column < t.end);
    if (!wholeToken(tmTok, column, tok.image.length)) {
      problems.push(
        `${line + 1}:${column + 1} name \`${tok.image}\` is not one TextMate token (got \`${tmTok?.text}\`)`,
      );
    }
  }
  return problems;
}
