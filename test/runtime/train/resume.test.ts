/**
 * Checkpoints and exact resume: a run stopped after k steps and resumed from its last
 * checkpoint ends with weights bit-identical to an uninterrupted run; a crash while writing a
 * checkpoint leaves the previous one intact; foreign or damaged checkpoints are refused.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import type { TrainOptions } from "../../../runtime/train/options.js";
import { listCheckpoints, readTrainCheckpoint } from "../../../runtime/train/checkpoint.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { ToyLM, markovChain, sameBytes, sftExamples } from "./toy-lm.js";

const chain = markovChain(12, 7);
const train = sftExamples(chain, 20, 1);
const val = sftExamples(chain, 6, 2);

const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `pw-resume-${tag}-`));

function options(model: ToyLM, dir: string, overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    model,
    train,
    val,
    padId: 0,
    batchSize: 3,
    gradAccum: 2,
    epochs: 4,
    seed: 5,
    optimizer: { lr: 0.03, weightDecay: 0.01 },
    schedule: { kind: "cosine", warmupRatio: 0.1, minLrRatio: 0.1 },
    maxGradNorm: 1,
    evalEvery: 4,
    earlyStopping: { patience: 100 },
    checkpoint: { dir, every: 3, keepLast: 2 },
    fingerprint: "pipeline-a/stage-train",
    metricsFile: path.join(dir, "metrics.jsonl"),
    ...overrides,
  };
}

const newModel = () => new ToyLM({ vocab: 12, dim: 8, seed: 3, dropout: 0.2 });

for (const kind of ["adamw", "adamw8bit"] as const) {
  describe(`exact resume (${kind})`, () => {
    const optimizer = { kind, lr: 0.03, weightDecay: 0.01, minQuantizedSize: 16 };

    it("stop after k steps + resume = uninterrupted run, bit for bit", async () => {
      const fullModel = newModel();
      const full = await trainCausalLM(options(fullModel, tmp("full"), { optimizer }));
      // 20 examples / batch 3 → 7 micro-batches → 4 steps per epoch (the last takes one).
      expect(full.step).toBe(16);
      const reference = await fullModel.stateDict();

      const dir = tmp("split");
      const first = await trainCausalLM(options(newModel(), dir, { optimizer, haltAfterStep: 8 }));
      expect(first.stopReason).toBe("halted");
      // Steps 7 and 8 ran after the checkpoint of step 6: the resume redoes them.
      expect(listCheckpoints(dir).map((c) => c.step)).toEqual([3, 6]);

      const resumedModel = newModel(); // fresh weights: everything must come from the checkpoint
      const second = await trainCausalLM(options(resumedModel, dir, { optimizer, resume: true }));
      expect(second.resumedFrom).toMatch(/checkpoint-00000006$/);
      expect(second.step).toBe(16);
      expect(sameBytes(await resumedModel.stateDict(), reference)).toBe(true);
      // Early-stopping / evaluation state travels too: the same last evaluation.
      expect(second.lastEval).toEqual(full.lastEval);

      // The metrics log reads as one run: nothing after step 6 from the stopped run survives.
      const steps = fs
        .readFileSync(path.join(dir, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((e) => e.event === "log")
        .map((e) => e.step);
      expect(steps).toEqual([...new Set(steps)]);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
    });
  });
}

describe("checkpoints", () => {
  it("hold params, optimizer state, random states, data position, schedule and fingerprint", async () => {
    const dir = tmp("contents");
    await trainCausalLM(options(newModel(), dir, { maxSteps: 6, evalEvery: 0 }));
    const all = listCheckpoints(dir);
    expect(all.map((c) => c.step)).toEqual([3, 6]); // keepLast 2, the end coincides with 6
    const ck = readTrainCheckpoint(all[0].path);
    expect(ck.state.step).toBe(3);
    expect(ck.state.position).toEqual({ epoch: 0, microBatch: 6 });
    expect(ck.state.fingerprint).toBe("pipeline-a/stage-train");
    expect(ck.state.rng.seed).toBe(5);
    expect(ck.state.rng.model?.dropout).toHaveLength(4);
    expect(ck.state.schedule).toMatchObject({ kind: "cosine", peakLr: 0.03, totalSteps: 6 });
    expect([...ck.parameters.keys()]).toEqual(["emb.weight", "head.weight"]);
    expect(ck.optimizer.step).toBe(3);
    expect(Object.keys(ck.optimizer.slots[0]!)).toEqual(["m", "v"]);
  });

  it("keeps only the newest K", async () => {
    const dir = tmp("keep");
    await trainCausalLM(
      options(newModel(), dir, {
        checkpoint: { dir, every: 1, keepLast: 3 },
        maxSteps: 7,
        evalEvery: 0,
      }),
    );
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([5, 6, 7]);
  });

  it("a crash while writing leaves the previous checkpoint intact, and resume still matches", async () => {
    const reference = newModel();
    await trainCausalLM(options(reference, tmp("ref"), { maxSteps: 9 }));

    const dir = tmp("crash");
    let writes = 0;
    const crash = await trainCausalLM(
      options(newModel(), dir, {
        maxSteps: 9,
        // Checkpoint 6 dies after its first file (model.safetensors) is on disk.
        beforeCheckpointWrite: (file) => {
          if (file.includes("checkpoint-00000006") && ++writes === 2)
            throw new Error("simulated crash");
        },
      }),
    ).catch((e: Error) => e);
    expect(crash).toBeInstanceOf(Error);
    expect((crash as Error).message).toBe("simulated crash");
    // The half-written checkpoint is invisible; checkpoint 3 is whole and loads.
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([3]);
    expect(fs.readdirSync(dir).some((n) => n.startsWith(".tmp-checkpoint-00000006"))).toBe(true);
    expect(readTrainCheckpoint(listCheckpoints(dir)[0].path).state.step).toBe(3);

    const resumed = newModel();
    const r = await trainCausalLM(options(resumed, dir, { maxSteps: 9, resume: true }));
    expect(r.resumedFrom).toMatch(/checkpoint-00000003$/);
    expect(sameBytes(await resumed.stateDict(), await reference.stateDict())).toBe(true);
    // The next write swept the temporary directory.
    expect(fs.readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("refuses a checkpoint from another pipeline or stage (PW8004)", async () => {
    const dir = tmp("foreign");
    await trainCausalLM(options(newModel(), dir, { maxSteps: 3 }));
    const err = await trainCausalLM(
      options(newModel(), dir, {
        maxSteps: 3,
        resume: true,
        fingerprint: "pipeline-b/stage-train",
      }),
    ).catch((e) => e);
    expect(isPipeError(err) && err.code).toBe("PW8004");
    expect(err.message).toMatch(/another pipeline or stage/);
    expect(err.place.path).toMatch(/checkpoint-00000003$/);
    expect(err.hint).toMatch(/resume with the pipeline/);
  });

  it("refuses a checkpoint made with other training settings (PW8004)", async () => {
    const dir = tmp("settings");
    await trainCausalLM(options(newModel(), dir, { maxSteps: 3 }));
    const err = await trainCausalLM(
      options(newModel(), dir, { maxSteps: 3, resume: true, batchSize: 2 }),
    ).catch((e) => e);
    expect(isPipeError(err) && err.code).toBe("PW8004");
    expect(err.message).toMatch(/batchSize: 3 in the checkpoint, 2 now/);
  });

  it("reports a damaged checkpoint (PW8005)", async () => {
    const dir = tmp("corrupt");
    await trainCausalLM(options(newModel(), dir, { maxSteps: 3 }));
    const ck = listCheckpoints(dir)[0].path;
    fs.rmSync(path.join(ck, "optimizer.safetensors"));
    const err = await trainCausalLM(options(newModel(), dir, { maxSteps: 3, resume: true })).catch(
      (e) => e,
    );
    expect(isPipeError(err) && err.code).toBe("PW8005");
    expect(err.message).toMatch(/optimizer\.safetensors is missing/);
    fs.writeFileSync(path.join(ck, "trainer_state.json"), "{ not json");
    const err2 = await trainCausalLM(options(newModel(), dir, { maxSteps: 3, resume: true })).catch(
      (e) => e,
    );
    expect(isPipeError(err2) && err2.code).toBe("PW8005");
  });

  it("resuming a finished run (completed or stopped early) does nothing", async () => {
    const dir = tmp("finished");
    const done = newModel();
    const first = await trainCausalLM(options(done, dir, { maxSteps: 5 }));
    expect(listCheckpoints(dir).at(-1)!.step).toBe(5);
    expect(readTrainCheckpoint(listCheckpoints(dir).at(-1)!.path).state.finished).toBe("completed");
    const again = newModel();
    const events: string[] = [];
    const r = await trainCausalLM(
      options(again, dir, { maxSteps: 5, resume: true, onEvent: (e) => events.push(e.event) }),
    );
    expect(r).toMatchObject({ step: 5, stopReason: "completed", lastEval: first.lastEval });
    expect(events).toEqual(["start", "end"]);
    expect(sameBytes(await again.stateDict(), await done.stateDict())).toBe(true);

    const dir2 = tmp("stopped");
    let k = 0;
    const scores = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const evaluate = async () => ({ loss: scores[k++] });
    const stopped = await trainCausalLM(
      options(newModel(), dir2, {
        val: undefined,
        evaluate,
        evalEvery: 1,
        earlyStopping: { metric: "loss", patience: 2 },
      }),
    );
    expect(stopped).toMatchObject({ stopReason: "early_stop", step: 3 });
    const r2 = await trainCausalLM(
      options(newModel(), dir2, {
        val: undefined,
        evaluate,
        evalEvery: 1,
        earlyStopping: { metric: "loss", patience: 2 },
        resume: true,
      }),
    );
    expect(r2).toMatchObject({ stopReason: "early_stop", step: 3 });
    expect(k).toBe(3); // no evaluation after the resume
  });

  it("resume without a checkpoint starts from the beginning with a notice", async () => {
    const dir = tmp("none");
    const events: string[] = [];
    const r = await trainCausalLM(
      options(newModel(), dir, {
        maxSteps: 2,
        resume: true,
        onEvent: (e) => e.event === "notice" && events.push(e.message),
      }),
    );
    expect(r.step).toBe(2);
    expect(events[0]).toMatch(/no checkpoint yet/);
  });
});
