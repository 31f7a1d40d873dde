/**
 * Every syntax diagnostic has a fixture: `test/fixtures/diagnostics/syntax/<CODE>-*.pipe`, with
 * its rendered output baseline next to it (`.expected`; regenerate with UPDATE_EXPECT=1).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { renderDiagnostic } from "../../compiler/diagnostics/render.js";
import { SYNTAX_CODES } from "../../compiler/diagnostics/codes/syntax.js";
import { LineIndex } from "../../compiler/diagnostics/source-map.js";
import { expectMatchesFile } from "../support/expect-file.js";

const dir = join(import.meta.dirname, "../fixtures/diagnostics/syntax");
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".pipe"))
  .sort();

function render(file: string, text: string): string {
  const { diagnostics } = parse(text, file);
  return diagnostics.map((d) => renderDiagnostic(d, () => text)).join("\n\n") + "\n";
}

describe("syntax diagnostics fixtures", () => {
  it.each(fixtures)("%s", (name) => {
    const text = readFileSync(join(dir, name), "utf8");
    const rendered = render(`fixtures/${name}`, text);
    expectMatchesFile(rendered, join(dir, name.replace(/\.pipe$/, ".expected")));
    const code = /^(PW\d{4})-/.exec(name)?.[1];
    if (code) {
      const { diagnostics } = parse(text, name);
      expect(diagnostics.map((d) => d.code)).toContain(code);
    }
  });

  it("has a fixture for every syntax code", () => {
    for (const { code } of SYNTAX_CODES) {
      expect(
        fixtures.some((f) => f.startsWith(`${code}-`)),
        `fixture for ${code}`,
      ).toBe(true);
    }
  });

  it("reports all three independent errors with their line:col", () => {
    const text = readFileSync(join(dir, "three-independent-errors.pipe"), "utf8");
    const { diagnostics } = parse(text, "three.pipe");
    const index = new LineIndex(text);
    const positions = diagnostics.map((d) => {
      const p = index.position(d.span.start);
      return `${d.code}@${p.line}:${p.column}`;
    });
    expect(positions).toEqual(["PW1011@3:3", "PW1014@8:28", "PW1011@13:20"]);
  });
});
