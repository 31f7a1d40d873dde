/** Checking `.pipe` text against files written to a fresh temporary folder. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkSource, type CheckOptions, type CheckResult } from "../../../compiler/check.js";

export const MODELS = join(import.meta.dirname, "../../fixtures/models");
export const DATA = join(import.meta.dirname, "../../fixtures/data");

/** Writes `files` (path → text) into a new folder and checks `text` there (lints off). */
export async function checkWith(
  text: string,
  files: Record<string, string> = {},
  options: CheckOptions = {},
): Promise<CheckResult & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "pw-world-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const result = await checkSource(text, join(dir, "test.pipe"), {
    lints: false,
    ...options,
    cwd: dir,
  });
  return { ...result, dir };
}

export const codes = (r: CheckResult): string[] => r.diagnostics.map((d) => d.code);

/** A string literal for a path in `.pipe` text. */
export const q = (p: string): string => JSON.stringify(p);
