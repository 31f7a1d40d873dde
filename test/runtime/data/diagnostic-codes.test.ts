/**
 * Every PW6xxx code (compiler/diagnostics/codes/data.ts) is produced and checked by at least one
 * test in test/runtime/data, test/runtime/tokenizer or test/cli; codes are unique and in range.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATA_CODES } from "../../../compiler/diagnostics/codes/data.js";

function testSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "fixtures" ? [] : testSources(p);
    return name.endsWith(".test.ts") && name !== "diagnostic-codes.test.ts"
      ? [readFileSync(p, "utf8")]
      : [];
  });
}

describe("PW6xxx diagnostic codes", () => {
  const here = fileURLToPath(new URL(".", import.meta.url));
  // PW66xx (evaluation inputs) are produced by `pipe eval`, tested in test/cli.
  const sources = [
    ...testSources(here),
    ...testSources(join(here, "../tokenizer")),
    ...testSources(join(here, "../../cli")),
  ].join("\n");

  it("are unique, in the PW6 range, with kebab-case names", () => {
    const codes = DATA_CODES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of DATA_CODES) {
      expect(c.code).toMatch(/^PW6\d{3}$/);
      expect(c.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it.each(DATA_CODES.map((c) => [c.code, c.name]))("%s (%s) has a test", (code) => {
    expect(sources).toContain(`"${code}"`);
  });
});
