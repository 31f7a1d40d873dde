import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { settingsReferenceMarkdown } from "../../../compiler/settings/describe.js";
import { SOURCES } from "../../../compiler/settings/catalogue.js";

describe("docs/settings.md", () => {
  const doc = readFileSync(join(import.meta.dirname, "../../../docs/settings.md"), "utf8");
  it("is generated from the catalogue (run scripts/write-settings-doc.ts)", () => {
    expect(doc).toBe(settingsReferenceMarkdown());
  });
  it("documents every stage source", () => {
    for (const s of SOURCES) expect(doc).toContain(`${s.stageKind} <name> = ${s.name}`);
  });
});
