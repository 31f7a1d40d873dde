/**
 * Lints run on whatever the analysis could resolve, including pipelines with semantic errors.
 * Deleting one line of an example or a lint fixture (every third line, to keep the test quick)
 * leaves a damaged pipeline; checking it must never throw, and every lint diagnostic must carry its name and a span in the file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import { exampleFiles } from "../../support/examples.js";

const lintDir = join(import.meta.dirname, "../../fixtures/diagnostics/lints");
const sources = [
  ...exampleFiles().map((e) => ({ name: e.name, text: e.text })),
  ...readdirSync(lintDir)
    .filter((f) => f.endsWith(".pipe"))
    .map((f) => ({ name: f, text: readFileSync(join(lintDir, f), "utf8") })),
];

describe("lints on damaged pipelines", () => {
  it.each(sources.map((s) => [s.name, s.text] as const))(
    "%s with one line removed",
    async (_name, text) => {
      const lines = text.split("\n");
      for (let i = 0; i < lines.length; i += 3) {
        if (lines[i].trim() === "") continue;
        const damaged = [...lines.slice(0, i), ...lines.slice(i + 1)].join("\n");
        const { diagnostics } = await checkSource(damaged, "d.pipe", { world: false });
        for (const d of diagnostics.filter((d) => d.code.startsWith("PW5"))) {
          expect(d.lint, `line ${i + 1}: ${d.message}`).toBeTruthy();
          expect(d.span.end).toBeLessThanOrEqual(damaged.length);
          expect(d.span.start).toBeLessThanOrEqual(d.span.end);
        }
      }
    },
  );
});
