/**
 * Acceptance at toy scale: a student distilled from a teacher (logit KD) reaches a lower
 * validation loss than the same student trained on hard labels only — same data, same steps,
 * same seed. The task: next-token prediction on a stochastic Markov chain. The student's few
 * training sequences carry one sampled (noisy) next token per position; the teacher, trained
 * first on many sequences, knows the whole next-token distribution, which is what the soft
 * loss passes on. Validation loss is the hard-label cross-entropy on held-out sequences.
 */
import { describe, expect, it } from "vitest";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import { distillCausalLM } from "../../../runtime/distill/distill.js";
import { evaluateLoss } from "../../../runtime/train/evaluate-loss.js";
import type { LogEvent, TrainEvent } from "../../../runtime/train/events.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { ToyLM, markovChain, sampleSequences } from "../train/toy-lm.js";

const backend = new CpuBackend();

const V = 16;
const chain = markovChain(V, 21, 0.45);
const seqs = (n: number, seed: number) =>
  sampleSequences(chain, n, 12, seed).map((inputIds) => ({ inputIds }));
const teacherData = seqs(400, 1);
const studentData = seqs(12, 2);
const valData = seqs(64, 3);
const common = { padId: 0, objective: "pretrain" as const, seed: 7 };

/** The entropy rate of the chain: the best possible validation loss (nats/token). */
function chainEntropy(): number {
  // Uniform start, so weight rows by the empirical visit frequency of the validation data.
  const counts = new Array<number>(V).fill(0);
  for (const s of valData) for (const t of s.inputIds.slice(0, -1)) counts[t]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return chain.reduce(
    (acc, row, i) =>
      acc - (counts[i] / total) * row.reduce((h, p) => h + (p > 0 ? p * Math.log(p) : 0), 0),
    0,
  );
}

describe("logit distillation beats hard labels (acceptance, toy scale)", () => {
  it("KD student val loss < hard-label student val loss, same steps and seed", async () => {
    const teacher = new ToyLM({ vocab: V, dim: 24, seed: 100, backend });
    await trainCausalLM({
      ...common,
      model: teacher,
      train: teacherData,
      batchSize: 32,
      epochs: 6,
      optimizer: { lr: 0.05 },
      schedule: { kind: "cosine", warmupSteps: 5 },
    });
    const teacherVal = (await evaluateLoss(teacher, valData, { ...common, batchSize: 64 })).loss;

    const studentRun = {
      ...common,
      train: studentData,
      val: valData,
      batchSize: 4,
      epochs: 20,
      optimizer: { lr: 0.05 },
      schedule: { kind: "linear" as const, warmupSteps: 3 },
      evalEvery: 15,
    };
    const hard = new ToyLM({ vocab: V, dim: 6, seed: 200, backend });
    const hardResult = await trainCausalLM({ ...studentRun, model: hard });

    const events: TrainEvent[] = [];
    const kd = new ToyLM({ vocab: V, dim: 6, seed: 200, backend });
    const kdResult = await distillCausalLM({
      ...studentRun,
      teacher,
      student: kd,
      temperature: 2,
      alpha: 0.5,
      logEvery: 5,
      onEvent: (e) => events.push(e),
    });

    const hardVal = hardResult.lastEval!.val_loss;
    const kdVal = kdResult.lastEval!.val_loss;
    expect(kdResult.step).toBe(hardResult.step);
    console.info(
      `[kd-vs-hard] steps=${kdResult.step} entropy-rate=${chainEntropy().toFixed(4)} teacher=${teacherVal.toFixed(4)} ` +
        `hard-label student=${hardVal.toFixed(4)} KD student=${kdVal.toFixed(4)}`,
    );
    expect(kdVal).toBeLessThan(hardVal - 0.05);
    // Not an artefact of over-fitting late: KD's best evaluation also beats hard labels' best.
    const best = (r: typeof kdResult) => Math.min(...r.evaluations.map((e) => e.metrics.val_loss));
    console.info(
      `[kd-vs-hard] best over evaluations: hard=${best(hardResult).toFixed(4)} KD=${best(kdResult).toFixed(4)}`,
    );
    expect(best(kdResult)).toBeLessThan(best(hardResult));
    // Total, hard and soft losses are all logged, and total = α·hard + (1−α)·soft.
    const logs = events.filter((e): e is LogEvent => e.event === "log");
    expect(logs.length).toBeGreaterThan(3);
    for (const l of logs) {
      const h = l.hard_loss as number;
      const s = l.soft_loss as number;
      expect(l.loss).toBeCloseTo(0.5 * h + 0.5 * s, 5);
    }
  });
});
