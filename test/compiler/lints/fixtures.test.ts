/**
 * Lint fixtures: `test/fixtures/diagnostics/lints/<CODE>-<name>*.pipe`, each with its rendered
 * baseline next to it (`.expected`; regenerate with UPDATE_EXPECT=1 and review). Each fixture
 * must produce its code, may hold no errors (lints are about valid pipelines), and every lint
 * has a fixture. Real-world checks are off so the baselines show the lints alone.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import { renderDiagnostic } from "../../../compiler/diagnostics/render.js";
import { LINT_CODES } from "../../../compiler/diagnostics/codes/lints.js";
import { ALL_DIAGNOSTICS } from "../../../compiler/diagnostics/registry.js";
import { LINT_RULES } from "../../../compiler/lints/index.js";
import { expectMatchesFile } from "../../support/expect-file.js";

const dir = join(import.meta.dirname, "../../fixtures/diagnostics/lints");
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".pipe"))
  .sort();

describe("lint fixtures", () => {
  it.each(fixtures)("%s", async (name) => {
    const text = readFileSync(join(dir, name), "utf8");
    const { diagnostics } = await checkSource(text, `fixtures/${name}`, { cwd: dir, world: false });
    const rendered = diagnostics.map((d) => renderDiagnostic(d, () => text)).join("\n\n") + "\n";
    expectMatchesFile(rendered, join(dir, name.replace(/\.pipe$/, ".expected")));
    const code = /^(PW5\d{3})-/.exec(name)?.[1];
    expect(code, "fixture names start with their lint code").toBeDefined();
    expect(diagnostics.map((d) => d.code)).toContain(code);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    for (const d of diagnostics.filter((d) => d.code.startsWith("PW5"))) {
      expect(d.lint).toBe(LINT_CODES.find((e) => e.code === d.code)?.name);
    }
  });

  it("has a fixture for every lint", () => {
    for (const { code, name } of LINT_CODES) {
      expect(
        fixtures.some((f) => f.startsWith(`${code}-${name}`)),
        `fixture ${code}-${name}.pipe`,
      ).toBe(true);
    }
  });
});

describe("lint registry", () => {
  it("has one rule per lint code, with the registry's name", () => {
    expect(LINT_RULES.map((r) => r.code)).toEqual(LINT_CODES.map((e) => e.code));
    for (const rule of LINT_RULES) {
      const entry = ALL_DIAGNOSTICS.find((e) => e.code === rule.code);
      expect(entry?.lint, rule.code).toBe(true);
      expect(entry?.name).toBe(rule.name);
    }
  });

  it("documents every lint in docs/lints.md with its code, name and default", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../../docs/lints.md"), "utf8");
    for (const { code, name, severity } of LINT_CODES) {
      const heading = new RegExp(`^## \`${name}\` \\(${code}, ${severity}\\)$`, "m");
      expect(doc, `docs/lints.md heading for ${name}`).toMatch(heading);
    }
  });
});
