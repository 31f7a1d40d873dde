/**
 * Every token of the `.pipe` language, in one place. Keywords are also Identifiers (token
 * category), so a keyword can be used as a key (`train: 90%` inside `split`) or a name.
 * Order matters: Chevrotain tries patterns in array order, first match wins (longer_alt aside).
 */
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\u00a0\ufeff]+/,
  start_chars_hint: [" ", "\t", "\r", "\n", "\u00a0", "\ufeff"],
  group: Lexer.SKIPPED,
});
export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\n\r]*/,
  start_chars_hint: ["/"],
  group: "comments",
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  start_chars_hint: ["/"],
  group: "comments",
  line_breaks: true,
});
/** An unclosed block comment: lexed so the error names it instead of a stray `/`. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  start_chars_hint: ["/"],
  group: "comments",
  line_breaks: true,
});

// First characters of the regex-pattern tokens, given so the lexer need not derive them by
// parsing each regular expression (part of `pipe check`'s start-up).
const IDENTIFIER_START = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"];

export const Identifier = createToken({
  name: "Identifier",
  label: "a name",
  // kebab-case allowed inside names (lint names such as `lora-alpha-scale`).
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*/,
  start_chars_hint: IDENTIFIER_START,
});

/** Stage keywords share this category: the parser consumes `StageKeyword` at item start. */
export const StageKeyword = createToken({
  name: "StageKeyword",
  pattern: Lexer.NA,
  label: "a stage kind",
});

/** Every binary operator; the parser reads them flat and `precedence.ts` applies precedence. */
export const BinaryOperator = createToken({
  name: "BinaryOperator",
  pattern: Lexer.NA,
  label: "an operator",
});

/**
 * A keyword. Declaration keywords (`pipeline`, `export`, stage kinds) are also Identifiers, so
 * they can be keys (`train: 90%`); operator words (`in`, `and`, `when`, ...) are reserved.
 */
function keyword(word: string, categories: TokenType[] = [Identifier]): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    label: `\`${word}\``,
    pattern: new RegExp(`${word}(?![A-Za-z0-9_]|-[A-Za-z_])`),
    start_chars_hint: [word[0]!],
    longer_alt: Identifier,
    categories,
  });
}

export const Pipeline = keyword("pipeline");
export const Export = keyword("export");
export const To = keyword("to", []);
export const Require = keyword("require", []);
export const When = keyword("when", []);
export const Otherwise = keyword("otherwise", []);
export const In = keyword("in", [BinaryOperator]);
export const And = keyword("and", [BinaryOperator]);
export const Or = keyword("or", [BinaryOperator]);
export const Not = keyword("not", []);

export const Dataset = keyword("dataset", [Identifier, StageKeyword]);
export const Model = keyword("model", [Identifier, StageKeyword]);
export const Adapter = keyword("adapter", [Identifier, StageKeyword]);
export const Train = keyword("train", [Identifier, StageKeyword]);
export const Distill = keyword("distill", [Identifier, StageKeyword]);
export const Evaluate = keyword("evaluate", [Identifier, StageKeyword]);
export const Generate = keyword("generate", [Identifier, StageKeyword]);
export const Detect = keyword("detect", [Identifier, StageKeyword]);
export const Inspect = keyword("inspect", [Identifier, StageKeyword]);

export const True = keyword("true", []);
export const False = keyword("false", []);

/** `42`, `-1`, `2e-4`, `0.5`, with an optional unit suffix: `8GB`, `90%`, `30min`. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  label: "a number",
  pattern: /-?(?:\d[\d_]*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[A-Za-z]+|%)?/,
  start_chars_hint: ["-", ..."0123456789"],
});

export const TripleString = createToken({
  name: "TripleString",
  label: "a string",
  pattern: /"""[\s\S]*?"""/,
  start_chars_hint: ['"'],
  line_breaks: true,
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  label: "a string",
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  start_chars_hint: ['"'],
});
/** A string that reaches the end of the line unclosed; the parser reports PW1002. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\.)*/,
  start_chars_hint: ['"'],
});

export const LCurly = createToken({ name: "LCurly", pattern: "{", label: "`{`" });
export const RCurly = createToken({ name: "RCurly", pattern: "}", label: "`}`" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "`(`" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: "`)`" });
export const LBracket = createToken({ name: "LBracket", pattern: "[", label: "`[`" });
export const RBracket = createToken({ name: "RBracket", pattern: "]", label: "`]`" });
export const Colon = createToken({ name: "Colon", pattern: ":", label: "`:`" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "`,`" });
export const Semicolon = createToken({ name: "Semicolon", pattern: ";", label: "`;`" });
export const DotDot = createToken({
  name: "DotDot",
  pattern: "..",
  label: "`..`",
  categories: [BinaryOperator],
});
export const Dot = createToken({ name: "Dot", pattern: ".", label: "`.`" });

export const Comparison = createToken({
  name: "Comparison",
  pattern: Lexer.NA,
  categories: [BinaryOperator],
});
export const GreaterEqual = createToken({
  name: "GreaterEqual",
  pattern: ">=",
  categories: [Comparison],
  label: "`>=`",
});
export const LessEqual = createToken({
  name: "LessEqual",
  pattern: "<=",
  categories: [Comparison],
  label: "`<=`",
});
export const EqualEqual = createToken({
  name: "EqualEqual",
  pattern: "==",
  categories: [Comparison],
  label: "`==`",
});
export const NotEqual = createToken({
  name: "NotEqual",
  pattern: "!=",
  categories: [Comparison],
  label: "`!=`",
});
export const Greater = createToken({
  name: "Greater",
  pattern: ">",
  categories: [Comparison],
  label: "`>`",
});
export const Less = createToken({
  name: "Less",
  pattern: "<",
  categories: [Comparison],
  label: "`<`",
});
export const Equals = createToken({ name: "Equals", pattern: "=", label: "`=`" });

export const KEYWORDS = [
  Pipeline,
  Export,
  To,
  Require,
  When,
  Otherwise,
  In,
  And,
  Or,
  Not,
  Dataset,
  Model,
  Adapter,
  Train,
  Distill,
  Evaluate,
  Generate,
  Detect,
  Inspect,
];

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  TripleString,
  StringLiteral,
  UnterminatedString,
  NumberLiteral,
  GreaterEqual,
  LessEqual,
  EqualEqual,
  NotEqual,
  Greater,
  Less,
  Equals,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Colon,
  Comma,
  Semicolon,
  DotDot,
  Dot,
  BinaryOperator,
  Comparison,
  StageKeyword,
  True,
  False,
  ...KEYWORDS,
  Identifier,
];

/** The words the lexer treats as keywords (for editors and docs). */
export const KEYWORD_WORDS: string[] = [
  ...KEYWORDS.map((t) => t.name.toLowerCase()),
  "true",
  "false",
];

/**
 * Grammar validations (ambiguities, unreachable tokens) are a development-time check: they run
 * under the test suite and are skipped in the shipped CLI, where they cost ~40% of start-up.
 */
export const VALIDATE_GRAMMAR =
  Boolean(process.env.VITEST) || process.env.PIPE_VALIDATE_GRAMMAR === "1";

export { EOF as EOF_TOKEN } from "chevrotain";
