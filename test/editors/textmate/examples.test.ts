/**
 * Whole files: the fixture with every construct, every shipped example and every valid code
 * block of docs/language.md tokenize without an `invalid` scope, and agree character by
 * character with the lexer on what is a comment, string, number, keyword, name or operator.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../../grammar/parse.js";
import { disagreements } from "./agreement.js";
import { ROOT, dump, hasScope, tokenize } from "./tokenize.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/all-constructs.pipe");
const EXAMPLES = join(ROOT, "examples");
const LANGUAGE_DOC = join(ROOT, "docs/language.md");

function examples(): [string, string][] {
  if (!existsSync(EXAMPLES)) return [];
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".pipe"))
    .sort()
    .map((f) => [`examples/${f}`, readFileSync(join(EXAMPLES, f), "utf8")]);
}

/** ```pipe blocks of the language reference that parse cleanly (error demos are skipped). */
function docBlocks(): [string, string][] {
  if (!existsSync(LANGUAGE_DOC)) return [];
  const md = readFileSync(LANGUAGE_DOC, "utf8");
  return [...md.matchAll(/```pipe\r?\n([\s\S]*?)```/g)]
    .map((m, i): [string, string] => [`docs/language.md block ${i + 1}`, m[1]])
    .filter(([, text]) => !parse(text).diagnostics.some((d) => d.severity === "error"));
}

async function expectClean(name: string, text: string): Promise<void> {
  const tokens = await tokenize(text);
  const invalid = tokens.filter((t) => t.scopes.some((s) => s.startsWith("invalid")));
  expect(invalid, `${name}: invalid scopes\n${dump(invalid)}`).toEqual([]);
  expect(await disagreements(text), name).toEqual([]);
}

describe("the all-constructs fixture", () => {
  const text = readFileSync(FIXTURE, "utf8");

  it("is a valid program", () => {
    expect(parse(text, FIXTURE).diagnostics).toEqual([]);
  });

  it("tokenizes without invalid scopes and agrees with the lexer", () =>
    expectClean("fixture", text));

  it("uses every scope family the grammar defines", async () => {
    const tokens = await tokenize(text);
    const seen = new Set(tokens.flatMap((t) => t.scopes));
    const families = [
      "comment.line.double-slash.pipe",
      "comment.block.pipe",
      "string.quoted.double.pipe",
      "string.quoted.triple.pipe",
      "constant.character.escape.pipe",
      "meta.template.expression.pipe",
      "constant.numeric.pipe",
      "keyword.other.unit.pipe",
      "keyword.other.unit.percent.pipe",
      "keyword.operator.range.pipe",
      "keyword.operator.comparison.pipe",
      "keyword.operator.assignment.pipe",
      "keyword.operator.word.pipe",
      "keyword.control.require.pipe",
      "keyword.control.conditional.pipe",
      "keyword.control.export.pipe",
      "keyword.other.to.pipe",
      "storage.type.pipeline.pipe",
      "storage.type.stage.pipe",
      "constant.language.boolean.pipe",
      "entity.name.type.stage.pipe",
      "entity.name.section.pipe",
      "entity.name.tag.outcome.pipe",
      "support.function.pipe",
      "variable.other.property.pipe",
      "variable.parameter.pipe",
      "variable.other.member.pipe",
      "variable.other.pipe",
      "punctuation.accessor.pipe",
      "punctuation.separator.comma.pipe",
      "punctuation.terminator.pipe",
      "punctuation.section.brackets.begin.pipe",
    ];
    expect(families.filter((f) => !seen.has(f))).toEqual([]);
    expect(tokens.some((t) => hasScope(t.scopes, "invalid"))).toBe(false);
  });
});

describe("shipped examples", () => {
  const files = examples();
  it("exist", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it.each(files)("%s tokenizes without invalid scopes and agrees with the lexer", (name, text) =>
    expectClean(name, text),
  );
});

describe("language reference code blocks", () => {
  const blocks = docBlocks();
  // vitest cannot run an empty `each`; an empty docs/language.md cannot hide here, because
  // test/docs/language-docs.test.ts fails when it has fewer than 20 code blocks.
  it.skipIf(blocks.length === 0).each(blocks)("%s tokenizes cleanly", (name, text) =>
    expectClean(name, text),
  );
});
