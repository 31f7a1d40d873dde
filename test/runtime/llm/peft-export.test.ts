import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadLlama } from "../../../runtime/llm/hf-io.js";
import type { LlamaModel } from "../../../runtime/llm/model.js";
import { attachLora, attachQLora } from "../../../runtime/llm/adapters/lora.js";
import { attachIa3 } from "../../../runtime/llm/adapters/ia3.js";
import { attachPromptTuning } from "../../../runtime/llm/adapters/prompt-tuning.js";
import { attachPrefixTuning } from "../../../runtime/llm/adapters/prefix-tuning.js";
import { attachBottleneck } from "../../../runtime/llm/adapters/bottleneck.js";
import {
  exportPeftAdapter,
  loadPeftAdapter,
  saveMerged,
} from "../../../runtime/llm/peft-export.js";
import { readSafetensors, readSafetensorsHeader } from "../../../runtime/io/safetensors.js";
import {
  cpu,
  logitsOf,
  randomIds,
  randomize,
  relError,
  tempDir,
  TINY,
} from "./llm-test-helpers.js";

const ids = randomIds(2, 6, 272, 12);

function perturb(model: LlamaModel): void {
  let seed = 1;
  for (const t of model.trainableParameters().values()) randomize(t, seed++, 0.2);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

describe("PEFT adapter export", () => {
  it("LoRA: adapter_config.json fields and exact PEFT key names and shapes", async () => {
    const model = loadLlama(TINY, { backend: cpu() });
    attachLora(model, {
      rank: 8,
      alpha: 16,
      dropout: 0.05,
      targets: ["q_proj", "v_proj"],
      seed: 1,
    });
    const dir = tempDir("peft-lora");
    await exportPeftAdapter(model, dir, { baseModelNameOrPath: "models/tiny-llama" });
    const config = readJson(path.join(dir, "adapter_config.json"));
    expect(config).toMatchObject({
      peft_type: "LORA",
      task_type: "CAUSAL_LM",
      r: 8,
      lora_alpha: 16,
      lora_dropout: 0.05,
      target_modules: ["q_proj", "v_proj"],
      base_model_name_or_path: "models/tiny-llama",
      bias: "none",
    });
    const header = readSafetensorsHeader(path.join(dir, "adapter_model.safetensors"));
    const got = [...header.tensors.values()]
      .map((t) => `${t.name} ${t.dtype} [${t.shape.join(", ")}]`)
      .sort();
    const want: string[] = [];
    for (let l = 0; l < 2; l++) {
      const p = `base_model.model.model.layers.${l}.self_attn`;
      want.push(`${p}.q_proj.lora_A.weight F32 [8, 32]`, `${p}.q_proj.lora_B.weight F32 [32, 8]`);
      want.push(`${p}.v_proj.lora_A.weight F32 [8, 32]`, `${p}.v_proj.lora_B.weight F32 [16, 8]`);
    }
    expect(got).toEqual(want.sort());
    model.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  it("every method round-trips: export, load into a fresh base, same logits", async () => {
    const methods: [string, (m: LlamaModel) => void, string, string][] = [
      [
        "lora",
        (m) => attachLora(m, { rank: 4, alpha: 8, targets: ["all-linear"], seed: 1 }),
        "LORA",
        "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight",
      ],
      ["ia3", (m) => attachIa3(m), "IA3", "base_model.model.model.layers.0.mlp.down_proj.ia3_l"],
      [
        "prompt",
        (m) => attachPromptTuning(m, { virtualTokens: 4, seed: 1 }),
        "PROMPT_TUNING",
        "prompt_embeddings",
      ],
      [
        "prefix",
        (m) => attachPrefixTuning(m, { virtualTokens: 3, initStd: 0.3, seed: 1 }),
        "PREFIX_TUNING",
        "prompt_embeddings",
      ],
      [
        "bottleneck",
        (m) => attachBottleneck(m, { size: 4, seed: 1 }),
        "BOTTLENECK",
        "base_model.model.model.layers.0.adapter_attn.up.weight",
      ],
    ];
    for (const [what, attach, peftType, key] of methods) {
      const model = loadLlama(TINY, { backend: cpu() });
      attach(model);
      perturb(model);
      const want = await logitsOf(model, ids);
      const dir = tempDir(`peft-${what}`);
      await exportPeftAdapter(model, dir, { baseModelNameOrPath: TINY });
      expect(readJson(path.join(dir, "adapter_config.json")).peft_type).toBe(peftType);
      const { tensors } = readSafetensors(path.join(dir, "adapter_model.safetensors"));
      expect(tensors.has(key), `${what}: ${[...tensors.keys()].join(", ")}`).toBe(true);
      const fresh = loadLlama(TINY, { backend: cpu() });
      loadPeftAdapter(fresh, dir);
      expect(relError(await logitsOf(fresh, ids), want), what).toBe(0);
      fresh.dispose();
      model.dispose();
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("IA3 config lists target and feedforward modules; prefix uses the KV width", async () => {
    const model = loadLlama(TINY, { backend: cpu() });
    attachIa3(model);
    const dir = tempDir("peft-ia3");
    await exportPeftAdapter(model, dir, { baseModelNameOrPath: "b" });
    expect(readJson(path.join(dir, "adapter_config.json"))).toMatchObject({
      target_modules: ["down_proj", "k_proj", "v_proj"],
      feedforward_modules: ["down_proj"],
    });
    const shapes = readSafetensorsHeader(path.join(dir, "adapter_model.safetensors")).tensors;
    expect(shapes.get("base_model.model.model.layers.0.self_attn.k_proj.ia3_l")?.shape).toEqual([
      16, 1,
    ]);
    expect(shapes.get("base_model.model.model.layers.0.mlp.down_proj.ia3_l")?.shape).toEqual([
      1, 64,
    ]);
    model.dispose();
    const prefix = loadLlama(TINY, { backend: cpu() });
    attachPrefixTuning(prefix, { virtualTokens: 5, seed: 1 });
    await exportPeftAdapter(prefix, dir, { baseModelNameOrPath: "b" });
    expect(readJson(path.join(dir, "adapter_config.json"))).toMatchObject({
      num_virtual_tokens: 5,
      token_dim: 16,
      num_attention_heads: 2,
      num_layers: 2,
    });
    expect(
      readSafetensorsHeader(path.join(dir, "adapter_model.safetensors")).tensors.get(
        "prompt_embeddings",
      )?.shape,
    ).toEqual([5, 2 * 2 * 16]);
    prefix.dispose();
    fs.rmSync(dir, { recursive: true });
  });
});

describe("merged export", () => {
  it("a merged LoRA / QLoRA / IA3 model has the adapter model's logits", async () => {
    const cases: [string, (m: LlamaModel) => void, number][] = [
      [
        "lora",
        (m) =>
          attachLora(m, {
            rank: 4,
            alpha: 8,
            targets: ["q_proj", "v_proj", "up_proj", "lm_head"],
            seed: 1,
          }),
        1e-5,
      ],
      [
        "qlora",
        (m) => attachQLora(m, { rank: 4, alpha: 8, targets: ["all-linear"], seed: 1 }),
        1e-5,
      ],
      ["ia3", (m) => attachIa3(m), 1e-5],
    ];
    for (const [what, attach, tol] of cases) {
      const model = loadLlama(TINY, { backend: cpu() });
      attach(model);
      perturb(model);
      const want = await logitsOf(model, ids);
      const dir = tempDir(`merged-${what}`);
      await saveMerged(model, dir);
      expect(fs.existsSync(path.join(dir, "tokenizer.json"))).toBe(true);
      const merged = loadLlama(dir, { backend: cpu() });
      const err = relError(await logitsOf(merged, ids), want);
      expect(err, `${what}: ${err}`).toBeLessThan(tol);
      merged.dispose();
      model.dispose();
      fs.rmSync(dir, { recursive: true });
    }
  });

  it("writes f16 / bf16 merged directories", async () => {
    const model = loadLlama(TINY, { backend: cpu() });
    attachLora(model, { rank: 2, alpha: 4, targets: ["q_proj"], seed: 1 });
    perturb(model);
    const want = await logitsOf(model, ids);
    for (const dtype of ["f16", "bf16"] as const) {
      const dir = tempDir(`merged-${dtype}`);
      await saveMerged(model, dir, { dtype });
      expect(readJson(path.join(dir, "config.json")).torch_dtype).toBe(
        dtype === "f16" ? "float16" : "bfloat16",
      );
      const merged = loadLlama(dir, { backend: cpu() });
      expect(relError(await logitsOf(merged, ids), want)).toBeLessThan(
        dtype === "f16" ? 1e-2 : 5e-2,
      );
      merged.dispose();
      fs.rmSync(dir, { recursive: true });
    }
    model.dispose();
  });

  it("refuses to merge prompt/prefix tuning and bottleneck adapters", async () => {
    const model = loadLlama(TINY, { backend: cpu() });
    attachPromptTuning(model, { virtualTokens: 2, seed: 1 });
    const dir = tempDir("nomerge");
    await expect(saveMerged(model, dir)).rejects.toThrow(/cannot be merged/);
    fs.rmSync(dir, { recursive: true });
    model.dispose();
  });
});
