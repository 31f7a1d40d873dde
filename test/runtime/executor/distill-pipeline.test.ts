/**
 * Both kinds of distillation from the language, through the executor (fixtures/tiny-distill.pipe,
 * CPU backend, tiny sizes): a teacher is fine-tuned; `distill(...)` trains a student with
 * L = α·CE + (1−α)·T²·KL and logs total / hard / soft loss; the same student is trained on hard
 * labels only; `teacher_answers(...)` has the teacher answer prompts and fine-tunes the student
 * on its answers (simplified distillation); the three students are evaluated side by side.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunSummary } from "../../../runtime/executor/types.js";
import type { EvalSummary } from "../../../runtime/executor/llm/eval-summary.js";
import { copyFixtures, runIn, statusOf, tempDir } from "./support/run-fixture.js";

let dir: string;
let first: { summary: RunSummary; events: RunEvent[] };

beforeAll(async () => {
  dir = tempDir("distill");
  copyFixtures(dir, "tiny-distill.pipe");
  first = await runIn(dir, "tiny-distill.pipe");
}, 240_000);

const logLines = (stage: string) =>
  readFileSync(join(dir, "out", "logs", `${stage}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number | string>);

describe("distillation from a .pipe file", () => {
  it("runs the teacher, both students, the teacher's answers and the evaluation", () => {
    expect(first.summary.error?.error.message).toBeUndefined();
    expect(first.summary.status).toBe("ok");
    const s = statusOf(first.summary);
    for (const id of [
      "teacher/train",
      "kd/distill",
      "hard_only/train",
      "synth/teacher-generate",
      "synth/train",
      "compare/evaluate",
    ])
      expect(s[id], id).toBe("ran");
  });

  it("logs total, hard and soft loss during KD (total = α·hard + (1−α)·soft)", () => {
    const logs = logLines("kd").filter((e) => e.event === "log");
    expect(logs.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const e of logs) {
      const [loss, hard, soft] = [e.loss, e.hard_loss, e.soft_loss] as number[];
      expect(hard).toBeGreaterThan(0);
      expect(soft).toBeGreaterThan(0);
      expect(loss).toBeCloseTo(0.5 * hard + 0.5 * soft, 4);
    }
    const progress = first.events.filter(
      (e): e is Extract<RunEvent, { type: "progress" }> =>
        e.type === "progress" && e.node === "kd/distill",
    );
    expect(progress.length).toBe(6);
    for (const p of progress)
      expect(Object.keys(p.values ?? {})).toEqual(
        expect.arrayContaining(["hard_loss", "soft_loss"]),
      );
    // Plain SFT logs no KD parts.
    for (const e of logLines("hard_only").filter((x) => x.event === "log"))
      expect(e.soft_loss).toBeUndefined();
  });

  it("trains both students the same number of steps and evaluates them on hard labels", () => {
    const data = (id: string) =>
      first.summary.nodes.find((n) => n.id === id)!.data as {
        steps: number;
        lastEval: { val_loss: number };
      };
    expect(data("kd/distill").steps).toBe(6);
    expect(data("hard_only/train").steps).toBe(6);
    expect(data("kd/distill").lastEval.val_loss).toBeGreaterThan(0);
    expect(data("kd/distill").lastEval.val_loss).not.toBe(
      data("hard_only/train").lastEval.val_loss,
    );
  });

  it("fine-tunes a student on the teacher's answers (simplified distillation)", () => {
    const gen = first.summary.nodes.find((n) => n.id === "synth/teacher-generate")!;
    const { answers, empty } = gen.data as { answers: number; empty: number };
    expect(answers + empty).toBe(20);
    expect(answers).toBeGreaterThanOrEqual(10);
    const synth = first.summary.nodes.find((n) => n.id === "synth/train")!;
    expect(synth.data).toMatchObject({ steps: 6, stopReason: "completed" });
  });

  it("writes the three students side by side to eval.json", () => {
    const s = JSON.parse(readFileSync(join(dir, "out", "eval.json"), "utf8")) as EvalSummary;
    expect(s.rows.map((r) => r.model)).toEqual(["kd", "hard_only", "synth"]);
    for (const r of s.rows) expect(r.metrics.loss).toBeGreaterThan(0);
    expect(s.rows[0].description).toBe("logit KD (T 2, α 0.5) of student_base");
    // The lowest validation loss is named, in eval.json and in the printed summary.
    const lowest = [...s.rows].sort((a, b) => a.metrics.loss - b.metrics.loss)[0];
    expect(s.best).toContainEqual({
      data: "qa.val",
      metric: "loss",
      better: "lower",
      model: lowest.model,
      value: lowest.metrics.loss,
    });
    // KD and hard labels only: fine-tunes of the same student, compared directly.
    expect(s.comparisons.map((c) => `${c.model} − ${c.reference}`)).toContain("hard_only − kd");
    const report = first.events.find(
      (e): e is Extract<RunEvent, { type: "report" }> =>
        e.type === "report" && e.title.startsWith("Evaluation summary"),
    );
    expect(report?.text).toMatch(new RegExp(`lowest loss: ${lowest.model} \\d\\.\\d{4} \\(`));
  });
});
