/**
 * The grammar stays in sync with the lexer: the committed JSON is what the generator builds
 * from grammar/tokens.ts, and every keyword the lexer knows gets a keyword scope. Adding a
 * keyword to the lexer without regenerating the grammar fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TokenType } from "chevrotain";
import * as T from "../../../grammar/tokens.js";
import { PipeLexer } from "../../../grammar/lexer.js";
import {
  buildPipeGrammar,
  keywordClass,
  renderPipeGrammar,
} from "../../../editors/textmate/pipe-grammar.js";
import {
  GRAMMAR_PATH,
  VSCODE_GRAMMAR_PATH,
  dump,
  hasScope,
  scopesOf,
  tokenize,
} from "./tokenize.js";

/** A keyword scope: what themes colour as a keyword (booleans are language constants). */
const KEYWORD_SCOPE = /^(keyword|storage\.type|constant\.language)\./;

/**
 * Keywords read off the lexer's token definitions directly (a keyword token is one with an
 * Identifier `longer_alt` and a word pattern), in case a token is added without
 * `KEYWORD_WORDS` being updated.
 */
function keywordsFromTokens(): string[] {
  return T.ALL_TOKENS.filter((t) => (t as { LONGER_ALT?: unknown }).LONGER_ALT !== undefined)
    .map((t: TokenType) => /^([a-z]+)\(\?!/.exec((t.PATTERN as RegExp).source)?.[1])
    .filter((w): w is string => w !== undefined);
}

const ALL_WORDS = [...new Set([...T.KEYWORD_WORDS, ...keywordsFromTokens()])].sort();

describe("grammar is generated from the lexer", () => {
  it("committed grammar files equal the generator output", () => {
    const built = buildPipeGrammar();
    for (const path of [GRAMMAR_PATH, VSCODE_GRAMMAR_PATH]) {
      const committed = JSON.parse(readFileSync(path, "utf8"));
      expect(committed, `${path} is stale: run \`npx tsx editors/textmate/generate.ts\``).toEqual(
        built,
      );
    }
    expect(JSON.parse(renderPipeGrammar())).toEqual(built);
    expect(built.scopeName).toBe("source.pipe");
  });

  it("finds the lexer's keywords from two sources that agree", () => {
    expect(ALL_WORDS.length).toBeGreaterThanOrEqual(21);
    expect(keywordsFromTokens().sort()).toEqual([...T.KEYWORD_WORDS].sort());
  });

  it("every word lexes as a keyword token, not an Identifier", () => {
    for (const word of ALL_WORDS) {
      const { tokens, errors } = PipeLexer.tokenize(word);
      expect(errors).toEqual([]);
      expect(
        tokens.map((t) => t.tokenType.name),
        word,
      ).not.toEqual(["Identifier"]);
    }
  });
});

describe("every keyword of the lexer gets a keyword scope", () => {
  it.each(ALL_WORDS)("`%s` alone on a line", async (word) => {
    const tokens = await tokenize(word);
    expect(tokens, dump(tokens)).toHaveLength(1);
    const scope = tokens[0].scopes[tokens[0].scopes.length - 1];
    expect(scope, dump(tokens)).toMatch(KEYWORD_SCOPE);
  });

  it.each(ALL_WORDS)("`%s` inside an expression in a block", async (word) => {
    const line = `x { require a ${word} b }`;
    const tokens = await tokenize(line);
    const covering = scopesOf(tokens, line, ` ${word} `).filter((s) => s.length > 0);
    const hit = tokens.find((t) => t.text === word);
    expect(hit, dump(tokens)).toBeDefined();
    expect(hit!.scopes[hit!.scopes.length - 1], dump(tokens)).toMatch(KEYWORD_SCOPE);
    expect(covering).toHaveLength(3);
  });

  it("the check is discriminating: a word the lexer does not know is not a keyword", async () => {
    for (const word of [
      "foobar",
      "input",
      "notes",
      "training",
      "order",
      "tokens",
      "in-domain",
      "dataset_path",
    ]) {
      const tokens = await tokenize(word);
      expect(tokens, dump(tokens)).toHaveLength(1);
      expect(tokens[0].scopes[tokens[0].scopes.length - 1], word).toBe("variable.other.pipe");
    }
  });
});

describe("keywords in their own places", () => {
  const stageWords = ALL_WORDS.filter((w) => keywordClass(w) === "stage");

  it("classifies stage keywords by the lexer's StageKeyword category", () => {
    expect(stageWords).toEqual(
      [
        "adapter",
        "dataset",
        "detect",
        "distill",
        "evaluate",
        "generate",
        "inspect",
        "model",
        "train",
      ].filter((w) => ALL_WORDS.includes(w)),
    );
  });

  it.each(stageWords)("`%s` declares a stage: kind, name and source", async (word) => {
    const line = `${word} my-stage = builder("x") { k: 1 }`;
    const tokens = await tokenize(line);
    const msg = dump(tokens);
    expect(scopesOf(tokens, line, word)[0], msg).toContain("storage.type.stage.pipe");
    expect(scopesOf(tokens, line, "my-stage"), msg).toHaveLength(1);
    expect(scopesOf(tokens, line, "my-stage")[0], msg).toContain("entity.name.type.stage.pipe");
    expect(scopesOf(tokens, line, "=")[0], msg).toContain("keyword.operator.assignment.pipe");
    expect(scopesOf(tokens, line, "builder")[0], msg).toContain("support.function.pipe");
  });

  const cases: [string, string, string][] = [
    ['pipeline "x" { seed: 42 }', "pipeline", "storage.type.pipeline.pipe"],
    ['export run to "out/adapter" { merged: true }', "export", "keyword.control.export.pipe"],
    ['export run to "out/adapter" { merged: true }', "to", "keyword.other.to.pipe"],
    ['export run to "out/adapter" { merged: true }', "true", "constant.language.boolean.pipe"],
    ["x { require rouge1 >= 0.3 }", "require", "keyword.control.require.pipe"],
    ["verdict { FAIL when any(high) }", "when", "keyword.control.conditional.pipe"],
    ["verdict { PASS otherwise }", "otherwise", "keyword.control.conditional.pipe"],
    ["x { require output.length in 10..10000 }", "in", "keyword.operator.word.pipe"],
    ["x { require a and b }", "and", "keyword.operator.word.pipe"],
    ["x { require a or b }", "or", "keyword.operator.word.pipe"],
    ["x { require not (a or b) }", "not", "keyword.operator.word.pipe"],
    ["x { shuffle: false }", "false", "constant.language.boolean.pipe"],
  ];
  it.each(cases)("%s: `%s` is %s", async (line, word, scope) => {
    const tokens = await tokenize(line);
    const covering = scopesOf(tokens, line, word);
    expect(covering, dump(tokens)).toHaveLength(1);
    expect(covering[0], dump(tokens)).toContain(scope);
  });

  it("covers every reserved and declaration keyword with a placed case", () => {
    const placed = new Set(cases.map(([, w]) => w));
    for (const w of ALL_WORDS.filter((x) => keywordClass(x) !== "stage")) {
      expect(placed.has(w), `add a placed case for \`${w}\``).toBe(true);
    }
  });

  it("identifier-like keywords used as keys, members, block names and callees are not keywords", async () => {
    const line = "x { train: 90%, model: base.train  detect { inspect: generate(dataset) } }";
    const tokens = await tokenize(line);
    const msg = dump(tokens);
    expect(scopesOf(tokens, line, "train")[0], msg).toContain("variable.other.property.pipe");
    expect(scopesOf(tokens, line, "model")[0], msg).toContain("variable.other.property.pipe");
    expect(scopesOf(tokens, line, "train", 1)[0], msg).toContain("variable.other.member.pipe");
    expect(scopesOf(tokens, line, "detect")[0], msg).toContain("entity.name.section.pipe");
    expect(scopesOf(tokens, line, "inspect")[0], msg).toContain("variable.other.property.pipe");
    expect(scopesOf(tokens, line, "generate")[0], msg).toContain("support.function.pipe");
    for (const w of ["train", "model", "detect", "inspect", "generate"]) {
      expect(hasScope(scopesOf(tokens, line, w)[0], "storage.type"), w).toBe(false);
    }
  });
});
