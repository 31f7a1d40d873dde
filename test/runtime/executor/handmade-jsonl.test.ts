/**
 * Issue 5 acceptance: a hand-made JSONL file with malformed lines, missing fields and
 * duplicates (fixtures/handmade.jsonl). The run reports each bad line by number and reason,
 * keeps every good row, and writes the splits and clean-report.json.
 *
 *   1 good · 2 good (no `input`) · 3 truncated JSON · 4 blank · 5 no `output` · 6 duplicate of 1
 *   7 not JSON · 8 no `instruction` · 9 good · 10 duplicate of 2 · 11 `instruction` is a number
 *   12 good · 13 good · 14 an array · 15 duplicate of 9 after normalisation (spaces, \u0007)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CleanReport } from "../../../runtime/data/clean/clean-report.js";
import type { RunEvent, RunSummary } from "../../../runtime/executor/types.js";
import { copyFixtures, runIn, statusOf, tempDir } from "./support/run-fixture.js";

let dir: string;
let summary: RunSummary;
let events: RunEvent[];
let report: CleanReport;

const lineOf = (at: string) => Number(/:(\d+)(?::\d+)?$/.exec(at)![1]);

beforeAll(async () => {
  dir = tempDir("handmade");
  copyFixtures(dir, "handmade.jsonl", "handmade.pipe");
  ({ summary, events } = await runIn(dir, "handmade.pipe"));
  report = JSON.parse(readFileSync(join(dir, "out", "clean-report.json"), "utf8")) as CleanReport;
});

describe("a hand-made JSONL file with malformed lines, missing fields and duplicates", () => {
  it("runs every node", () => {
    expect(summary.status).toBe("ok");
    expect(statusOf(summary)).toEqual({
      "qa/load-dataset": "ran",
      "qa/clean": "ran",
      "qa/split": "ran",
      "qa/write": "ran",
    });
  });

  it("reports every unreadable line with its number and reason while reading", () => {
    const warned = events
      .filter((e): e is Extract<RunEvent, { type: "warning" }> => e.type === "warning")
      .map((e) => [lineOf(e.at!), e.code, e.message] as const);
    expect(warned.map(([line]) => line)).toEqual([3, 5, 7, 8, 11, 14]);
    expect(warned[0][1]).toBe("PW6010");
    expect(warned[0][2]).toMatch(/invalid JSON.*row skipped \(malformed_json\)/);
    expect(warned[1][2]).toMatch(/missing field `output`/);
    expect(warned[3][2]).toMatch(/missing field `instruction`/);
    expect(warned[4][2]).toMatch(/`instruction` must be string/);
    for (const e of events) if (e.type === "warning") expect(e.at).toContain("handmade.jsonl:");
  });

  it("drops each bad line for a named reason, listed by line number", () => {
    const byLine = new Map<number, string>();
    for (const [reason, c] of Object.entries(report.dropped)) {
      expect(c.more).toBe(0);
      for (const ex of c.examples) byLine.set(lineOf(ex.at), reason);
    }
    expect(Object.fromEntries(byLine)).toEqual({
      3: "malformed_json",
      5: "missing_field",
      6: "duplicate",
      7: "malformed_json",
      8: "missing_field",
      10: "duplicate",
      11: "invalid_field",
      14: "invalid_field",
      15: "duplicate",
    });
    expect(report.dropped.duplicate.examples.map((e) => e.detail)).toEqual([
      expect.stringMatching(/duplicate of .*handmade\.jsonl:1$/),
      expect.stringMatching(/duplicate of .*handmade\.jsonl:2$/),
      expect.stringMatching(/duplicate of .*handmade\.jsonl:9$/),
    ]);
  });

  it("keeps every good row and accounts for every row read", () => {
    expect(report.totals).toMatchObject({ read: 14, kept: 5, dropped: 9 });
    expect(report.totals.read).toBe(report.totals.kept + report.totals.dropped);
    expect(report.sources[0]).toMatchObject({ rows: 14, malformed: 2, invalid: 4, blankLines: 1 });
    const written = ["train", "val"].flatMap((s) =>
      readFileSync(join(dir, "out", `${s}.jsonl`), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { instruction: string; input: string; output: string }),
    );
    expect(written.map((r) => r.instruction).sort()).toEqual(
      [
        "解释机器学习。",
        "介绍数据清洗。",
        "介绍知识蒸馏。",
        "概括低秩适配。",
        "说明目标检测。",
      ].sort(),
    );
    // Row 2 had no `input`; it is written in the Alpaca layout with an empty one.
    expect(written.find((r) => r.instruction === "介绍数据清洗。")).toEqual({
      instruction: "介绍数据清洗。",
      input: "",
      output: "数据清洗去除错误、重复和不完整的数据。",
    });
    expect(report.splits).toEqual({ train: 3, val: 2 });
  });

  it("shows the cleaning report as a table", () => {
    const table = events.find((e) => e.type === "report");
    expect(table?.type === "report" && table.text).toMatch(/duplicate\s+3\s+6, 10, 15/);
  });
});
