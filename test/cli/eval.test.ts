/**
 * `pipe eval`: scores prediction files without a pipeline. Values are checked by hand
 * (rouge-score's tokenizer and F-measure on four pairs, exact match, GSM8K's `####`) and against
 * sacrebleu 2.6.0 (test/fixtures/metrics/sacrebleu.json, made by scripts/fixtures/metrics.py)
 * through plain-text files; also id pairing, `--field`, `--require` gates (exit 1 with the
 * measured value), eval.json, and the input errors: malformed lines (path:line), a missing file,
 * records that cannot be scored (PW6601 at the record's line), bad usage (exit 2).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { parseMetricList } from "../../cli/commands/eval.js";
import { parseRequire } from "../../cli/commands/eval-require.js";
import { ALL_DIAGNOSTICS } from "../../compiler/diagnostics/registry.js";

const FIX = join(import.meta.dirname, "../fixtures/cli/eval");
const SACREBLEU = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/metrics/sacrebleu.json"), "utf8"),
) as {
  cases: {
    name: string;
    kind: string;
    hyps: string[];
    refStreams: string[][];
    options: Record<string, unknown>;
    score: number;
  }[];
};

async function run(argv: string[], cwd = FIX) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

const BASE = ["eval", "--pred", "pred.jsonl", "--ref", "ref.jsonl"];

// By hand (rouge-score tokenizer): q1 5/6 (the×2 cat on mat), q2 P 4/7 R 1 → F 8/11,
// q3 1, q4 2/4.
const ROUGE1 = (5 / 6 + 8 / 11 + 1 + 0.5) / 4;

describe("pipe eval", () => {
  it("pairs records by id and prints a table of the scores", async () => {
    const r = await run([...BASE, "--metrics", "rouge1,rougeL,exact_match,gsm8k"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("4 predictions (pred.jsonl vs ref.jsonl)");
    expect(r.out).toMatch(/^metric\s+score$/m);
    expect(r.out).toMatch(new RegExp(`^rouge1\\s+${ROUGE1.toFixed(4)}\\s+P `, "m"));
    expect(r.out).toMatch(/^exact_match\s+0\.2500\s+1\/4 correct$/m);
    expect(r.out).toMatch(/^gsm8k\s+0\.2500\s+1\/4 correct/m);
  });

  it("--format json gives every metric's fields; --out writes the same eval.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-eval-"));
    const out = join(dir, "nested", "eval.json");
    const r = await run([
      ...BASE,
      "--metrics",
      "rouge1",
      "--metrics",
      "exact_match,bleu",
      "--format",
      "json",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(report);
    expect(report).toMatchObject({ pred: "pred.jsonl", ref: "ref.jsonl", count: 4 });
    expect(Object.keys(report.metrics)).toEqual(["rouge1", "exact_match", "bleu"]);
    expect(report.metrics.rouge1.score).toBeCloseTo(ROUGE1, 12);
    expect(report.metrics.rouge1.tokenizer).toBe("rouge-score");
    expect(report.metrics.exact_match).toEqual({ score: 0.25, correct: 1, total: 4 });
    expect(report.metrics.bleu.signature).toContain("tok:13a");
  });

  it("reproduces sacrebleu's corpus BLEU from files (zh auto-detected, 13a, 2 refs with nulls as missing)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-eval-bleu-"));
    for (const name of ["zh one ref", "random en exp", "zh two refs"]) {
      const c = SACREBLEU.cases.find((x) => x.name === name)!;
      writeFileSync(join(dir, "hyp.txt"), c.hyps.join("\n") + "\n");
      let refFile = "ref.txt";
      if (c.refStreams.length === 1) writeFileSync(join(dir, refFile), c.refStreams[0].join("\n"));
      else {
        refFile = "refs.jsonl";
        const rows = c.hyps.map((_, i) => JSON.stringify(c.refStreams.map((s) => s[i])));
        writeFileSync(join(dir, refFile), rows.join("\n") + "\n");
      }
      const r = await run(
        ["eval", "--pred", "hyp.txt", "--ref", refFile, "--metrics", "bleu", "--format", "json"],
        dir,
      );
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const bleu = JSON.parse(r.out).metrics.bleu;
      expect(Math.abs(bleu.score - c.score), name).toBeLessThan(1e-9);
      expect(bleu.signature, name).toContain(`tok:${c.options.tokenize ?? "13a"}`);
    }
  });

  it("--bleu-tokenizer forces a tokenizer (13a on Chinese scores 0, as sacrebleu)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-eval-tok-"));
    const c = SACREBLEU.cases.find((x) => x.name === "zh text with 13a (whole clauses as tokens)")!;
    writeFileSync(join(dir, "hyp.txt"), c.hyps.join("\n"));
    writeFileSync(join(dir, "ref.txt"), c.refStreams[0].join("\n"));
    const r = await run(
      [
        "eval",
        "--pred",
        "hyp.txt",
        "--ref",
        "ref.txt",
        "--metrics",
        "bleu",
        "--bleu-tokenizer",
        "13a",
        "--format",
        "json",
      ],
      dir,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).metrics.bleu.score).toBe(c.score);
  });

  it("reads plain-text lines by position", async () => {
    const r = await run([
      "eval",
      "--pred",
      "pred.txt",
      "--ref",
      "ref.txt",
      "--metrics",
      "exact_match,rouge1",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out).metrics;
    expect(m.exact_match.score).toBe(0.5);
    expect(m.rouge1.score).toBeCloseTo((5 / 6 + 1) / 2, 12);
  });

  it("--field names the text field of both files; --ref-field overrides the reference side", async () => {
    const both = await run([
      "eval",
      "--pred",
      "text-field.jsonl",
      "--ref",
      "text-field.jsonl",
      "--metrics",
      "exact_match",
      "--field",
      "text",
      "--format",
      "json",
    ]);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.out).metrics.exact_match.score).toBe(1);
    const refOnly = await run([
      ...BASE.slice(0, 3),
      "--ref",
      "text-field.jsonl",
      "--metrics",
      "exact_match",
      "--ref-field",
      "text",
      "--format",
      "json",
    ]);
    expect(refOnly.code).toBe(0);
    expect(JSON.parse(refOnly.out).metrics.exact_match.score).toBe(0.25);
    const missing = await run([...BASE, "--metrics", "exact_match", "--field", "text"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("error[PW6601]: prediction 1 has no field `text`");
    expect(missing.err).toContain("--> pred.jsonl:1");
  });

  it("--require gates pass (exit 0) or fail with the measured value (exit 1, eval.json still written)", async () => {
    const ok = await run([
      ...BASE,
      "--metrics",
      "rouge1,exact_match",
      "--require",
      "rouge1>=0.3",
      "--require",
      "exact_match == 0.25",
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`require rouge1 >= 0.3: passed (rouge1 = ${ROUGE1.toFixed(4)})`);
    expect(ok.out).toContain("require exact_match == 0.25: passed (exact_match = 0.2500)");

    const dir = mkdtempSync(join(tmpdir(), "pipe-eval-gate-"));
    const failed = await run([
      ...BASE,
      "--metrics",
      "rouge1,bleu",
      "--require",
      "rouge1>=0.9",
      "--require",
      "bleu.bp >= 0.5",
      "--out",
      join(dir, "eval.json"),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.err).toBe(
      `error[PW8007]: require rouge1 >= 0.9 failed: rouge1 >= 0.9 is false (rouge1 = ${ROUGE1.toPrecision(6)})\n`,
    );
    expect(failed.out).toContain("require rouge1 >= 0.9: FAILED");
    expect(failed.out).toContain("require bleu.bp >= 0.5: passed (bleu.bp = 1.0000)");
    const written = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8"));
    expect(written.gates.passed).toBe(false);
    expect(written.gates.failures).toHaveLength(1);
  });

  it("reports every malformed line by path:line and exits 2", async () => {
    const r = await run([
      "eval",
      "--pred",
      "malformed.jsonl",
      "--ref",
      "ref.jsonl",
      "--metrics",
      "exact_match",
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error\[PW6010\]: invalid JSON.*\n {2}--> malformed\.jsonl:2:\d+\n/);
    expect(r.err).toMatch(/error\[PW6010\]: invalid JSON.*\n {2}--> malformed\.jsonl:4:\d+\n/);
    expect(r.out).toBe("");
    expect(r.err).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });

  it("maps runtime/eval's MetricInputError to PW6601 at the record's line", async () => {
    // q3 is the third line of the file and the third pair (references are id-aligned).
    const noText = await run([
      "eval",
      "--pred",
      "pred.jsonl",
      "--ref",
      "ref-missing-answer.jsonl",
      "--metrics",
      "exact_match",
    ]);
    expect(noText.code).toBe(2);
    expect(noText.err).toContain("error[PW6601]: reference 3 has no text");
    expect(noText.err).toContain("--> ref-missing-answer.jsonl:3\n");

    // Shuffled ids: the reference at fault is found at its own line, not at the pair's.
    const dir = mkdtempSync(join(tmpdir(), "pipe-eval-ids-"));
    writeFileSync(
      join(dir, "p.jsonl"),
      '{"id": 1, "prediction": "a"}\n{"id": 2, "prediction": "b"}\n',
    );
    writeFileSync(join(dir, "r.jsonl"), '{"id": 2, "note": "none"}\n{"id": 1, "answer": "a"}\n');
    const shuffled = await run(
      ["eval", "--pred", "p.jsonl", "--ref", "r.jsonl", "--metrics", "exact_match"],
      dir,
    );
    expect(shuffled.code).toBe(2);
    expect(shuffled.err).toContain("--> r.jsonl:1\n");

    writeFileSync(join(dir, "r3.jsonl"), '{"id": 1, "answer": "a"}\n{"id": 3, "answer": "c"}\n');
    const unpaired = await run(
      ["eval", "--pred", "p.jsonl", "--ref", "r3.jsonl", "--metrics", "exact_match"],
      dir,
    );
    expect(unpaired.code).toBe(2);
    expect(unpaired.err).toContain("error[PW6601]: prediction id 2 has no reference");
    expect(unpaired.err).toContain("--> p.jsonl:2\n");

    const counts = await run([
      "eval",
      "--pred",
      "pred.txt",
      "--ref",
      "three-lines.txt",
      "--metrics",
      "bleu",
    ]);
    expect(counts.code).toBe(2);
    expect(counts.err).toContain("error[PW6601]: 2 predictions but 3 references");
    expect(ALL_DIAGNOSTICS.find((d) => d.code === "PW6601")?.name).toBe("metric-input-invalid");
  });

  it("exits 2 on a missing file and on bad usage", async () => {
    const missing = await run([
      "eval",
      "--pred",
      "nope.jsonl",
      "--ref",
      "ref.jsonl",
      "--metrics",
      "bleu",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("error[PW6001]: cannot read nope.jsonl: no such file");

    const cases: [string[], string][] = [
      [["--metrics", "blue"], 'unknown metric "blue"'],
      [["--metrics", " , "], "--metrics names no metric"],
      [
        ["--metrics", "rouge1", "--require", "rouge1 => 0.3"],
        "is not `<metric>[.<field>] <op> <number>`",
      ],
      [
        ["--metrics", "rouge", "--require", "bleu>1"],
        "--require names bleu, which --metrics does not compute",
      ],
      [
        ["--metrics", "bleu", "--require", "bleu.signature>1"],
        "error[PW8008]: metric `bleu` has no numeric field `signature`",
      ],
    ];
    for (const [extra, message] of cases) {
      const r = await run([...BASE, ...extra]);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.err, extra.join(" ")).toContain(message);
    }
    const noRef = await run(["eval", "--pred", "pred.jsonl", "--metrics", "exact_match"]);
    expect(noRef.code).toBe(2);
    expect(noRef.err).toContain("exact_match needs references: give --ref");
    const noMetrics = await run(["eval", "--pred", "pred.jsonl"]);
    expect(noMetrics.code).toBe(2);
  });
});

describe("pipe eval option parsing", () => {
  it("splits comma-separated metric lists and drops repeats", () => {
    expect(parseMetricList(["bleu, rouge1", "bleu,,exact_match"])).toEqual([
      "bleu",
      "rouge1",
      "exact_match",
    ]);
  });

  it("parses require conditions", () => {
    expect(parseRequire("rouge1>=0.3")).toEqual({
      ok: true,
      condition: { op: ">=", left: { metric: "rouge1" }, right: 0.3 },
    });
    expect(parseRequire(" perplexity < 1.5e1 ")).toEqual({
      ok: true,
      condition: { op: "<", left: { metric: "perplexity" }, right: 15 },
    });
    expect(parseRequire("bleu.bp=1")).toEqual({
      ok: true,
      condition: { op: "==", left: { metric: "bleu", field: "bp" }, right: 1 },
    });
    expect(parseRequire("rouge1 >= high").ok).toBe(false);
    expect(parseRequire(">= 0.3").ok).toBe(false);
  });
});
