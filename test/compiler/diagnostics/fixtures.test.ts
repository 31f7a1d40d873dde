/**
 * Diagnostic fixtures: `test/fixtures/diagnostics/<area>/<CODE>-*.pipe`, each with its rendered
 * output baseline next to it (`.expected`; regenerate with UPDATE_EXPECT=1 and review). Each
 * fixture must produce its code. Real-world checks against files use fixtures under
 * test/fixtures/models etc. and their own tests.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import { parse } from "../../../grammar/parse.js";
import { renderDiagnostic } from "../../../compiler/diagnostics/render.js";
import { SYNTAX_CODES } from "../../../compiler/diagnostics/codes/syntax.js";
import { SEMANTIC_CODES } from "../../../compiler/diagnostics/codes/semantic.js";
import { LineIndex } from "../../../compiler/diagnostics/source-map.js";
import { expectMatchesFile } from "../../support/expect-file.js";

const root = join(import.meta.dirname, "../../fixtures/diagnostics");
const areas = [
  { area: "syntax", codes: SYNTAX_CODES },
  { area: "semantic", codes: SEMANTIC_CODES },
];

for (const { area, codes } of areas) {
  const dir = join(root, area);
  const fixtures = readdirSync(dir)
    .filter((f) => f.endsWith(".pipe"))
    .sort();
  describe(`${area} diagnostics`, () => {
    it.each(fixtures)("%s", async (name) => {
      const text = readFileSync(join(dir, name), "utf8");
      const file = `fixtures/${name}`;
      // Syntax fixtures isolate the parser; the others run the whole check without lints and
      // real-world checks (those have their own fixtures: test/compiler/world-checks).
      const { diagnostics } =
        area === "syntax"
          ? parse(text, file)
          : await checkSource(text, file, { cwd: dir, lints: false, world: false });
      const rendered = diagnostics.map((d) => renderDiagnostic(d, () => text)).join("\n\n") + "\n";
      expectMatchesFile(rendered, join(dir, name.replace(/\.pipe$/, ".expected")));
      const code = /^(PW\d{4})-/.exec(name)?.[1];
      if (code) expect(diagnostics.map((d) => d.code)).toContain(code);
    });

    it(`has a fixture for every ${area} code`, () => {
      for (const { code } of codes) {
        expect(
          fixtures.some((f) => f.startsWith(`${code}-`)),
          `fixture for ${code}`,
        ).toBe(true);
      }
    });
  });
}

describe("recovery", () => {
  it("reports all three independent syntax errors with their line:col", () => {
    const text = readFileSync(join(root, "syntax/three-independent-errors.pipe"), "utf8");
    const { diagnostics } = parse(text, "three.pipe");
    const index = new LineIndex(text);
    const positions = diagnostics.map((d) => {
      const p = index.position(d.span.start);
      return `${d.code}@${p.line}:${p.column}`;
    });
    expect(positions).toEqual(["PW1011@3:3", "PW1014@8:28", "PW1011@13:20"]);
  });
});
