/**
 * The trainer, the distiller and the evaluator on runtime/llm's Llama model (tiny, CPU
 * backend): SFT lowers the validation loss and the evaluator's perplexity agrees with the
 * trainer's; LoRA with dropout resumes bit-identically; KD runs between two Llamas; greedy
 * generation feeds exact match.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { LlamaModel } from "../../../runtime/llm/model.js";
import { attachLora } from "../../../runtime/llm/adapters/lora.js";
import { llamaArchitecture } from "../../../compiler/world/llama-config.js";
import { Tokenizer } from "../../../runtime/tokenizer/tokenizer.js";
import { trainCharTokenizer } from "../../../runtime/tokenizer/char-tokenizer.js";
import { resolveTemplate } from "../../../runtime/data/template/apply-template.js";
import { prepareExamples } from "../../../runtime/data/template/prepare-examples.js";
import type { InstructionRecord } from "../../../runtime/data/format/record.js";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import { distillCausalLM } from "../../../runtime/distill/distill.js";
import { evaluateLlm } from "../../../runtime/llm-eval/runner.js";
import { llmGenerator } from "../../../runtime/llm-eval/llm-generator.js";
import { createRng } from "../../../runtime/util/random.js";
import type { LogEvent, TrainEvent } from "../../../runtime/train/events.js";
import { sameBytes } from "./toy-lm.js";

const backend = new CpuBackend();
const LETTERS = "abcdef";
// Task: reverse three letters ("abc=" → "cba").
function records(n: number, seed: number): InstructionRecord[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const s = Array.from({ length: 3 }, () => LETTERS[rng.int(LETTERS.length)]).join("");
    return {
      kind: "instruction",
      instruction: s,
      input: "",
      output: [...s].reverse().join(""),
      source: { path: "rev.jsonl", line: i + 1, origin: "file" },
    };
  });
}
const template = resolveTemplate({
  alpaca: { withInput: "{instruction}|{input}=", withoutInput: "{instruction}=" },
});

async function setup() {
  const { tokenizer: json } = await trainCharTokenizer([LETTERS + "=|"], {
    specialTokens: ["<s>", "</s>", "<pad>"],
    roles: { bos: "<s>", eos: "</s>", pad: "<pad>" },
    byteFallback: false,
  });
  const tokenizer = new Tokenizer(json, {
    config: { bosToken: "<s>", eosToken: "</s>", padToken: "<pad>", addBosToken: true } as never,
  });
  const prep = (rs: InstructionRecord[]) =>
    prepareExamples(rs, template, tokenizer, { maxLength: 16 }).examples;
  const trainRecords = records(48, 1);
  const valRecords = records(12, 2);
  return { tokenizer, train: prep(trainRecords), val: prep(valRecords), valRecords };
}

const arch = (hidden: number) =>
  llamaArchitecture({
    hiddenSize: hidden,
    intermediateSize: 2 * hidden,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    vocabSize: 12,
  });

describe("training runtime/llm's Llama", () => {
  it("SFT lowers val loss; llm-eval's perplexity = exp(trainer val_loss); greedy generation scores exact match", async () => {
    const { tokenizer, train, val, valRecords } = await setup();
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(12);
    const model = LlamaModel.random(arch(32), { seed: 1, backend });
    model.eosTokenIds = [tokenizer.eosId!];
    const result = await trainCausalLM({
      model,
      train,
      val,
      padId: tokenizer.padId!,
      batchSize: 8,
      gradAccum: 1,
      epochs: 8,
      seed: 3,
      optimizer: { lr: 0.01 },
      schedule: { kind: "cosine", warmupSteps: 4 },
      maxGradNorm: 1,
      evalEvery: 12,
    });
    const losses = result.evaluations.map((e) => e.metrics.val_loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.3);
    const report = await evaluateLlm({
      metrics: ["perplexity", "exact_match"],
      records: valRecords,
      model,
      tokenizer,
      template,
      maxLength: 16,
      padId: tokenizer.padId!,
      generate: llmGenerator(model, { maxNewTokens: 4, tokenizer }),
    });
    expect(report.metrics.perplexity.score).toBeCloseTo(Math.exp(result.lastEval!.val_loss), 4);
    console.info(
      `[llama-sft] val loss ${losses.map((l) => l.toFixed(3)).join(" → ")}; exact_match ${report.metrics.exact_match.score}`,
    );
    expect(report.metrics.exact_match.score).toBeGreaterThan(0.2); // chance is 1/216
  });

  it("LoRA with dropout: stop + resume = uninterrupted, bit for bit", async () => {
    const { tokenizer, train } = await setup();
    const make = () => {
      const m = LlamaModel.random(arch(16), { seed: 4, backend });
      attachLora(m, {
        rank: 2,
        alpha: 4,
        dropout: 0.2,
        targets: ["q_proj", "v_proj", "down_proj"],
        seed: 5,
      });
      return m;
    };
    const base = {
      train,
      padId: tokenizer.padId!,
      batchSize: 6,
      gradAccum: 2,
      epochs: 3,
      seed: 8,
      optimizer: { lr: 0.02 },
      schedule: { kind: "linear" as const, warmupRatio: 0.1 },
      fingerprint: "p/train",
    };
    const ref = make();
    await trainCausalLM({ ...base, model: ref });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-llama-resume-"));
    await trainCausalLM({
      ...base,
      model: make(),
      checkpoint: { dir, every: 4 },
      haltAfterStep: 6,
    });
    const resumed = make();
    const r = await trainCausalLM({
      ...base,
      model: resumed,
      checkpoint: { dir, every: 4 },
      resume: true,
    });
    expect(r.resumedFrom).toMatch(/checkpoint-00000004$/);
    const a = await ref.stateDict({ trainableOnly: true });
    expect([...a.keys()].every((k) => k.includes("lora_"))).toBe(true);
    expect(sameBytes(await resumed.stateDict({ trainableOnly: true }), a)).toBe(true);
  });

  it("distils a Llama teacher into a smaller Llama student (shared vocabulary)", async () => {
    const { tokenizer, train, val } = await setup();
    const teacher = LlamaModel.random(arch(32), { seed: 6, backend, trainable: false });
    const student = LlamaModel.random(arch(16), { seed: 7, backend });
    const events: TrainEvent[] = [];
    const r = await distillCausalLM({
      teacher,
      student,
      temperature: 2,
      alpha: 0.5,
      train,
      val,
      padId: tokenizer.padId!,
      batchSize: 8,
      maxSteps: 4,
      seed: 1,
      optimizer: { lr: 0.01 },
      logEvery: 2,
      onEvent: (e) => events.push(e),
    });
    expect(r.step).toBe(4);
    const logs = events.filter((e): e is LogEvent => e.event === "log");
    expect(logs).toHaveLength(2);
    for (const l of logs) expect(l.soft_loss).toBeGreaterThan(0);
    const other = LlamaModel.random({ ...arch(16), vocabSize: 13 }, { seed: 7, backend });
    await expect(
      distillCausalLM({
        teacher,
        student: other,
        temperature: 2,
        alpha: 0.5,
        train,
        padId: 0,
        batchSize: 8,
        maxSteps: 1,
        seed: 1,
        optimizer: { lr: 0.01 },
      }),
    ).rejects.toMatchObject({ code: "PW8006" });
  });
});
