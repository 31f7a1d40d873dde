/**
 * The fast path for `pipe check <file…>` (cli/dispatch.ts) gives exactly what the yargs
 * command line gives: same exit code, same stdout and stderr — and anything with an option goes
 * through yargs.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dispatch, plainCheckFiles } from "../../cli/dispatch.js";
import { memoryIo } from "../../cli/io.js";
import { runCli } from "../../cli/main.js";

const ROOT = join(import.meta.dirname, "../..");

async function both(argv: string[]) {
  const fast = memoryIo({ cwd: ROOT });
  const full = memoryIo({ cwd: ROOT });
  const fastCode = await dispatch(argv, fast);
  const fullCode = await runCli(argv, full);
  return {
    fast: { code: fastCode, out: fast.out.join(""), err: fast.err.join("") },
    full: { code: fullCode, out: full.out.join(""), err: full.err.join("") },
  };
}

describe("pipe check's fast path", () => {
  it("takes plain file lists only", () => {
    expect(plainCheckFiles(["check", "a.pipe", "b.pipe"])).toEqual(["a.pipe", "b.pipe"]);
    expect(plainCheckFiles(["check"])).toBeUndefined();
    expect(plainCheckFiles(["check", "--format", "json", "a.pipe"])).toBeUndefined();
    expect(plainCheckFiles(["check", "a.pipe", "--lint", "no-seed=off"])).toBeUndefined();
    expect(plainCheckFiles(["check", "-h"])).toBeUndefined();
    expect(plainCheckFiles(["check", ""])).toBeUndefined();
    expect(plainCheckFiles(["compile", "a.pipe"])).toBeUndefined();
  });

  for (const [what, argv, code] of [
    ["a clean example", ["check", "examples/clean-only.pipe"], 0],
    ["several files", ["check", "examples/clean-only.pipe", "examples/distill-kd.pipe"], 0],
    [
      "a file with errors",
      ["check", "test/fixtures/diagnostics/syntax/PW1001-unexpected-character.pipe"],
      1,
    ],
    ["a missing file", ["check", "no/such/file.pipe"], 2],
  ] as const) {
    it(`matches the yargs command line on ${what}`, async () => {
      const { fast, full } = await both([...argv]);
      expect(fast).toEqual(full);
      expect(fast.code).toBe(code);
    });
  }
});
