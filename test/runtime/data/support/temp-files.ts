/** Temporary files for data-reader tests. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

export function tempDir(): {
  path(name: string): string;
  write(name: string, text: string | Uint8Array): string;
} {
  const dir = mkdtempSync(join(tmpdir(), "pw-data-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    path: (name) => join(dir, name),
    write: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}
