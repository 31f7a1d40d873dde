/**
 * Distillation through the real `pipe run` executable (bin/pipe.js, sources via tsx) on the tiny
 * distillation pipeline (test/runtime/executor/fixtures/tiny-distill.pipe: teacher, logit-KD
 * student, the same student on hard labels only, a student on the teacher's answers, all three
 * evaluated). The run prints the KD losses while training and ends with an evaluation summary
 * that lists both validation losses and names the lowest; eval.json holds the same.
 * (examples/distill-kd.pipe is the full-size version; it takes minutes, not a test.)
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { EvalSummary } from "../../runtime/executor/llm/eval-summary.js";

const REPO = join(import.meta.dirname, "../..");

let dir: string;
let run: { code: number | null; out: string; err: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pipe-run-distill-"));
  copyFileSync(
    join(REPO, "test/runtime/executor/fixtures/tiny-distill.pipe"),
    join(dir, "distill.pipe"),
  );
  const child = spawn(process.execPath, [join(REPO, "bin/pipe.js"), "run", "distill.pipe"], {
    cwd: dir,
    env: { ...process.env, PIPE_FROM_SOURCE: "1", NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  run = { code, out, err };
}, 240_000);

describe("pipe run: logit KD against hard labels only", () => {
  it("runs every stage and exits 0", () => {
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toMatch(/16 ran, 0 cached/);
  });

  it("shows the total, hard and soft loss while distilling", () => {
    expect(run.out + run.err).toMatch(
      /kd\/distill .*loss \d+\.\d+.*hard_loss \d+\.\d+.*soft_loss \d+\.\d+/,
    );
  });

  it("reports both validation losses and which is lower", () => {
    const s = JSON.parse(readFileSync(join(dir, "out", "eval.json"), "utf8")) as EvalSummary;
    const loss = Object.fromEntries(s.rows.map((r) => [r.model, r.metrics.loss]));
    expect(Object.keys(loss)).toEqual(["kd", "hard_only", "synth"]);
    const lower = loss.kd <= loss.hard_only ? "kd" : "hard_only";
    const best = s.best.find((b) => b.metric === "loss")!;
    expect(best.model).toBe(Object.entries(loss).sort((a, b) => a[1] - b[1])[0][0]);
    const f = (v: number) => v.toFixed(4);
    expect(run.out).toContain("Evaluation summary");
    expect(run.out).toMatch(
      new RegExp(`kd\\s+logit KD \\(T 2, α 0\\.5\\) of student_base\\s+${f(loss.kd)}`),
    );
    expect(run.out).toMatch(
      new RegExp(`hard_only\\s+sft · full fine-tune of student_base\\s+${f(loss.hard_only)}`),
    );
    expect(run.out).toMatch(/lowest loss: \w+ \d\.\d{4} \(/);
    expect(run.out).toContain(
      `hard_only − kd (same base, same data): loss ${loss.hard_only >= loss.kd ? "+" : "−"}`,
    );
    expect(lower).toMatch(/kd|hard_only/);
  });
});
