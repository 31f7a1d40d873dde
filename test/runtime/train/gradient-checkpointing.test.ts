/**
 * `gradientCheckpointing` in the trainer: with a Llama model the layers are recomputed in the
 * backward (runtime/llm's forwardBackward) and training reaches the same weights as without
 * (full pre-training, LoRA with dropout and accumulation, and logit distillation, whose frozen
 * teacher runs inside the loss); a model or objective that cannot
 * recompute gets a notice and trains as before.
 */
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { LlamaModel } from "../../../runtime/llm/model.js";
import { attachLora } from "../../../runtime/llm/adapters/lora.js";
import { llamaArchitecture } from "../../../compiler/world/llama-config.js";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import { distillCausalLM } from "../../../runtime/distill/distill.js";
import type { TrainEvent } from "../../../runtime/train/events.js";
import { markovChain, sampleSequences, sftExamples, ToyLM } from "./toy-lm.js";

const backend = new CpuBackend();
const arch = llamaArchitecture({
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  vocabSize: 11,
  tieWordEmbeddings: true,
});
const chain = markovChain(11, 3);

function expectClose(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, x] of a) {
    const y = b.get(name)!;
    let worst = 0;
    for (let i = 0; i < x.length; i++)
      worst = Math.max(worst, Math.abs(x[i] - y[i]) / (Math.abs(y[i]) + 1e-3));
    expect(worst, name).toBeLessThan(1e-4);
  }
}

async function run(
  checkpoint: boolean,
  lora: boolean,
): Promise<{ weights: Map<string, Float32Array>; events: TrainEvent[]; recomputed: number }> {
  const model = LlamaModel.random(arch, { seed: 2, backend });
  let recomputed = 0;
  const original = model.forwardBackward.bind(model);
  model.forwardBackward = (ids, lossFn, options) => {
    if (options.checkpoint) recomputed++;
    return original(ids, lossFn, options);
  };
  if (lora)
    attachLora(model, {
      rank: 2,
      alpha: 4,
      dropout: 0.1,
      targets: ["q_proj", "v_proj", "down_proj"],
      seed: 4,
    });
  const events: TrainEvent[] = [];
  await trainCausalLM({
    model,
    train: lora
      ? sftExamples(chain, 24, 5)
      : sampleSequences(chain, 24, 8, 5).map((s) => ({ inputIds: s })),
    objective: lora ? "sft" : "pretrain",
    padId: 0,
    batchSize: 4,
    gradAccum: 2,
    maxSteps: 4,
    seed: 6,
    optimizer: { lr: 0.01 },
    maxGradNorm: 1,
    gradientCheckpointing: checkpoint,
    onEvent: (e) => events.push(e),
  });
  return { weights: await model.stateDict({ trainableOnly: true }), events, recomputed };
}

describe("gradient checkpointing in the trainer", () => {
  it("pre-training reaches the same weights with and without it", async () => {
    const plain = await run(false, false);
    const ckpt = await run(true, false);
    expectClose(ckpt.weights, plain.weights);
    expect(plain.recomputed).toBe(0);
    expect(ckpt.recomputed).toBe(8); // 4 steps × 2 micro-batches
    expect(ckpt.events.filter((e) => e.event === "notice")).toEqual([]);
  });

  it("LoRA with dropout and accumulation reaches the same weights", async () => {
    expectClose((await run(true, true)).weights, (await run(false, true)).weights);
  });

  it("logit distillation reaches the same student weights, the student recomputed", async () => {
    async function distill(checkpoint: boolean) {
      const teacher = LlamaModel.random(arch, { seed: 9, backend, trainable: false });
      const student = LlamaModel.random(arch, { seed: 2, backend });
      let recomputed = 0;
      const original = student.forwardBackward.bind(student);
      student.forwardBackward = (ids, lossFn, options) => {
        if (options.checkpoint) recomputed++;
        return original(ids, lossFn, options);
      };
      const events: TrainEvent[] = [];
      await distillCausalLM({
        teacher,
        student,
        temperature: 2,
        alpha: 0.5,
        train: sftExamples(chain, 24, 5),
        objective: "sft",
        padId: 0,
        batchSize: 4,
        gradAccum: 2,
        maxSteps: 3,
        seed: 6,
        optimizer: { lr: 0.01 },
        maxGradNorm: 1,
        gradientCheckpointing: checkpoint,
        onEvent: (e) => events.push(e),
      });
      return { weights: await student.stateDict({ trainableOnly: true }), events, recomputed };
    }
    const plain = await distill(false);
    const ckpt = await distill(true);
    expectClose(ckpt.weights, plain.weights);
    expect(plain.recomputed).toBe(0);
    expect(ckpt.recomputed).toBe(6); // 3 steps × 2 micro-batches
    expect(ckpt.events.filter((e) => e.event === "notice")).toEqual([]);
    const logged = ckpt.events.find((e) => e.event === "log") as { hard_loss?: number } | undefined;
    expect(logged?.hard_loss).toBeGreaterThan(0);
  });

  it("a model that cannot recompute its layers trains without it, with a notice", async () => {
    const events: TrainEvent[] = [];
    await trainCausalLM({
      model: new ToyLM({ vocab: 11, dim: 8, seed: 1 }),
      train: sampleSequences(chain, 8, 6, 1).map((s) => ({ inputIds: s })),
      objective: "pretrain",
      padId: 0,
      batchSize: 4,
      maxSteps: 2,
      seed: 1,
      optimizer: { lr: 0.01 },
      gradientCheckpointing: true,
      onEvent: (e) => events.push(e),
    });
    const notices = events.filter((e) => e.event === "notice");
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ message: expect.stringMatching(/gradient checkpointing/) });
  });
});
