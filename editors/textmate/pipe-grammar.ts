/**
 * The TextMate grammar of `.pipe` files (scope `source.pipe`), built from the lexer's token
 * definitions so that the keyword lists cannot drift from `grammar/tokens.ts`. `generate.ts`
 * writes the result to `pipe.tmLanguage.json` (and the VS Code extension's copy); the tests
 * check that the committed JSON equals what this module builds.
 *
 * The regexes are Oniguruma (what VS Code and vscode-textmate use) and mirror the lexer:
 * names are kebab-case-capable identifiers, a keyword ends where an identifier could not
 * continue, numbers carry an optional unit suffix, `"..."` strings have escapes and
 * `"""..."""` strings do not.
 */
import * as T from "../../grammar/tokens.js";
import type { TokenType } from "chevrotain";

export const SCOPE_NAME = "source.pipe";

/** A TextMate rule, loosely typed: the JSON schema of tmLanguage files is the contract. */
export interface Rule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, Rule>;
  beginCaptures?: Record<string, Rule>;
  endCaptures?: Record<string, Rule>;
  patterns?: Rule[];
  include?: string;
  comment?: string;
}

export interface PipeGrammar {
  $schema: string;
  name: string;
  scopeName: string;
  fileTypes: string[];
  comment: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

/** How a keyword is classified by the lexer. */
export type KeywordClass = "stage" | "declaration" | "reserved";

/** Scopes of the keywords the language has today; a new keyword falls back by its class. */
const KNOWN_SCOPES: Record<string, string> = {
  pipeline: "storage.type.pipeline.pipe",
  export: "keyword.control.export.pipe",
  to: "keyword.other.to.pipe",
  require: "keyword.control.require.pipe",
  when: "keyword.control.conditional.pipe",
  otherwise: "keyword.control.conditional.pipe",
  in: "keyword.operator.word.pipe",
  and: "keyword.operator.word.pipe",
  or: "keyword.operator.word.pipe",
  not: "keyword.operator.word.pipe",
  true: "constant.language.boolean.pipe",
  false: "constant.language.boolean.pipe",
};

const FALLBACK_SCOPES: Record<KeywordClass, string> = {
  stage: "storage.type.stage.pipe",
  declaration: "keyword.other.pipe",
  reserved: "keyword.other.pipe",
};

function tokenFor(word: string): TokenType | undefined {
  return T.ALL_TOKENS.find((t) => t.name.toLowerCase() === word);
}

function categoriesOf(token: TokenType | undefined): TokenType[] {
  return ((token as { CATEGORIES?: TokenType[] } | undefined)?.CATEGORIES ?? []) as TokenType[];
}

/**
 * Stage keywords carry the `StageKeyword` category; other keywords that are also Identifiers
 * (`pipeline`, `export`) may be used as keys and names; the rest are reserved words.
 */
export function keywordClass(word: string): KeywordClass {
  const categories = categoriesOf(tokenFor(word));
  if (categories.includes(T.StageKeyword)) return "stage";
  if (categories.includes(T.Identifier)) return "declaration";
  return "reserved";
}

/** The scope a keyword gets from the generic keyword rule. */
export function keywordScope(word: string): string {
  const cls = keywordClass(word);
  if (cls === "stage") return FALLBACK_SCOPES.stage;
  return KNOWN_SCOPES[word] ?? FALLBACK_SCOPES[cls];
}

function escapeRegex(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function alternation(words: string[]): string {
  return [...words]
    .sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
    .map(escapeRegex)
    .join("|");
}

/** Where a name may not continue: the lexer's keyword lookahead. */
const NAME_END = "(?![A-Za-z0-9_]|-[A-Za-z_])";
/**
 * The lexer's Identifier, matched atomically (longest match, like the lexer). No lookbehind:
 * scanning never starts inside a name (names are consumed whole from their first letter), and
 * where the lexer starts a new token right after another (`8GB_x`, `90%in`) so does this.
 */
const IDENT = "(?>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*)";
/** The escapes grammar/strings.ts decodes (`\u{...}` up to U+10FFFF). */
const ESCAPE =
  "\\\\(?:[nrt0\"\\\\']|u\\{(?:[0-9a-fA-F]{1,5}|0[0-9a-fA-F]{5}|10[0-9a-fA-F]{4})\\}|u[0-9a-fA-F]{4})";
/** Number part of a NumberLiteral; the unit suffix (`GB`, `%`, `min`) follows. */
const NUMBER = "-?\\d[\\d_]*(?:\\.\\d+)?(?:[eE][+-]?\\d+)?";

function word(words: string[]): string {
  return `(?:${alternation(words)})${NAME_END}`;
}

/**
 * Jinja-style placeholders (`{{ m.role }}`, `{% if x %}`, `{# note #}`) in prompt and chat
 * templates, on one line; `body` keeps the match inside its string.
 */
function placeholder(body: string, inner: Rule[]): Rule {
  return {
    name: "meta.template.expression.pipe",
    match: `(\\{\\{|\\{%|\\{#)(${body})(\\}\\}|%\\}|#\\})`,
    captures: {
      "1": { name: "punctuation.definition.template-expression.begin.pipe" },
      "2": { patterns: inner },
      "3": { name: "punctuation.definition.template-expression.end.pipe" },
    },
  };
}

/** Builds the grammar object from the lexer's keyword list. */
export function buildPipeGrammar(): PipeGrammar {
  const words = [...T.KEYWORD_WORDS];
  const reserved = words.filter((w) => keywordClass(w) === "reserved");
  const stages = words.filter((w) => keywordClass(w) === "stage");
  /** A name that can be a key, a stage name or a reference part: any non-reserved identifier. */
  const NAME = `(?!(?:${alternation(reserved)})${NAME_END})${IDENT}`;
  const DOTTED = `${NAME}(?:\\s*\\.(?!\\.)\\s*${NAME})*`;
  const callee: Rule = {
    patterns: [
      { match: "\\.", name: "punctuation.accessor.pipe" },
      { match: NAME, name: "support.function.pipe" },
    ],
  };

  const byScope = new Map<string, string[]>();
  for (const w of words) {
    const scope = keywordScope(w);
    byScope.set(scope, [...(byScope.get(scope) ?? []), w]);
  }
  const keywordRules: Rule[] = [...byScope.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([scope, ws]) => ({ match: word(ws), name: scope }));
  const ruleWords = ["when", "otherwise"].filter((w) => words.includes(w));

  const repository: Record<string, Rule> = {
    items: {
      patterns: [
        { include: "#comments" },
        { include: "#strings" },
        { include: "#stage-declaration" },
        { include: "#verdict-rule" },
        { include: "#property" },
        { include: "#section" },
        { include: "#call" },
        { include: "#member" },
        { include: "#keywords" },
        { include: "#numbers" },
        { include: "#operators" },
        { include: "#names" },
        { include: "#punctuation" },
        { include: "#block" },
        { include: "#list" },
        { include: "#parens" },
        { include: "#invalid" },
      ],
    },
    comments: {
      patterns: [
        {
          name: "comment.line.double-slash.pipe",
          match: "(//)[^\\n\\r]*",
          captures: { "1": { name: "punctuation.definition.comment.pipe" } },
        },
        {
          name: "comment.block.pipe",
          begin: "/\\*",
          end: "\\*/",
          beginCaptures: { "0": { name: "punctuation.definition.comment.begin.pipe" } },
          endCaptures: { "0": { name: "punctuation.definition.comment.end.pipe" } },
        },
      ],
    },
    strings: {
      patterns: [
        {
          comment: "Multi-line string (templates): no escapes, dedented by the parser.",
          name: "string.quoted.triple.pipe",
          begin: '"""',
          end: '"""',
          beginCaptures: { "0": { name: "punctuation.definition.string.begin.pipe" } },
          endCaptures: { "0": { name: "punctuation.definition.string.end.pipe" } },
          patterns: [{ include: "#triple-template-placeholder" }],
        },
        {
          comment: "A string ends at its closing quote or, unterminated, at the end of the line.",
          name: "string.quoted.double.pipe",
          begin: '"',
          end: '"|$',
          beginCaptures: { "0": { name: "punctuation.definition.string.begin.pipe" } },
          endCaptures: { "0": { name: "punctuation.definition.string.end.pipe" } },
          patterns: [{ include: "#string-escape" }, { include: "#template-placeholder" }],
        },
      ],
    },
    "string-escape": {
      comment: "The escapes grammar/strings.ts decodes; any other backslash sequence is an error.",
      patterns: [
        {
          name: "constant.character.escape.pipe",
          match: ESCAPE,
        },
        { name: "invalid.illegal.unknown-escape.pipe", match: "\\\\." },
      ],
    },
    // Escapes are consumed whole (atomically) so the placeholder never ends inside one.
    "template-placeholder": placeholder(`(?>${ESCAPE}|\\\\.|[^"\\\\])*?`, [
      { include: "#string-escape" },
    ]),
    "triple-template-placeholder": placeholder('(?:(?!""").)*?', []),
    "stage-declaration": {
      comment: "`dataset sft = alpaca(...)`: kind, stage name, `=`, and what builds the stage.",
      name: "meta.declaration.stage.pipe",
      match: `(${word(stages)})\\s+(${NAME})\\s*(=)(?!=)(?:\\s*(${DOTTED}))?`,
      captures: {
        "1": { name: FALLBACK_SCOPES.stage },
        "2": { name: "entity.name.type.stage.pipe" },
        "3": { name: "keyword.operator.assignment.pipe" },
        "4": callee,
      },
    },
    "verdict-rule": {
      comment: "`FAIL when any(high)` and `PASS otherwise` in a verdict block.",
      name: "meta.rule.pipe",
      match: `(${NAME})\\s+(${word(ruleWords)})`,
      captures: {
        "1": { name: "entity.name.tag.outcome.pipe" },
        "2": { name: keywordScope("when") },
      },
    },
    property: {
      comment:
        "`rank: 16`; a call with a body as the value (`optimizer: adamw { ... }`) names a builtin.",
      name: "meta.property.pipe",
      match: `(${NAME})\\s*(:)(?:\\s*(${DOTTED})(?=\\s*\\{))?`,
      captures: {
        "1": { name: "variable.other.property.pipe" },
        "2": { name: "punctuation.separator.key-value.pipe" },
        "3": callee,
      },
    },
    argument: {
      comment: "A named argument: `distill(teacher: run)`.",
      name: "meta.argument.pipe",
      match: `(${NAME})\\s*(:)(?:\\s*(${DOTTED})(?=\\s*\\{))?`,
      captures: {
        "1": { name: "variable.parameter.pipe" },
        "2": { name: "punctuation.separator.key-value.pipe" },
        "3": callee,
      },
    },
    section: {
      comment: "A named block: `clean {`, `split {`, `verdict {`.",
      match: `${NAME}(?=\\s*\\{)`,
      name: "entity.name.section.pipe",
    },
    call: {
      match: `${NAME}(?=\\s*\\()`,
      name: "support.function.pipe",
    },
    member: {
      comment: "`sft.val`, `output.length`; `..` is the range operator, not two accessors.",
      match: `(?<!\\.)(\\.)(?!\\.)\\s*(?:(${NAME})(?=\\s*\\()|(${NAME}))`,
      captures: {
        "1": { name: "punctuation.accessor.pipe" },
        "2": { name: "support.function.pipe" },
        "3": { name: "variable.other.member.pipe" },
      },
    },
    keywords: {
      comment: "Generated from KEYWORD_WORDS in grammar/tokens.ts.",
      patterns: keywordRules,
    },
    numbers: {
      comment: "`42`, `-1`, `0.5`, `2e-4`, `8GB`, `90%`, `30min`.",
      match: `(${NUMBER})(?:(%)|([A-Za-z]+))?`,
      captures: {
        "1": { name: "constant.numeric.pipe" },
        "2": { name: "keyword.other.unit.percent.pipe" },
        "3": { name: "keyword.other.unit.pipe" },
      },
    },
    operators: {
      patterns: [
        { match: "\\.\\.", name: "keyword.operator.range.pipe" },
        { match: ">=|<=|==|!=|>|<", name: "keyword.operator.comparison.pipe" },
        { match: "=", name: "keyword.operator.assignment.pipe" },
      ],
    },
    names: {
      match: NAME,
      name: "variable.other.pipe",
    },
    punctuation: {
      patterns: [
        { match: ":", name: "punctuation.separator.key-value.pipe" },
        { match: ",", name: "punctuation.separator.comma.pipe" },
        { match: ";", name: "punctuation.terminator.pipe" },
        { match: "\\.", name: "punctuation.accessor.pipe" },
      ],
    },
    block: {
      name: "meta.block.pipe",
      begin: "\\{",
      end: "\\}",
      beginCaptures: { "0": { name: "punctuation.section.block.begin.pipe" } },
      endCaptures: { "0": { name: "punctuation.section.block.end.pipe" } },
      patterns: [{ include: "#items" }],
    },
    list: {
      name: "meta.list.pipe",
      begin: "\\[",
      end: "\\]",
      beginCaptures: { "0": { name: "punctuation.section.brackets.begin.pipe" } },
      endCaptures: { "0": { name: "punctuation.section.brackets.end.pipe" } },
      patterns: [{ include: "#items" }],
    },
    parens: {
      name: "meta.parens.pipe",
      begin: "\\(",
      end: "\\)",
      beginCaptures: { "0": { name: "punctuation.section.parens.begin.pipe" } },
      endCaptures: { "0": { name: "punctuation.section.parens.end.pipe" } },
      patterns: [{ include: "#argument" }, { include: "#items" }],
    },
    invalid: {
      comment: "Anything the lexer would reject (it skips only these whitespace characters).",
      match: "[^ \\t\\r\\n\\x{00A0}\\x{FEFF}]",
      name: "invalid.illegal.character.pipe",
    },
  };

  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "Pipewright",
    scopeName: SCOPE_NAME,
    fileTypes: ["pipe"],
    comment:
      "GENERATED by editors/textmate/generate.ts from grammar/tokens.ts; edit editors/textmate/pipe-grammar.ts, then run `npx tsx editors/textmate/generate.ts`.",
    patterns: [{ include: "#items" }],
    repository,
  };
}

/** The grammar as the JSON text that is committed. */
export function renderPipeGrammar(): string {
  return `${JSON.stringify(buildPipeGrammar(), null, 2)}\n`;
}
