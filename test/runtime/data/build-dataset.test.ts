/**
 * Acceptance (issue 5): a JSONL file with malformed lines, missing fields and duplicates — the
 * report names each by line number and reason, and every good row is kept.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildDataset, writeCleanReport } from "../../../runtime/data/build-dataset.js";
import { renderCleanReport } from "../../../runtime/data/clean/clean-report.js";
import type { CleanRule } from "../../../runtime/data/clean/cleaner.js";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { tempDir } from "./support/temp-files.js";

const fixture = fileURLToPath(new URL("./fixtures/acceptance.jsonl", import.meta.url));
const expected = JSON.parse(
  readFileSync(new URL("./fixtures/acceptance-expected.json", import.meta.url), "utf8"),
) as {
  kept: number[];
  dropped: Record<string, number[]>;
  duplicateOf: Record<string, number>;
};
const rules: CleanRule[] = [
  { kind: "required", field: "instruction" },
  { kind: "required", field: "output" },
  { kind: "length", field: "instruction", min: 5 },
  { kind: "length", field: "output", min: 10, max: 10000 },
];
const tmp = tempDir();

describe("building a dataset from a dirty JSONL file", () => {
  it("keeps every good row and names every dropped row by line and reason", async () => {
    const built = await buildDataset({
      format: "alpaca",
      sources: [fixture],
      read: { onMalformed: "skip" },
      clean: {
        normalize: { whitespace: "collapse", controlChars: true },
        rules,
        dedupe: { fields: ["instruction"] },
      },
      seed: 42,
    });
    expect(built.records.map((r) => r.source.line)).toEqual(expected.kept);
    const report = built.report;
    const byReason = Object.fromEntries(
      Object.entries(report.dropped).map(([reason, c]) => [
        reason,
        c.examples.map((e) => Number(e.at.split(":")[1])),
      ]),
    );
    expect(byReason).toEqual(expected.dropped);
    for (const [line, of] of Object.entries(expected.duplicateOf)) {
      const ex = report.dropped.duplicate.examples.find((e) => e.at === `${fixture}:${line}`);
      expect(ex?.detail).toBe(`duplicate of ${fixture}:${of}`);
    }
    // Every row read is kept or dropped for a reason; the blank line is not a row.
    expect(report.totals.read).toBe(16);
    expect(report.totals.kept + report.totals.dropped).toBe(report.totals.read);
    expect(report.sources[0]).toMatchObject({
      rows: 16,
      records: 10,
      malformed: 3,
      invalid: 3,
      blankLines: 1,
    });
    expect(report.dropped.missing_field.examples[0].detail).toBe(
      "alpaca row: missing field `output`",
    );
    expect(report.modified.whitespace).toBeGreaterThan(0);

    const table = renderCleanReport(report);
    for (const reason of Object.keys(expected.dropped)) expect(table).toContain(reason);
    expect(table).toMatch(/kept\s+5/);
    expect(table).toMatch(/dropped\s+11/);

    const out = tmp.path("out/clean-report.json");
    await writeCleanReport(report, out);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it("stops at the first bad row under the fail policy", async () => {
    const err = await buildDataset({
      format: "alpaca",
      sources: [fixture],
      read: { onMalformed: "fail" },
      seed: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect((err as PipeError).where()).toMatch(/acceptance\.jsonl:3/);
  });

  it("splits the kept rows 80/20, seeded, and records the sizes in the report", async () => {
    const opts = {
      format: "alpaca" as const,
      sources: [fixture],
      clean: { rules, dedupe: { fields: ["instruction"] } },
      split: {
        splits: [
          { name: "train", size: { fraction: 0.8 } },
          { name: "val", size: "rest" as const },
        ],
      },
      seed: 42,
    };
    const a = await buildDataset(opts);
    const b = await buildDataset(opts);
    expect(a.report.splits).toEqual({ train: 4, val: 1 });
    expect(a.splits.train.map((r) => r.source.line)).toEqual(
      b.splits.train.map((r) => r.source.line),
    );
  });
});
