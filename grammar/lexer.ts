/**
 * The `.pipe` lexer: the token definitions of tokens.ts (patterns, groups, longer_alt, start
 * characters), scanned with the semantics of Chevrotain's lexer — at each offset the first
 * pattern in ALL_TOKENS order that matches wins, a `longer_alt` wins when strictly longer,
 * SKIPPED tokens are dropped and `comments` go to their group; characters no pattern can start
 * with are skipped up to the next offset where one matches, as one error.
 *
 * Why not Chevrotain's `Lexer`: building one analyses every pattern and fills a 65,536-entry
 * table, ~10 ms of each `pipe check` start-up; this scanner is built from the first-character
 * hints in a fraction of a millisecond. The parser still consumes Chevrotain tokens, and
 * test/grammar/lexer.test.ts checks that both lexers give the same tokens, comments and errors
 * on the examples, the fixtures and generated inputs.
 */
import { Lexer, type IToken, type TokenType } from "chevrotain";
import { ALL_TOKENS } from "./tokens.js";

export interface LexError {
  offset: number;
  length: number;
}

export interface LexResult {
  tokens: IToken[];
  groups: { comments: IToken[] };
  errors: LexError[];
}

interface Matcher {
  type: TokenType;
  /** Length of the match at `offset`, 0 when none. */
  match(text: string, offset: number): number;
  group: "skipped" | "comments" | undefined;
  longerAlt: Matcher[];
}

function matcherOf(type: TokenType): Omit<Matcher, "longerAlt"> {
  const pattern = type.PATTERN;
  const group =
    type.GROUP === Lexer.SKIPPED ? "skipped" : type.GROUP === "comments" ? "comments" : undefined;
  if (typeof pattern === "string") {
    return {
      type,
      group,
      match: (text, offset) => (text.startsWith(pattern, offset) ? pattern.length : 0),
    };
  }
  if (pattern instanceof RegExp) {
    const sticky = new RegExp(pattern.source, pattern.flags.replace("y", "") + "y");
    return {
      type,
      group,
      match: (text, offset) => {
        sticky.lastIndex = offset;
        return sticky.exec(text)?.[0].length ?? 0;
      },
    };
  }
  throw new Error(`token ${type.name}: the lexer supports string and RegExp patterns only`);
}

function firstChars(type: TokenType): string[] {
  const pattern = type.PATTERN;
  if (typeof pattern === "string") return [pattern[0]!];
  const hint = type.START_CHARS_HINT;
  if (!hint || hint.length === 0)
    throw new Error(`token ${type.name}: a RegExp pattern needs start_chars_hint`);
  return hint.map((c) => (typeof c === "number" ? String.fromCharCode(c) : c));
}

/** Per first character (char code), the patterns that can start there, in ALL_TOKENS order. */
function buildTable(types: readonly TokenType[]): Map<number, Matcher[]> {
  const lexable = types.filter((t) => t.PATTERN !== Lexer.NA);
  const matchers = new Map<TokenType, Matcher>();
  for (const t of lexable) matchers.set(t, { ...matcherOf(t), longerAlt: [] });
  for (const [t, m] of matchers) {
    const alts = t.LONGER_ALT === undefined ? [] : [t.LONGER_ALT].flat();
    m.longerAlt = alts.map((a) => matchers.get(a)!);
  }
  const table = new Map<number, Matcher[]>();
  for (const t of lexable) {
    for (const ch of firstChars(t)) {
      const code = ch.charCodeAt(0);
      const list = table.get(code) ?? [];
      list.push(matchers.get(t)!);
      table.set(code, list);
    }
  }
  return table;
}

const NONE: Matcher[] = [];

class PipeScanner {
  private readonly table: Map<number, Matcher[]>;

  constructor(types: readonly TokenType[]) {
    this.table = buildTable(types);
  }

  tokenize(text: string): LexResult {
    const tokens: IToken[] = [];
    const comments: IToken[] = [];
    const errors: LexError[] = [];
    let offset = 0;
    while (offset < text.length) {
      let matched: Matcher | undefined;
      let length = 0;
      for (const m of this.table.get(text.charCodeAt(offset)) ?? NONE) {
        length = m.match(text, offset);
        if (length > 0) {
          matched = m;
          break;
        }
      }
      if (!matched) {
        const start = offset;
        do offset++;
        while (offset < text.length && !this.canStartAt(text, offset));
        errors.push({ offset: start, length: offset - start });
        continue;
      }
      for (const alt of matched.longerAlt) {
        const altLength = alt.match(text, offset);
        if (altLength > length) {
          matched = alt;
          length = altLength;
          break;
        }
      }
      if (matched.group !== "skipped") {
        const type = matched.type;
        const token = {
          image: text.slice(offset, offset + length),
          startOffset: offset,
          tokenTypeIdx: type.tokenTypeIdx!,
          tokenType: type,
        } as IToken;
        (matched.group === "comments" ? comments : tokens).push(token);
      }
      offset += length;
    }
    return { tokens, groups: { comments }, errors };
  }

  private canStartAt(text: string, offset: number): boolean {
    for (const m of this.table.get(text.charCodeAt(offset)) ?? NONE) {
      if (m.match(text, offset) > 0) return true;
    }
    return false;
  }
}

export const PipeLexer = new PipeScanner(ALL_TOKENS);
