import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { trainCausalLM, type TrainResult } from "../../../runtime/train/trainer.js";
import type { TrainOptions } from "../../../runtime/train/options.js";
import type { TrainEvent, LogEvent } from "../../../runtime/train/events.js";
import type { Objective } from "../../../runtime/train/objective.js";
import { crossEntropyObjective } from "../../../runtime/train/objective.js";
import { scale } from "../../../runtime/ops/elementwise.js";
import { liveTensorCount } from "../../../runtime/tensor/tensor.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { ToyLM, markovChain, sftExamples, sampleSequences } from "./toy-lm.js";

const chain = markovChain(12, 7);
const train = sftExamples(chain, 24, 1);
const val = sftExamples(chain, 8, 2);

function tmp(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pw-train-${tag}-`));
}

async function run(
  overrides: Partial<TrainOptions> = {},
  modelSeed = 3,
): Promise<{ result: TrainResult; events: TrainEvent[]; model: ToyLM }> {
  const model = new ToyLM({ vocab: 12, dim: 8, seed: modelSeed, dropout: 0.1 });
  const events: TrainEvent[] = [];
  const result = await trainCausalLM({
    model,
    train,
    val,
    padId: 0,
    batchSize: 4,
    gradAccum: 2,
    epochs: 3,
    seed: 11,
    optimizer: { lr: 0.05 },
    schedule: { kind: "cosine", warmupSteps: 2 },
    logEvery: 2,
    onEvent: (e) => events.push(e),
    ...overrides,
  });
  return { result, events, model };
}

describe("trainCausalLM", () => {
  it("lowers the validation loss and reports progress as events", async () => {
    const { result, events } = await run({ evalEvery: 3 });
    // 24 examples, batch 4 → 6 micro-batches, accum 2 → 3 steps per epoch, 3 epochs.
    expect(result.totalSteps).toBe(9);
    expect(result.step).toBe(9);
    expect(result.stopReason).toBe("completed");
    const evals = result.evaluations.map((e) => e.metrics.val_loss);
    expect(evals).toHaveLength(3);
    expect(evals[2]).toBeLessThan(evals[0]);
    const logs = events.filter((e): e is LogEvent => e.event === "log");
    expect(logs.map((l) => l.step)).toEqual([2, 4, 6, 8, 9]);
    for (const l of logs) {
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(l.lr).toBeGreaterThan(0);
      expect(l.tokens_per_s).toBeGreaterThan(0);
      expect(l.eta_s).toBeGreaterThanOrEqual(0);
      expect(l.epoch).toBeGreaterThan(0);
    }
    expect(logs[logs.length - 1].eta_s).toBe(0);
    expect(events[0].event).toBe("start");
    expect(events[events.length - 1]).toMatchObject({ event: "end", step: 9, reason: "completed" });
  });

  it("leaks no tensor: after a run only the model's parameters are alive", async () => {
    const before = liveTensorCount();
    const { model } = await run({ maxSteps: 5, evalEvery: 2, maxGradNorm: 1 });
    expect(liveTensorCount() - before).toBe(2);
    model.dispose();
  });

  it("stops at max_steps or at the end of the epochs, whichever comes first", async () => {
    expect((await run({ maxSteps: 4, epochs: 3 })).result.step).toBe(4);
    expect((await run({ maxSteps: 40, epochs: 1 })).result.step).toBe(3);
    // max_steps alone runs as many epochs as it takes.
    const r = (await run({ maxSteps: 7, epochs: undefined, val: undefined })).result;
    expect(r.step).toBe(7);
    expect(r.epoch).toBeCloseTo(2 + 2 / 6, 10);
  });

  it("writes the events to a metrics JSONL file", async () => {
    const dir = tmp("metrics");
    const file = path.join(dir, "metrics.jsonl");
    const { events } = await run({ metricsFile: file, evalEvery: 3, maxSteps: 6 });
    const lines = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(JSON.parse(JSON.stringify(events)));
    expect(lines.filter((l) => l.event === "eval")).toHaveLength(2);
  });

  it("is deterministic: same seed, same bytes; another seed, other bytes", async () => {
    const a = await (await run({ maxSteps: 5 })).model.stateDict();
    const b = await (await run({ maxSteps: 5 })).model.stateDict();
    const c = await (await run({ maxSteps: 5, seed: 12 })).model.stateDict();
    expect(
      Buffer.from(a.get("emb.weight")!.buffer).equals(Buffer.from(b.get("emb.weight")!.buffer)),
    ).toBe(true);
    expect(
      Buffer.from(a.get("emb.weight")!.buffer).equals(Buffer.from(c.get("emb.weight")!.buffer)),
    ).toBe(false);
  });

  it("trains 8-bit AdamW, constant and linear schedules, with clipping", async () => {
    for (const schedule of [
      { kind: "constant" as const },
      { kind: "linear" as const, warmupRatio: 0.2, minLrRatio: 0.1 },
    ]) {
      const { result, events } = await run({
        optimizer: { kind: "adamw8bit", lr: 0.05, minQuantizedSize: 16 },
        schedule,
        maxGradNorm: 0.5,
        evalEvery: 9,
      });
      expect(result.evaluations[0].metrics.val_loss).toBeLessThan(3);
      expect(events.some((e) => e.event === "log")).toBe(true);
    }
  });

  it("pre-training trains on every token", async () => {
    const texts = sampleSequences(chain, 16, 8, 5).map((inputIds) => ({ inputIds }));
    const { result } = await run({
      train: texts,
      val: texts.slice(0, 4),
      objective: "pretrain",
      evalEvery: 2,
      maxSteps: 6,
    });
    const first = result.evaluations[0].metrics;
    // 4 sequences × 7 predicted tokens each.
    expect(first.val_perplexity).toBeCloseTo(Math.exp(first.val_loss), 6);
    expect(result.evaluations[2].metrics.val_loss).toBeLessThan(first.val_loss);
  });

  it("stops early when the watched metric stops improving (patience)", async () => {
    const script = [1.0, 0.8, 0.85, 0.9, 0.7];
    let k = 0;
    const { result, events } = await run({
      val: undefined,
      evaluate: async () => ({ score: script[k++] }),
      evalEvery: 1,
      earlyStopping: { metric: "score", mode: "min", patience: 2 },
    });
    expect(result.stopReason).toBe("early_stop");
    expect(result.step).toBe(4);
    expect(result.best).toEqual({ metric: "score", value: 0.8, step: 2 });
    expect(events.find((e) => e.event === "early_stop")).toMatchObject({
      step: 4,
      best: 0.8,
      best_step: 2,
    });
    // max mode: 0.85 > 0.8 counts as an improvement.
    k = 0;
    const maxMode = await run({
      val: undefined,
      evaluate: async () => ({ score: script[k++] }),
      evalEvery: 1,
      earlyStopping: { metric: "score", mode: "max", patience: 1 },
    });
    expect(maxMode.result.step).toBe(2);
  });

  it("reports f16 mixed precision as not implemented instead of pretending", async () => {
    const { events } = await run({ mixedPrecision: "f16", maxSteps: 1 });
    const notice = events.find((e) => e.event === "notice");
    expect(notice && "message" in notice && notice.message).toMatch(/f16 mixed precision.*f32/);
  });

  it("refuses an empty training set and a validation set without loss tokens (PW8009)", async () => {
    const err1 = await run({ train: [] }).catch((e) => e);
    expect(isPipeError(err1) && err1.code).toBe("PW8009");
    const err2 = await run({
      val: [{ inputIds: [1, 2, 3], labels: [-100, -100, -100] }],
      evalEvery: 1,
    }).catch((e) => e);
    expect(isPipeError(err2) && err2.code).toBe("PW8009");
  });

  it("stops with PW8010 when the loss becomes NaN", async () => {
    const nan: Objective = {
      name: "nan",
      settings: () => ({}),
      microBatchLoss: (m, b, be) => ({
        loss: scale(crossEntropyObjective.microBatchLoss(m, b, be).loss, NaN),
      }),
    };
    const err = await run({ loss: nan, logEvery: 1 }).catch((e) => e);
    expect(isPipeError(err) && err.code).toBe("PW8010");
    expect(err.message).toMatch(/by step 1/);
  });
});
