/**
 * The VS Code extension manifest: the `pipe` language for `.pipe` files, its grammar (the
 * generated copy), and a language configuration whose comments, brackets and word pattern
 * match the lexer.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as T from "../../../grammar/tokens.js";
import { PipeLexer } from "../../../grammar/lexer.js";
import { buildPipeGrammar } from "../../../editors/textmate/pipe-grammar.js";

const EXT = join(import.meta.dirname, "../../../editors/vscode");
const readJson = (rel: string) => JSON.parse(readFileSync(join(EXT, rel), "utf8"));

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  engines: { vscode: string };
  main?: string;
  contributes: {
    languages: { id: string; extensions: string[]; aliases: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
  };
}

const manifest = readJson("package.json") as Manifest;

describe("editors/vscode/package.json", () => {
  it("has what VS Code requires of an extension manifest", () => {
    expect(manifest.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(manifest.publisher).toBeTruthy();
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.engines.vscode).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(manifest.main, "declarative: no extension code").toBeUndefined();
  });

  it("contributes the pipe language for .pipe files", () => {
    const [lang] = manifest.contributes.languages;
    expect(manifest.contributes.languages).toHaveLength(1);
    expect(lang.id).toBe("pipe");
    expect(lang.extensions).toEqual([".pipe"]);
    expect(lang.aliases).toContain("Pipewright");
    expect(existsSync(join(EXT, lang.configuration))).toBe(true);
  });

  it("contributes the generated source.pipe grammar for that language", () => {
    const [grammar] = manifest.contributes.grammars;
    expect(grammar.language).toBe("pipe");
    expect(grammar.scopeName).toBe("source.pipe");
    expect(grammar.path.startsWith("./"), "shipped from inside the extension folder").toBe(true);
    expect(readJson(grammar.path)).toEqual(buildPipeGrammar());
  });

  it("has a README", () => {
    expect(readFileSync(join(EXT, "README.md"), "utf8")).toContain("source.pipe");
  });
});

describe("editors/vscode/language-configuration.json", () => {
  const config = readJson("language-configuration.json");

  it("declares the lexer's comment syntax", () => {
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    const lexed = PipeLexer.tokenize(
      `${config.comments.lineComment} x\n${config.comments.blockComment.join(" y ")}`,
    );
    expect(lexed.groups.comments.map((t) => t.tokenType)).toEqual([T.LineComment, T.BlockComment]);
  });

  it("pairs the lexer's brackets and quotes", () => {
    const pairs = [
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ];
    expect(config.brackets).toEqual(pairs);
    const closing = config.autoClosingPairs.map((p: { open: string; close: string }) => [
      p.open,
      p.close,
    ]);
    for (const pair of [...pairs, ['"', '"']]) expect(closing).toContainEqual(pair);
    for (const pair of [...pairs, ['"', '"']]) expect(config.surroundingPairs).toContainEqual(pair);
    expect(config.autoClosingPairs.find((p: { open: string }) => p.open === '"').notIn).toContain(
      "string",
    );
  });

  it("has folding markers and indentation rules that compile", () => {
    const start = new RegExp(config.folding.markers.start);
    const end = new RegExp(config.folding.markers.end);
    expect(start.test("  // region data")).toBe(true);
    expect(end.test("  // endregion")).toBe(true);
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    expect(increase.test('dataset sft = alpaca("a.jsonl") {')).toBe(true);
    expect(increase.test("  targets: [")).toBe(true);
    expect(increase.test("  split { train: 90%, val: 10% }")).toBe(false);
    expect(increase.test("  // a comment with {")).toBe(false);
    expect(decrease.test("  }")).toBe(true);
    expect(decrease.test("  ]")).toBe(true);
  });

  it("selects whole names and numbers with units, as the lexer reads them", () => {
    const word = new RegExp(`^(?:${config.wordPattern})$`);
    for (const w of [
      "lora-alpha-scale",
      "rouge1",
      "q_proj",
      "8GB",
      "90%",
      "2e-4",
      "30min",
      "1_000",
      "-1",
    ]) {
      expect(word.test(w), w).toBe(true);
      const tokens = PipeLexer.tokenize(w).tokens;
      expect(tokens, w).toHaveLength(1);
    }
  });
});
