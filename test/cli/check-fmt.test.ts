import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { PIPE_VERSION } from "../../cli/version.js";
import { EXAMPLES_DIR, exampleFiles } from "../support/examples.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "pipe-cli-"));
}

async function run(argv: string[], cwd = process.cwd()) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("pipe check", () => {
  it("exits 0 on the examples", async () => {
    const r = await run(["check", EXAMPLES_DIR]);
    expect(r.err).toContain(`no problems in ${exampleFiles().length} files`);
    expect(r.code).toBe(0);
  });

  it("exits 1 with rustc-style diagnostics on errors", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.pipe"), 'pipeline "x" {\n  seed 42\n}\n');
    const r = await run(["check", "bad.pipe"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW1011]: expected `:` after `seed`");
    expect(r.err).toContain("--> bad.pipe:2:3");
    expect(r.err).toContain("2 |   seed 42");
    expect(r.err).toContain("  |   ^^^^");
    expect(r.err).toContain("1 error in 1 file");
  });

  it("prints JSON diagnostics with line and column for tools", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.pipe"), 'pipeline "x" {\n  seed 42\n}\n');
    const r = await run(["check", "--format", "json", "bad.pipe"], dir);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.out);
    expect(parsed.diagnostics[0]).toMatchObject({
      code: "PW1011",
      severity: "error",
      file: "bad.pipe",
      start: { line: 2, column: 3 },
    });
  });

  it("exits 2 on a missing file, naming it", async () => {
    const r = await run(["check", "does-not-exist.pipe"], tempDir());
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot read does-not-exist.pipe: no such file or directory");
  });

  it("exits 2 on bad usage", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["frobnicate"])).code).toBe(2);
    expect((await run(["check"])).code).toBe(2);
  });

  it("prints help and version", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("pipe check");
    expect(help.out).toContain("pipe fmt");
    const version = await run(["--version"]);
    expect(version.out.trim()).toBe(PIPE_VERSION);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8"));
    expect(PIPE_VERSION).toBe(pkg.version);
  });

  it("never prints a stack trace, whatever the file holds", async () => {
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 200 }), async (text) => {
        writeFileSync(join(dir, "x.pipe"), text);
        const r = await run(["check", "x.pipe"], dir);
        expect([0, 1]).toContain(r.code);
        expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(r.err).not.toContain("internal error");
      }),
      { numRuns: 150, seed: 21 },
    );
  });
});

describe("pipe fmt", () => {
  it("--check passes on the examples", async () => {
    const r = await run(["fmt", "--check", EXAMPLES_DIR]);
    expect(r.code).toBe(0);
  });

  it("--check fails on an unformatted file and fmt fixes it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.pipe"), 'pipeline "x" {seed: 1}');
    expect((await run(["fmt", "--check", "a.pipe"], dir)).code).toBe(1);
    expect((await run(["fmt", "a.pipe"], dir)).code).toBe(0);
    expect(readFileSync(join(dir, "a.pipe"), "utf8")).toBe('pipeline "x" {\n  seed: 1\n}\n');
    expect((await run(["fmt", "--check", "a.pipe"], dir)).code).toBe(0);
  });

  it("refuses a file with syntax errors and leaves it untouched", async () => {
    const dir = tempDir();
    const bad = 'pipeline "x" {\n  seed 42\n}\n';
    writeFileSync(join(dir, "b.pipe"), bad);
    const r = await run(["fmt", "b.pipe"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("PW1011");
    expect(readFileSync(join(dir, "b.pipe"), "utf8")).toBe(bad);
  });
});

describe("usage errors", () => {
  it("an option missing its value is a usage error (exit 2), not an internal error", async () => {
    const r = await run(["check", "x.pipe", "--lint"]);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain("internal error");
  });
});
