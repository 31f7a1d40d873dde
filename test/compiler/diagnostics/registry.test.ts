/**
 * The diagnostic catalogue: codes and names are unique and well-formed, and every code is
 * exercised by at least one test or fixture (a code nobody tests is a code nobody checked).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_DIAGNOSTICS } from "../../../compiler/diagnostics/registry.js";

const testRoot = join(import.meta.dirname, "../..");

function allTestText(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) text += allTestText(path);
    else if (/\.(ts|pipe|expected|json)$/.test(entry) && statSync(path).size < 2_000_000)
      text += readFileSync(path, "utf8") + "\n" + entry + "\n";
  }
  return text;
}

describe("diagnostic registry", () => {
  it("has unique, well-formed codes and names", () => {
    const codes = new Set<string>();
    const names = new Set<string>();
    for (const entry of ALL_DIAGNOSTICS) {
      expect(entry.code).toMatch(/^PW[1-8]\d{3}$/);
      expect(entry.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(codes.has(entry.code), `duplicate code ${entry.code}`).toBe(false);
      expect(names.has(entry.name), `duplicate name ${entry.name}`).toBe(false);
      codes.add(entry.code);
      names.add(entry.name);
      expect(entry.summary.length).toBeGreaterThan(10);
    }
  });

  it("puts lints, and only lints, in the PW5xxx range", () => {
    for (const entry of ALL_DIAGNOSTICS)
      expect(Boolean(entry.lint), entry.code).toBe(entry.code.startsWith("PW5"));
  });

  it("has a test or fixture for every code", () => {
    const text = allTestText(testRoot);
    const untested = ALL_DIAGNOSTICS.filter((e) => !text.includes(e.code)).map((e) => e.code);
    expect(untested).toEqual([]);
  });
});
