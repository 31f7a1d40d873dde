import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { loadLlama } from "../../../runtime/llm/hf-io.js";
import { generate } from "../../../runtime/llm/generate.js";
import { samplingDistribution, sampleToken } from "../../../runtime/llm/sampling.js";
import { attachPrefixTuning } from "../../../runtime/llm/adapters/prefix-tuning.js";
import { attachPromptTuning } from "../../../runtime/llm/adapters/prompt-tuning.js";
import { attachLora } from "../../../runtime/llm/adapters/lora.js";
import { liveTensorCount } from "../../../runtime/tensor/tensor.js";
import { createRng } from "../../../runtime/util/random.js";
import type { Backend } from "../../../runtime/backend/backend.js";
import type { LlamaModel } from "../../../runtime/llm/model.js";
import {
  cpu,
  logitsFixture,
  randomize,
  ROOT,
  smallModel,
  TINY,
  webgpuBackend,
  GPU_TIMEOUT_MS,
} from "./llm-test-helpers.js";

const fixture = logitsFixture();

async function cachedEqualsUncached(model: LlamaModel, prompts: number[][], n: number) {
  const cached = await generate(model, prompts, { maxNewTokens: n, eosTokenIds: [] });
  const uncached = await generate(model, prompts, {
    maxNewTokens: n,
    eosTokenIds: [],
    useCache: false,
  });
  expect(cached.map((g) => g.tokens)).toEqual(uncached.map((g) => g.tokens));
  for (const g of cached) expect(g.tokens).toHaveLength(n);
  return cached;
}

async function greedyMatchesTorch(backend: Backend) {
  for (const [key, m] of Object.entries(fixture.models)) {
    const model = loadLlama(path.join(ROOT, m.dir), { backend });
    const [g] = await generate(model, [m.greedy.prompt], { maxNewTokens: 8, eosTokenIds: [] });
    expect(g.tokens, key).toEqual(m.greedy.tokens);
    model.dispose();
  }
}

describe("generate", () => {
  it("greedy continuations equal PyTorch's (KV cache)", async () => {
    await greedyMatchesTorch(cpu());
  });

  it("KV-cached greedy equals uncached greedy token for token (plain, GQA, prefix, prompt tuning)", async () => {
    const prompts = [
      [1, 5, 9],
      [1, 7, 3, 3, 8],
      [2, 4, 6],
    ];
    const plain = smallModel(cpu(), {}, 4, 1);
    await cachedEqualsUncached(plain, prompts, 12);
    plain.dispose();
    const prefix = smallModel(cpu(), {}, 4, 1);
    attachPrefixTuning(prefix, { virtualTokens: 3, initStd: 1, seed: 2 });
    await cachedEqualsUncached(prefix, prompts, 10);
    prefix.dispose();
    const prompt = smallModel(cpu(), {}, 4, 1);
    attachPromptTuning(prompt, { virtualTokens: 2, seed: 2 });
    await cachedEqualsUncached(prompt, prompts, 10);
    prompt.dispose();
  });

  it("a batch of prompts gives each prompt's own generation; no tensors leak", async () => {
    const model = smallModel(cpu(), {}, 4, 1);
    attachLora(model, { rank: 2, alpha: 4, targets: ["q_proj"], seed: 1 });
    for (const [n, t] of model.trainableParameters())
      if (n.includes("lora_B")) randomize(t, 3, 0.5);
    const prompts = [
      [1, 5, 9],
      [1, 7, 3, 3],
      [2, 4, 6],
    ];
    await generate(model, [[1]], { maxNewTokens: 1 }); // builds the model's RoPE table
    const before = liveTensorCount();
    const batch = await generate(model, prompts, { maxNewTokens: 6, eosTokenIds: [] });
    expect(liveTensorCount()).toBe(before);
    for (let i = 0; i < prompts.length; i++) {
      const [alone] = await generate(model, [prompts[i]], { maxNewTokens: 6, eosTokenIds: [] });
      expect(batch[i].tokens).toEqual(alone.tokens);
      expect(batch[i].promptTokens).toEqual(prompts[i]);
    }
    model.dispose();
  });

  it("sampling is seeded; top-k 1 is greedy", async () => {
    const model = smallModel(cpu(), {}, 4, 1);
    const opts = { maxNewTokens: 10, eosTokenIds: [], temperature: 1.5, seed: 7 };
    const a = await generate(model, [[1, 2, 3]], opts);
    const b = await generate(model, [[1, 2, 3]], opts);
    const c = await generate(model, [[1, 2, 3]], { ...opts, seed: 8 });
    expect(a[0].tokens).toEqual(b[0].tokens);
    expect(c[0].tokens).not.toEqual(a[0].tokens);
    const greedy = await generate(model, [[1, 2, 3]], { maxNewTokens: 10, eosTokenIds: [] });
    const topk1 = await generate(model, [[1, 2, 3]], { ...opts, topK: 1 });
    expect(topk1[0].tokens).toEqual(greedy[0].tokens);
    model.dispose();
  });

  it("stops at EOS and at stop strings; decodes text with the model's tokenizer", async () => {
    const model = loadLlama(TINY, { backend: cpu() });
    const [free] = await generate(model, ["hello"], { maxNewTokens: 12, eosTokenIds: [] });
    expect(free.promptTokens[0]).toBe(1); // <s>
    expect(free.finishReason).toBe("length");
    expect(free.text).toBe(model.tokenizer!.decode(free.tokens, { skipSpecialTokens: true }));
    // EOS: make the 4th generated token the end-of-sequence id.
    const eos = free.tokens[3];
    const [stopped] = await generate(model, ["hello"], { maxNewTokens: 12, eosTokenIds: [eos] });
    expect(stopped.finishReason).toBe("eos");
    expect(stopped.tokens).toEqual(free.tokens.slice(0, free.tokens.indexOf(eos)));
    // Stop string: a piece of the free text.
    const stop = free.text!.slice(2, 4);
    const [s] = await generate(model, ["hello"], {
      maxNewTokens: 12,
      eosTokenIds: [],
      stopStrings: [stop],
    });
    expect(s.finishReason).toBe("stop");
    expect(s.text).toBe(free.text!.slice(0, free.text!.indexOf(stop)));
    model.dispose();
  });
});

describe("sampling", () => {
  const logits = [2, 1, 0.5, 3, 3, -1];

  it("top-k keeps ties with the k-th logit; top-p keeps the smallest set reaching p", () => {
    expect(samplingDistribution(logits, { temperature: 1, topK: 1 }).ids).toEqual([3, 4]);
    expect(samplingDistribution(logits, { temperature: 1, topK: 3 }).ids).toEqual([3, 4, 0]);
    const all = samplingDistribution(logits, { temperature: 1 });
    expect(all.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const p = all.probs[0] + all.probs[1] + 0.01;
    expect(samplingDistribution(logits, { temperature: 1, topP: p }).ids).toEqual([3, 4, 0]);
    expect(samplingDistribution(logits, { temperature: 1, topP: 0.01 }).ids).toEqual([3]);
  });

  it("draws with the distribution's frequencies", () => {
    const rng = createRng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 20000; i++) counts[sampleToken(logits, { temperature: 2 }, rng)]++;
    const { ids, probs } = samplingDistribution(logits, { temperature: 2 });
    ids.forEach((id, r) => expect(Math.abs(counts[id] / 20000 - probs[r])).toBeLessThan(0.015));
  });
});

describeWebGPU("generate on WebGPU", () => {
  it(
    "KV-cached greedy equals uncached and PyTorch's continuation",
    async () => {
      const gpu = await webgpuBackend();
      const m = fixture.models["tiny-llama"];
      const model = loadLlama(path.join(ROOT, m.dir), { backend: gpu });
      const [g] = await cachedEqualsUncached(model, [m.greedy.prompt], 8);
      expect(g.tokens).toEqual(m.greedy.tokens);
      model.dispose();
    },
    GPU_TIMEOUT_MS,
  );
});
