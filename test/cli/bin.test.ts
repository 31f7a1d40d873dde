/** The real executable: colours only on a TTY or with FORCE_COLOR, NO_COLOR honoured. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "../../bin/pipe.js");
const bad = join(import.meta.dirname, "../fixtures/diagnostics/syntax/PW1011-missing-token.pipe");

function pipe(args: string[], env: Record<string, string | undefined>) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  });
  return { code: r.status, err: r.stderr, out: r.stdout };
}

describe("bin/pipe.js", () => {
  it("prints plain text when not on a terminal", () => {
    const r = pipe(["check", bad], {});
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW1011]");
    expect(r.err).not.toContain("\x1b[");
  });

  it("colours with FORCE_COLOR, and NO_COLOR wins", () => {
    expect(pipe(["check", bad], { FORCE_COLOR: "1" }).err).toContain("\x1b[1;31m");
    expect(pipe(["check", bad], { FORCE_COLOR: "1", NO_COLOR: "1" }).err).not.toContain("\x1b[");
  });
});

describe("bin/pipe.js output to a pipe", () => {
  it("is never cut off at exit (a long listing arrives whole)", () => {
    const many = Array.from({ length: 300 }, (_, i) => `model m${i} = llama("missing-${i}")`).join(
      "\n",
    );
    const dir = mkdtempSync(join(tmpdir(), "pipe-bin-"));
    const file = join(dir, "many.pipe");
    writeFileSync(file, many + "\n");
    const r = pipe(["check", file], {});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\d+ errors?(, \d+ warnings?)? in 1 file\n$/);
  });
});
