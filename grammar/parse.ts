/**
 * `parse(text, file)`: the front end's one entry point. It never throws: it returns the AST
 * (with recovered nodes marked) and every lexical and syntax diagnostic of the file.
 */
import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import type * as A from "./ast.js";
import { STAGE_KINDS } from "./ast.js";
import { astParser } from "./ast-parser.js";
import * as T from "./tokens.js";
import type { Diagnostic, Span } from "../compiler/diagnostics/diagnostic.js";
import { didYouMean } from "../compiler/diagnostics/suggest.js";
import { compareText } from "../compiler/text/compare-text.js";
import { PipeLexer } from "./lexer.js";

export interface ParseResult {
  ast: A.PipeFile;
  diagnostics: Diagnostic[];
}

const DECLARATION_STARTERS = new Set<TokenType>([
  T.Pipeline,
  T.Export,
  T.Dataset,
  T.Model,
  T.Adapter,
  T.Train,
  T.Distill,
  T.Evaluate,
  T.Generate,
  T.Detect,
  T.Inspect,
]);

const DECLARATION_WORDS = ["pipeline", "export", ...STAGE_KINDS];

const VALUE_RULES = new Set(["expression", "unary", "primary", "argument", "list"]);

export function parse(text: string, file = "<input>"): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic) => diagnostics.push(d);
  const span = (start: number, end: number): Span => ({ file, start, end });

  let lexed;
  try {
    lexed = PipeLexer.tokenize(text);
  } catch (err) {
    // The lexer does not throw on bad input; this guards the never-throws contract anyway.
    report({
      code: "PW1001",
      severity: "error",
      span: span(0, 0),
      message: `cannot read the file: ${String(err)}`,
    });
    return { ast: emptyFile(file, text.length), diagnostics };
  }
  for (const e of lexed.errors) {
    const bad = text.slice(e.offset, e.offset + e.length);
    report({
      code: "PW1001",
      severity: "error",
      span: span(e.offset, e.offset + e.length),
      message: `unexpected character${bad.length > 1 ? "s" : ""} \`${bad}\``,
      hint: unexpectedCharacterHint(bad),
    });
  }
  const comments: A.Comment[] = [];
  for (const c of (lexed.groups.comments ?? []) as IToken[]) {
    const s = span(c.startOffset, c.startOffset + c.image.length);
    if (c.tokenType === T.UnterminatedBlockComment) {
      report({
        code: "PW1004",
        severity: "error",
        span: span(c.startOffset, c.startOffset + 2),
        message: "unterminated block comment",
        hint: "close it with `*/`",
      });
    }
    comments.push({
      kind: "Comment",
      text: c.image,
      block: c.tokenType !== T.LineComment,
      span: s,
    });
  }

  const items: A.Item[] = [];
  const parser = astParser();
  parser.begin(file, lexed.tokens.length);
  let tokens = lexed.tokens;
  // Top-level panic-mode recovery: when a declaration cannot even start, Chevrotain stops the
  // file rule; we skip to the next declaration keyword and parse the rest, so every error of the
  // file is reported in one pass.
  for (let guard = 0; tokens.length > 0 && guard < 100_000; guard++) {
    parser.input = tokens;
    let parsed: A.Item[];
    try {
      parsed = parser.file();
    } catch (err) {
      report({
        code: "PW1010",
        severity: "error",
        span: span(tokens[0].startOffset, tokens[0].startOffset),
        message: `internal parser error: ${String(err)}`,
      });
      break;
    }
    const errors = parser.errors;
    let stoppedAt: IToken | undefined;
    for (const err of errors) {
      if (err.name === "NotAllInputParsedException") {
        stoppedAt = err.token;
        continue;
      }
      report(syntaxDiagnostic(err, text, file));
    }
    // Value diagnostics (string escapes) come after the syntax errors of the same stretch.
    for (const d of parser.takeValueReports()) report(d);
    for (const item of parsed) items.push(item);
    if (!stoppedAt) break;
    const index = tokens.indexOf(stoppedAt);
    report(notADeclaration(stoppedAt, text, file));
    let next = index + 1;
    while (next < tokens.length && !DECLARATION_STARTERS.has(tokens[next].tokenType)) next++;
    tokens = tokens.slice(next);
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || compareText(a.code, b.code));
  return {
    ast: { kind: "File", items, comments, span: span(0, text.length) },
    diagnostics: suppressCascades(dedupe(diagnostics), text),
  };
}

function emptyFile(file: string, length: number): A.PipeFile {
  return { kind: "File", items: [], comments: [], span: { file, start: 0, end: length } };
}

/** One syntax error per position: recovery often reports the same bad token twice. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = d.code.startsWith("PW101")
      ? `syntax:${d.span.start}`
      : `${d.code}:${d.span.start}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * After a syntax error, recovery often trips again on the rest of the same line; those
 * follow-on errors say nothing new. Keep the first syntax error of each line.
 */
function suppressCascades(diagnostics: Diagnostic[], text: string): Diagnostic[] {
  let lastSyntaxLineEnd = -1;
  return diagnostics.filter((d) => {
    const isParseError = d.code >= "PW1010" && d.code <= "PW1014";
    if (!isParseError) return true;
    if (d.span.start <= lastSyntaxLineEnd) return false;
    const newline = text.indexOf("\n", d.span.start);
    lastSyntaxLineEnd = newline === -1 ? text.length : newline;
    return true;
  });
}

function unexpectedCharacterHint(bad: string): string | undefined {
  if (bad.startsWith("#")) return "comments start with `//`";
  if (bad.startsWith("'")) return 'strings use double quotes: "..."';
  if (bad.startsWith("!")) return "use `not` for negation, `!=` for inequality";
  if (bad.startsWith("&") || bad.startsWith("|")) return "use `and` / `or`";
  return undefined;
}

function describeToken(token: IToken): string {
  if (token.tokenType === T.EOF_TOKEN) return "the end of the file";
  const image = token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
  return `\`${image}\``;
}

/** Tokens carry start offsets only (the lexer tracks no more); the end follows from the image. */
function tokenEnd(token: IToken): number {
  return token.startOffset + token.image.length;
}

function tokenSpanOf(token: IToken, text: string, file: string, previous?: IToken): Span {
  if (token.tokenType === T.EOF_TOKEN || Number.isNaN(token.startOffset)) {
    const end = previous && !Number.isNaN(tokenEnd(previous)) ? tokenEnd(previous) : text.length;
    return { file, start: end, end };
  }
  return { file, start: token.startOffset, end: tokenEnd(token) };
}

function syntaxDiagnostic(err: IRecognitionException, text: string, file: string): Diagnostic {
  const token = err.token;
  const previous = (err as unknown as { previousToken?: IToken }).previousToken;
  const ruleStack = err.context?.ruleStack ?? [];
  const rule = ruleStack[ruleStack.length - 1] ?? "";
  const atEnd = token.tokenType === T.EOF_TOKEN;
  const found = describeToken(token);
  const span = tokenSpanOf(token, text, file, previous);
  if (atEnd) {
    return {
      code: "PW1012",
      severity: "error",
      span,
      message: err.message,
      hint: "a `{` or `(` or `[` is probably not closed",
    };
  }
  if (token.tokenType === T.UnterminatedString) {
    return {
      code: "PW1002",
      severity: "error",
      span,
      message: "unterminated string",
      hint: 'close it with `"` on the same line',
    };
  }
  if (err.name === "MismatchedTokenException" && rule === "file") {
    // Recovery at top level reports "expected end of file": really, not a declaration.
    return notADeclaration(token, text, file);
  }
  if (
    rule === "entry" &&
    err.name === "NoViableAltException" &&
    previous &&
    tokenIsName(previous)
  ) {
    // `rank 16`: the name was read, then nothing that can follow a name in a block.
    return {
      code: "PW1011",
      severity: "error",
      span: tokenSpanOf(previous, text, file),
      message: `expected \`:\` after \`${previous.image}\``,
      hint: `write \`${previous.image}: value\`, or \`${previous.image} { ... }\` for a block`,
    };
  }
  const blockEntryExpected =
    (err.name === "MismatchedTokenException" &&
      rule === "block" &&
      err.message.startsWith("expected `}`")) ||
    rule === "entry";
  if (blockEntryExpected && tokenIsName(token)) {
    return {
      code: "PW1011",
      severity: "error",
      span,
      message: `expected \`:\` after ${found}`,
      hint: `write \`${token.image}: value\`, or \`${token.image} { ... }\` for a block`,
    };
  }
  if (
    err.name === "MismatchedTokenException" &&
    rule === "block" &&
    err.message.startsWith("expected `}`")
  ) {
    return {
      code: "PW1010",
      severity: "error",
      span,
      message: `unexpected ${found} in a block`,
      hint: "each entry is `key: value`, `name { ... }` or `require ...`; several values need a list: `[a, b]`",
    };
  }
  if (err.name === "MismatchedTokenException") {
    const hint = mismatchHint(err.message, token);
    return {
      code: "PW1011",
      severity: "error",
      span,
      message: err.message,
      ...(hint ? { hint } : {}),
    };
  }
  if (VALUE_RULES.has(rule)) {
    return {
      code: "PW1014",
      severity: "error",
      span,
      message: `expected a value, found ${found}`,
      hint: "a value is a number (`16`, `2e-4`, `8GB`, `90%`), a string, `true`/`false`, a list `[...]`, a map `{...}` or a name",
    };
  }
  if (rule === "entry" || rule === "block") {
    return {
      code: "PW1010",
      severity: "error",
      span,
      message: `unexpected ${found} in a block`,
      hint: "block entries are `key: value`, `name { ... }`, `require <condition>` or `OUTCOME when <condition>`",
    };
  }
  return { code: "PW1010", severity: "error", span, message: err.message };
}

function tokenIsName(token: IToken): boolean {
  return (
    token.tokenType === T.Identifier || (token.tokenType.CATEGORIES ?? []).includes(T.Identifier)
  );
}

function mismatchHint(message: string, token: IToken): string | undefined {
  if (message.includes("`:`") && token.tokenType === T.NumberLiteral) return "write `key: value`";
  if (message.includes("`=`")) return "a stage is declared as `kind name = source(args) { ... }`";
  if (message.includes("`}`")) return "every `{` needs a matching `}`";
  if (message.includes("`)`")) return "every `(` needs a matching `)`";
  if (message.includes("`]`")) return "list items are separated by commas: `[a, b]`";
  if (message.includes("`,`")) return "separate items with commas";
  return undefined;
}

function notADeclaration(token: IToken, text: string, file: string): Diagnostic {
  const span = tokenSpanOf(token, text, file);
  const hint =
    token.tokenType === T.Identifier
      ? (didYouMean(token.image, DECLARATION_WORDS) ??
        "declarations start with `pipeline`, a stage kind (`dataset`, `model`, `adapter`, `train`, `distill`, `evaluate`, `generate`, `detect`, `inspect`) or `export`")
      : "declarations start with `pipeline`, a stage kind (`dataset`, `model`, `adapter`, `train`, ...) or `export`";
  return {
    code: "PW1013",
    severity: "error",
    span,
    message: `expected a declaration, found ${describeToken(token)}`,
    hint,
  };
}
