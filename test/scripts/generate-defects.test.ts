import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
const tsx = join(repo, "node_modules/.bin/tsx");
const script = join(repo, "scripts/generate-defects.ts");

async function generate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [script, ...args], { cwd: repo, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("scripts/generate-defects.ts", () => {
  it("writes a dataset and prints a summary", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "pw-gen-")), "defects");
    const r = await generate([
      "--out",
      out,
      "--seed",
      "42",
      "--train",
      "6",
      "--val",
      "3",
      "--imgsz",
      "64",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^train: 6 images \(\d+ defect-free\); boxes: scratch \d+, crack \d+, stain \d+, dent \d+$/m,
    );
    expect(r.stdout).toMatch(/^val: 3 images/m);
    expect(r.stdout).toMatch(/wrote .*dataset\.yaml in [\d.]+ s/);
    expect(readdirSync(join(out, "images/train"))).toHaveLength(6);
    expect(readFileSync(join(out, "dataset.yaml"), "utf8")).toMatch(
      /names:\n  0: scratch\n  1: crack\n  2: stain\n  3: dent\n/,
    );
  });

  it("explains bad arguments without a stack trace", async () => {
    const missing = await generate([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out is required\nusage:/);
    const invalid = await generate(["--out", join(tmpdir(), "x-never"), "--imgsz", "8"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error\[PW7050\]: defect generator: `imgsz`/);
    expect(invalid.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
