/**
 * Exact resume on the WebGPU backend (lavapipe on CPU-only machines): the kernels are
 * deterministic, so a stopped-and-resumed run ends bit-identical to an uninterrupted one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { createBackend } from "../../../runtime/backend/create-backend.js";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import type { TrainOptions } from "../../../runtime/train/options.js";
import { LlamaModel } from "../../../runtime/llm/model.js";
import { attachLora } from "../../../runtime/llm/adapters/lora.js";
import { llamaArchitecture } from "../../../compiler/world/llama-config.js";
import { ToyLM, markovChain, sameBytes, sftExamples } from "./toy-lm.js";

describeWebGPU("exact resume on WebGPU", () => {
  it("stop + resume = uninterrupted, bit for bit (AdamW and 8-bit AdamW)", async () => {
    const backend = await createBackend({ prefer: "webgpu", setDefault: false });
    expect(backend.kind).toBe("webgpu");
    const chain = markovChain(12, 7);
    const train = sftExamples(chain, 16, 1);
    for (const kind of ["adamw", "adamw8bit"] as const) {
      const make = () => new ToyLM({ vocab: 12, dim: 8, seed: 3, dropout: 0.1, backend });
      const base = (model: ToyLM): TrainOptions => ({
        model,
        train,
        padId: 0,
        batchSize: 4,
        gradAccum: 2,
        epochs: 3,
        seed: 5,
        optimizer: { kind, lr: 0.03, minQuantizedSize: 16 },
        schedule: { kind: "cosine", warmupSteps: 1 },
        maxGradNorm: 1,
      });
      const ref = make();
      await trainCausalLM(base(ref));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-resume-gpu-"));
      await trainCausalLM({ ...base(make()), checkpoint: { dir, every: 2 }, haltAfterStep: 3 });
      const resumed = make();
      await trainCausalLM({ ...base(resumed), checkpoint: { dir, every: 2 }, resume: true });
      expect(sameBytes(await resumed.stateDict(), await ref.stateDict()), kind).toBe(true);
    }
  });

  it("Llama + LoRA (dropout) on the GPU: stop + resume = uninterrupted, bit for bit", async () => {
    const backend = await createBackend({ prefer: "webgpu", setDefault: false });
    const train = sftExamples(markovChain(16, 3), 12, 2, { maxLength: 12 });
    const make = () => {
      const arch = llamaArchitecture({
        hiddenSize: 16,
        intermediateSize: 32,
        numHiddenLayers: 1,
        numAttentionHeads: 2,
        vocabSize: 16,
      });
      const m = LlamaModel.random(arch, { seed: 4, backend });
      attachLora(m, {
        rank: 2,
        alpha: 4,
        dropout: 0.2,
        targets: ["q_proj", "v_proj", "up_proj"],
        seed: 5,
      });
      return m;
    };
    const base = {
      train,
      padId: 0,
      batchSize: 4,
      gradAccum: 2,
      epochs: 2,
      seed: 8,
      optimizer: { lr: 0.02 },
      fingerprint: "p/lora",
    };
    const ref = make();
    await trainCausalLM({ ...base, model: ref });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-resume-gpu-llama-"));
    await trainCausalLM({
      ...base,
      model: make(),
      checkpoint: { dir, every: 2 },
      haltAfterStep: 3,
    });
    const resumed = make();
    await trainCausalLM({ ...base, model: resumed, checkpoint: { dir, every: 2 }, resume: true });
    const a = await ref.stateDict({ trainableOnly: true });
    expect(a.size).toBe(6);
    expect(sameBytes(await resumed.stateDict({ trainableOnly: true }), a)).toBe(true);
  });
});
