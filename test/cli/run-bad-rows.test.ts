/**
 * Acceptance (LLM issue): a JSONL file with malformed lines, missing fields and duplicates, run
 * through the real `pipe run` executable (bin/pipe.js, sources via tsx). The run prints every
 * problem as `path:line` with its reason, clean-report.json counts them, and the kept rows are
 * exactly the good ones. The data file is test/runtime/executor/fixtures/handmade.jsonl:
 *
 *   1 good · 2 good (no `input`) · 3 truncated JSON · 4 blank · 5 no `output` · 6 duplicate of 1
 *   7 not JSON · 8 no `instruction` · 9 good · 10 duplicate of 2 · 11 `instruction` is a number
 *   12 good · 13 good · 14 an array · 15 duplicate of 9 after normalisation (spaces, \u0007)
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CleanReport } from "../../runtime/data/clean/clean-report.js";

const REPO = join(import.meta.dirname, "../..");
const FIXTURES = join(REPO, "test/runtime/executor/fixtures");
const BIN = join(REPO, "bin/pipe.js");

function pipe(
  argv: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd,
    env: { ...process.env, PIPE_FROM_SOURCE: "1", NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

const GOOD_LINES = [1, 2, 9, 12, 13];
const BAD: Record<number, { reason: string; text: RegExp }> = {
  3: { reason: "malformed_json", text: /invalid JSON/ },
  5: { reason: "missing_field", text: /missing field `output`/ },
  6: { reason: "duplicate", text: /duplicate of handmade\.jsonl:1$/ },
  7: { reason: "malformed_json", text: /invalid JSON/ },
  8: { reason: "missing_field", text: /missing field `instruction`/ },
  10: { reason: "duplicate", text: /duplicate of handmade\.jsonl:2$/ },
  11: { reason: "invalid_field", text: /`instruction` must be string/ },
  14: { reason: "invalid_field", text: /must be a JSON object/ },
  15: { reason: "duplicate", text: /duplicate of handmade\.jsonl:9$/ },
};

let dir: string;
let run: Awaited<ReturnType<typeof pipe>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pipe-bad-rows-"));
  for (const f of ["handmade.jsonl", "handmade.pipe"])
    copyFileSync(join(FIXTURES, f), join(dir, f));
  run = await pipe(["run", "handmade.pipe"], dir);
}, 120_000);

describe("pipe run over JSONL with malformed lines, missing fields and duplicates", () => {
  it("runs to the end (on_bad_row: skip) and exits 0", () => {
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toMatch(/4 ran, 0 cached/);
    expect(run.err).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });

  it("prints each problem as path:line with its reason", () => {
    const text = run.out + run.err;
    for (const [line, { reason, text: why }] of Object.entries(BAD)) {
      const re = new RegExp(`handmade\\.jsonl:${line}(?::\\d+)?  ${reason}: (.*)`);
      const m = re.exec(run.out);
      expect(m, `line ${line} (${reason}) in the report`).not.toBeNull();
      expect(m![1]).toMatch(why);
    }
    // Unreadable rows are also warned about while reading, with their code.
    for (const line of [3, 7])
      expect(text).toMatch(
        new RegExp(`warning\\[PW6010\\]: handmade\\.jsonl:${line}(:\\d+)?: invalid JSON`),
      );
    for (const line of [5, 8, 11, 14])
      expect(text).toMatch(new RegExp(`warning\\[PW6101\\]: handmade\\.jsonl:${line}: alpaca row`));
    expect(run.out).toMatch(/duplicate\s+3\s+6, 10, 15/);
    expect(run.out).toMatch(/14 rows read: 5 kept, 9 dropped/);
  });

  it("counts them in clean-report.json, by reason and line", () => {
    const report = JSON.parse(
      readFileSync(join(dir, "out", "clean-report.json"), "utf8"),
    ) as CleanReport;
    expect(report.totals).toMatchObject({ read: 14, kept: 5, dropped: 9 });
    expect(report.sources[0]).toMatchObject({ rows: 14, malformed: 2, invalid: 4, blankLines: 1 });
    const byLine: Record<number, string> = {};
    for (const [reason, c] of Object.entries(report.dropped)) {
      expect(c.more).toBe(0);
      expect(c.examples).toHaveLength(c.count);
      for (const e of c.examples) byLine[Number(/:(\d+)(?::\d+)?$/.exec(e.at)![1])] = reason;
    }
    expect(byLine).toEqual(Object.fromEntries(Object.entries(BAD).map(([l, b]) => [l, b.reason])));
  });

  it("keeps exactly the good rows", () => {
    const source = readFileSync(join(FIXTURES, "handmade.jsonl"), "utf8").split("\n");
    const expected = GOOD_LINES.map((l) => {
      const r = JSON.parse(source[l - 1]) as Record<string, string>;
      return JSON.stringify({ instruction: r.instruction, input: r.input ?? "", output: r.output });
    }).sort();
    const written = ["train", "val"]
      .flatMap((s) =>
        readFileSync(join(dir, "out", `${s}.jsonl`), "utf8")
          .trim()
          .split("\n"),
      )
      .map((l) => {
        const r = JSON.parse(l) as Record<string, string>;
        return JSON.stringify({ instruction: r.instruction, input: r.input, output: r.output });
      })
      .sort();
    expect(written).toEqual(expected);
  });
});
