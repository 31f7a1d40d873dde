/**
 * `pipe run` end to end on the shipped data-engineering example (examples/clean-only.pipe,
 * copied to a temporary folder so its generated data and output stay out of the checkout):
 * the noisy data is generated, read (malformed rows reported by line), cleaned, split and
 * written with clean-report.json; every row read is kept or dropped with a reason; the splits
 * are leakage-free; a second run is fully cached. Also: --dry-run, --output, --format json,
 * compile errors and run errors (exit 1, no stack trace), and Ctrl-C (exit 130, resumable).
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import type { CleanReport } from "../../runtime/data/clean/clean-report.js";
import { dedupeKey } from "../../runtime/data/clean/dedupe.js";
import type { InstructionRecord } from "../../runtime/data/format/record.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/clean-only.pipe");

async function run(argv: string[], cwd: string) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

function readJsonl(path: string): Record<string, string>[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, string>);
}

let dir: string;
let first: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pipe-run-"));
  copyFileSync(EXAMPLE, join(dir, "clean-only.pipe"));
  first = await run(["run", "clean-only.pipe"], dir);
});

describe("pipe run examples/clean-only.pipe", () => {
  it("generates, reads, cleans, splits and writes, exiting 0", () => {
    expect(first.code).toBe(0);
    expect(first.out).toContain("generated data/generated/noisy/instructions.jsonl: 5000 rows");
    expect(first.out).toMatch(/Cleaning report — dataset `raw`/);
    expect(first.out).toMatch(/5 ran, 0 cached/);
    for (const f of ["train.jsonl", "val.jsonl", "test.jsonl", "clean-report.json"])
      expect(existsSync(join(dir, "out", "clean-only", f)), f).toBe(true);
  });

  it("reports malformed rows by line while reading", () => {
    expect(first.err).toMatch(
      /warning\[PW6010\]: data\/generated\/noisy\/instructions\.jsonl:\d+(:\d+)?: invalid JSON.*row skipped/,
    );
    expect(first.err).toMatch(
      /warning\[PW6101\]: data\/generated\/noisy\/instructions\.jsonl:\d+: alpaca row: missing field `output`/,
    );
    expect(first.err).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });

  it("accounts for every row read: kept, or dropped with a reason and its line", () => {
    const report = JSON.parse(
      readFileSync(join(dir, "out", "clean-only", "clean-report.json"), "utf8"),
    ) as CleanReport;
    const t = report.totals;
    expect(t.read).toBe(5000);
    expect(t.read).toBe(t.keptByOrigin.file + t.dropped);
    const reasons = Object.values(report.dropped);
    expect(reasons.reduce((n, r) => n + r.count, 0)).toBe(t.dropped);
    // Every dropped row is listed with its place (none left unlisted).
    for (const r of reasons) {
      expect(r.more).toBe(0);
      expect(r.examples).toHaveLength(r.count);
      for (const e of r.examples) expect(e.at).toMatch(/instructions\.jsonl:\d+(:\d+)?$/);
    }
    const lines = new Set(
      reasons.flatMap((r) => r.examples.map((e) => Number(/:(\d+)(:\d+)?$/.exec(e.at)![1]))),
    );
    expect(lines.size).toBe(t.dropped);
    expect(Object.keys(report.dropped)).toEqual(
      expect.arrayContaining([
        "malformed_json",
        "missing_field",
        "duplicate",
        "length:output",
        "language",
      ]),
    );
    expect(report.sources[0]).toMatchObject({
      rows: 5000,
      records: 5000 - report.sources[0].malformed - report.sources[0].invalid,
    });
  });

  it("writes leakage-free splits of the kept rows", () => {
    const report = JSON.parse(
      readFileSync(join(dir, "out", "clean-only", "clean-report.json"), "utf8"),
    ) as CleanReport;
    const splits = Object.fromEntries(
      ["train", "val", "test"].map((s) => [
        s,
        readJsonl(join(dir, "out", "clean-only", `${s}.jsonl`)),
      ]),
    );
    expect(Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v.length]))).toEqual(
      report.splits,
    );
    const total = Object.values(splits).reduce((n, v) => n + v.length, 0);
    expect(total).toBe(report.totals.kept);
    const owner = new Map<string, string>();
    for (const [name, rows] of Object.entries(splits)) {
      for (const row of rows) {
        const rec = { kind: "instruction", ...row } as unknown as InstructionRecord;
        const key = dedupeKey(rec, ["instruction", "input"]);
        expect(owner.get(key) ?? name, `${row.instruction} is in two splits`).toBe(name);
        owner.set(key, name);
      }
    }
    expect(splits.train.length).toBeGreaterThan(splits.val.length);
  });

  it("is fully cached the second time, and --dry-run says so", async () => {
    const second = await run(["run", "clean-only.pipe", "--format", "json"], dir);
    expect(second.code).toBe(0);
    const json = JSON.parse(second.out);
    expect(json.status).toBe("ok");
    expect(json.nodes.map((n: { status: string }) => n.status)).toEqual([
      "cached",
      "cached",
      "cached",
      "cached",
      "cached",
    ]);
    expect(json.nodes.find((n: { id: string }) => n.id === "raw/clean").data).toMatchObject({
      read: 5000,
    });
    const dry = await run(["run", "clean-only.pipe", "--dry-run"], dir);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/Plan of `clean-only`/);
    expect(dry.out).toMatch(/0 would run, 5 cached/);
  });

  it("writes elsewhere with --output", async () => {
    const r = await run(["run", "clean-only.pipe", "--output", "elsewhere", "--dry-run"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("output in elsewhere");
    expect(r.out).toMatch(/cached\s*\n.*exists; not generated again/);
    expect(r.out).toMatch(/4 would run, 1 cached/);
    expect(existsSync(join(dir, "elsewhere"))).toBe(false);
  });
});

describe("pipe run errors", () => {
  it("prints compile errors like `pipe check` and exits 1", async () => {
    writeFileSync(
      join(dir, "broken.pipe"),
      'pipeline "x" { seed: 1 }\ndataset d = alpaca("a.jsonl") { rnak: 3 }\n',
    );
    const r = await run(["run", "broken.pipe"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error\[PW\d{4}\]/);
    expect(r.err).toContain("broken.pipe: not run; fix the errors above");
  });

  it("reports a run error with its code and place, exit 1, no stack trace", async () => {
    const text = readFileSync(EXAMPLE, "utf8").replace(
      'output: "out/clean-only"',
      'output: "out/clean-only"\n  allow_outside_output: false',
    );
    writeFileSync(join(dir, "escape.pipe"), text + '\nexport raw.train to "../train.jsonl"\n');
    const r = await run(["run", "escape.pipe"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "error[PW8012]: output path `../train.jsonl` is outside the output directory",
    );
    expect(r.err).toContain("= in node `raw/export`");
    expect(r.err).not.toMatch(/\n\s+at /);
    const json = JSON.parse((await run(["run", "escape.pipe", "--format", "json"], dir)).out);
    expect(json).toMatchObject({ status: "failed", error: { code: "PW8012", node: "raw/export" } });
  });
});

describe("pipe run and Ctrl-C", () => {
  it("stops after the current step, exits 130, and the next run continues", async () => {
    const d = mkdtempSync(join(tmpdir(), "pipe-sigint-"));
    copyFileSync(EXAMPLE, join(d, "clean-only.pipe"));
    const bin = join(import.meta.dirname, "../../bin/pipe.js");
    const child = spawn(process.execPath, [bin, "run", "clean-only.pipe"], {
      cwd: d,
      env: { ...process.env, PIPE_FROM_SOURCE: "1", NO_COLOR: "1" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("done   raw/load-dataset") && !child.killed) child.kill("SIGINT");
    });
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, out + err).toBe(130);
    expect(err).toContain("error[PW8013]: the run was interrupted");
    expect(existsSync(join(d, "out", "clean-only", "train.jsonl"))).toBe(false);
    const again = await run(["run", "clean-only.pipe", "--format", "json"], d);
    expect(again.code).toBe(0);
    const statuses = JSON.parse(again.out).nodes.map((n: { status: string }) => n.status);
    expect(statuses.slice(0, 2)).toEqual(["cached", "cached"]);
  }, 120_000);
});
