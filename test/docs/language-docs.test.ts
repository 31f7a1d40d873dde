/** Every ```pipe code block in docs/language.md parses without a diagnostic. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { KEYWORD_WORDS } from "../../grammar/tokens.js";
import { STAGE_KINDS } from "../../grammar/ast.js";

const doc = readFileSync(join(import.meta.dirname, "../../docs/language.md"), "utf8");
const blocks = [...doc.matchAll(/```pipe\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("docs/language.md", () => {
  it("has code blocks", () => {
    expect(blocks.length).toBeGreaterThan(20);
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))("block %i parses", (_i, block) => {
    const { diagnostics } = parse(block, "docs/language.md");
    expect(diagnostics).toEqual([]);
  });

  it("documents every keyword and stage kind", () => {
    const keywordsParagraph = doc.slice(doc.lastIndexOf("Keywords:"));
    for (const word of KEYWORD_WORDS)
      expect(keywordsParagraph, word).toMatch(new RegExp(`[\\s\`]${word}[\\s\`]`));
    for (const kind of STAGE_KINDS) expect(doc).toContain(`## ${kind}`);
  });
});
