/**
 * Real-world diagnostic fixtures: `test/fixtures/diagnostics/world/<CODE>-*.pipe` point at the
 * model directories in test/fixtures/models and the data files in test/fixtures/data; each has
 * its rendered output next to it (`.expected`; regenerate with UPDATE_EXPECT=1 and review).
 * Each `PWxxxx-` fixture must produce its code; `ok-*` fixtures must produce nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource, type CheckOptions } from "../../../compiler/check.js";
import { renderDiagnostic } from "../../../compiler/diagnostics/render.js";
import { MEMORY_CODES } from "../../../compiler/diagnostics/codes/memory.js";
import { WORLD_CODES } from "../../../compiler/diagnostics/codes/world.js";
import { expectMatchesFile } from "../../support/expect-file.js";

const dir = join(import.meta.dirname, "../../fixtures/diagnostics/world");
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".pipe"))
  .sort();

/** PW4002 needs a real adapter's limits; the test stands in for one. */
function optionsFor(name: string): CheckOptions {
  const base: CheckOptions = { cwd: dir, lints: false };
  if (name.startsWith("PW4002-")) {
    return {
      ...base,
      deviceLimits: { maxBufferSize: 268_435_456, maxStorageBufferBindingSize: 134_217_728 },
      adapterName: "test adapter",
    };
  }
  return base;
}

describe("real-world diagnostics", () => {
  it.each(fixtures)("%s", async (name) => {
    const text = readFileSync(join(dir, name), "utf8");
    const file = `fixtures/${name}`;
    const { diagnostics } = await checkSource(text, file, optionsFor(name));
    const rendered = diagnostics.map((d) => renderDiagnostic(d, () => text)).join("\n\n") + "\n";
    expectMatchesFile(rendered, join(dir, name.replace(/\.pipe$/, ".expected")));
    const code = /^(PW\d{4})-/.exec(name)?.[1];
    if (code) expect(diagnostics.map((d) => d.code)).toContain(code);
    if (name.startsWith("ok-")) expect(diagnostics).toEqual([]);
  });

  it("has a fixture for every dataset, detection and memory code", () => {
    const mine = [...WORLD_CODES.filter((c) => /^PW3[12]/.test(c.code)), ...MEMORY_CODES].map(
      (c) => c.code,
    );
    const missing = mine.filter((code) => !fixtures.some((f) => f.startsWith(`${code}-`)));
    expect(missing).toEqual([]);
  });
});
