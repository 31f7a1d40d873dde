import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseLlamaConfig, type LlamaArchitecture } from "../../../compiler/world/llama-config.js";
import {
  estimateGenerationMemory,
  estimateTrainingMemory,
  formatBytes,
  memoryTable,
  type TrainingMemoryInput,
} from "../../../compiler/memory/estimate.js";
import { estimateActivations } from "../../../compiler/memory/activations.js";
import { trainablePlan } from "../../../compiler/memory/peft.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const arch = (name: string): LlamaArchitecture =>
  parseLlamaConfig(JSON.parse(fs.readFileSync(path.join(MODELS, name, "config.json"), "utf8")))
    .arch!;

const llama7b = arch("llama-2-7b");
const tiny = arch("tiny-llama");
const N7B = 6_738_415_616;

describe("acceptance: Llama-2-7B from config.json alone", () => {
  it("has exactly 6,738,415,616 parameters; LoRA r=8 on q_proj, v_proj trains exactly 4,194,304", () => {
    const e = estimateTrainingMemory({
      arch: llama7b,
      method: { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] },
      baseWeights: "fp16",
      compute: "fp16",
      optimizer: "adamw",
      batch: 1,
      seqLen: 512,
      gradientCheckpointing: true,
    });
    expect(e.parameters).toEqual({ total: 6_738_415_616, trainable: 4_194_304 });
    expect(e.plan.tensors).toHaveLength(2 * 2 * 32);
    expect(e.plan.tensors[0]).toEqual({
      name: "model.layers.0.self_attn.q_proj.lora_A.weight",
      shape: [8, 4096],
      numel: 32768,
    });
    expect(e.plan.tensors[1]).toEqual({
      name: "model.layers.0.self_attn.q_proj.lora_B.weight",
      shape: [4096, 8],
      numel: 32768,
    });
    const byKey = Object.fromEntries(e.components.map((c) => [c.key, c.bytes]));
    expect(byKey.weights).toBe(2 * N7B);
    expect(byKey.adapter).toBe(4 * 4_194_304);
    expect(byKey.gradients).toBe(4 * 4_194_304);
    expect(byKey.optimizer).toBe(8 * 4_194_304);
  });
});

describe("weights by precision", () => {
  it("full fine-tuning in mixed precision: 16 B per parameter before activations", () => {
    const e = estimateTrainingMemory({
      arch: llama7b,
      method: { kind: "full" },
      baseWeights: "fp32",
      compute: "bf16",
      optimizer: "adamw",
      batch: 1,
      seqLen: 1,
      gradientCheckpointing: true,
    });
    expect(e.parameters.trainable).toBe(N7B);
    expect(e.fixedBytes).toBe(16 * N7B);
  });

  it("bf16 weights with an fp32 master copy: 2 + 4 + 2 + 8 B per parameter", () => {
    const e = estimateTrainingMemory({
      arch: tiny,
      method: { kind: "full" },
      baseWeights: "bf16",
      masterWeights: true,
      compute: "bf16",
      optimizer: "adamw",
      batch: 1,
      seqLen: 1,
      gradientCheckpointing: false,
    });
    expect(e.fixedBytes).toBe(16 * e.parameters.total);
    expect(e.components.map((c) => c.key)).toContain("master");
  });

  it("QLoRA: NF4 with double quantisation for every decoder linear, bf16 for the rest", () => {
    // Independent arithmetic: n/2 codes + n/64 8-bit absmax + f32 per 256 absmax + f32 offset.
    const nf4dq = (n: number): number =>
      n / 2 + Math.ceil(n / 64) + 4 * Math.ceil(Math.ceil(n / 64) / 256) + 4;
    const perLayer = 4 * nf4dq(4096 * 4096) + 3 * nf4dq(11008 * 4096);
    const others = 2 * 32000 * 4096 + (2 * 32 + 1) * 4096;
    const e = estimateTrainingMemory({
      arch: llama7b,
      method: { kind: "lora", rank: 64, targets: ["all-linear"] },
      baseWeights: "nf4",
      doubleQuant: true,
      compute: "bf16",
      optimizer: "adamw",
      batch: 1,
      seqLen: 1,
      gradientCheckpointing: true,
    });
    expect(e.components[0].bytes).toBe(32 * perLayer + 2 * others);
    expect(e.components[0].bytes).toBe(3_865_592_704);
    // r=64 on all seven projections: 64·(d+k) summed = 64 × 32 × (4·8192 + 3·15104)
    expect(e.parameters.trainable).toBe(64 * 32 * (4 * 8192 + 3 * 15104));
  });

  it("int8 keeps one f32 scale per output row", () => {
    const e = estimateTrainingMemory({
      arch: tiny,
      method: { kind: "frozen" },
      baseWeights: "int8",
      otherWeights: "fp32",
      compute: "fp32",
      optimizer: "adamw",
      batch: 1,
      seqLen: 1,
      gradientCheckpointing: false,
    });
    // per layer: q 32×32, k/v 16×32, o 32×32, gate/up 64×32, down 32×64
    const rows = 32 + 16 + 16 + 32 + 64 + 64 + 32;
    const elems = 32 * 32 * 2 + 16 * 32 * 2 + 64 * 32 * 3;
    const others = 2 * 272 * 32 + 2 * 2 * 32 + 32;
    expect(e.components[0].bytes).toBe(2 * (elems + 4 * rows) + 4 * others);
  });

  it("full fine-tuning of quantised weights is refused", () => {
    expect(() =>
      estimateTrainingMemory({
        arch: tiny,
        method: { kind: "full" },
        baseWeights: "nf4",
        compute: "bf16",
        optimizer: "adamw",
        batch: 1,
        seqLen: 1,
        gradientCheckpointing: false,
      }),
    ).toThrow(/float weights/);
  });
});

describe("other PEFT methods on Llama-2-7B", () => {
  const count = (m: Parameters<typeof trainablePlan>[1]): number => trainablePlan(llama7b, m).count;
  it("IA3 on k, v, down (down as feed-forward): a vector per module", () => {
    expect(
      count({
        kind: "ia3",
        targets: ["k_proj", "v_proj", "down_proj"],
        feedforward: ["down_proj"],
      }),
    ).toBe(32 * (4096 + 4096 + 11008));
  });
  it("prompt tuning: n·hidden", () => {
    expect(count({ kind: "prompt-tuning", virtualTokens: 20 })).toBe(81_920);
  });
  it("prefix tuning: n·L·2·kv, and with a reparameterisation MLP", () => {
    expect(count({ kind: "prefix-tuning", virtualTokens: 30 })).toBe(30 * 32 * 2 * 4096);
    const out = 32 * 2 * 4096;
    expect(count({ kind: "prefix-tuning", virtualTokens: 30, projectionHidden: 512 })).toBe(
      30 * 4096 + 512 * 4096 + 512 + out * 512 + out,
    );
    // Grouped-query attention: the prefix has the KV width (Llama-2-70B: 8 KV heads × 128)
    expect(
      trainablePlan(arch("llama-2-70b"), { kind: "prefix-tuning", virtualTokens: 10 }).count,
    ).toBe(10 * 80 * 2 * 1024);
  });
  it("bottleneck adapters: Houlsby (2 per layer) and Pfeiffer (1 per layer)", () => {
    const one = 2 * 4096 * 64 + 64 + 4096;
    expect(count({ kind: "bottleneck", size: 64 })).toBe(32 * 2 * one);
    expect(count({ kind: "bottleneck", size: 64, placement: "pfeiffer" })).toBe(32 * one);
  });
  it("LoRA restricted to layers 0-3", () => {
    expect(count({ kind: "lora", rank: 8, targets: ["q_proj"], layers: [0, 1, 2, 3] })).toBe(
      4 * 8 * 8192,
    );
  });
});

describe("optimizer states", () => {
  const base: TrainingMemoryInput = {
    arch: llama7b,
    method: { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] },
    baseWeights: "fp16",
    compute: "fp16",
    optimizer: "adamw-8bit",
    batch: 1,
    seqLen: 1,
    gradientCheckpointing: true,
  };
  it("8-bit AdamW: 2 B per element + f32 absmax per 256, per tensor", () => {
    const e = estimateTrainingMemory(base);
    const perTensor = 2 * 32768 + 2 * 4 * (32768 / 256);
    expect(e.components.find((c) => c.key === "optimizer")!.bytes).toBe(128 * perTensor);
  });
  it("tensors under 4096 elements keep 32-bit states", () => {
    const e = estimateTrainingMemory({
      ...base,
      arch: tiny,
      method: { kind: "lora", rank: 2, targets: ["q_proj"] },
    });
    // A: 2×32 = 64 elements, B: 32×2 = 64 → both small → 8 B each
    expect(e.components.find((c) => c.key === "optimizer")!.bytes).toBe(2 * 2 * 64 * 8);
  });
  it("SGD keeps nothing, SGD with momentum 4 B", () => {
    expect(
      estimateTrainingMemory({ ...base, optimizer: "sgd" }).components.find(
        (c) => c.key === "optimizer",
      )!.bytes,
    ).toBe(0);
    expect(
      estimateTrainingMemory({ ...base, optimizer: "sgd-momentum" }).components.find(
        (c) => c.key === "optimizer",
      )!.bytes,
    ).toBe(4 * 4_194_304);
  });
});

describe("activations (hand-computed for tiny-llama: h 32, i 64, 4 heads, 2 KV heads, 2 layers, V 272)", () => {
  // b = 2, s = 8 → T = 16 tokens, fp32 (a = 4), LoRA r = 4 on q_proj and v_proj
  const opts = (over: Partial<Parameters<typeof estimateActivations>[1]> = {}) => ({
    batch: 2,
    seqLen: 8,
    compute: "fp32" as const,
    attention: "materialized" as const,
    gradientCheckpointing: false,
    plan: trainablePlan(tiny, { kind: "lora", rank: 4, targets: ["q_proj", "v_proj"] }),
    ...over,
  });
  // x 2048, rstd 128, normed x 2048, q/k/v 2048+2048, P 2048, h1 2048, gate/up 8192, LoRA 512
  const layer = 2048 + 128 + 2048 + 4096 + 2048 + 2048 + 8192 + 512;
  const head = 2048 + 64 + 2 * 16 * 272 * 4 + 2 * 16 * 4;
  const workspace = 2 * 2048 + 8192;

  it("without checkpointing", () => {
    const e = estimateActivations(tiny, opts());
    expect(e.layer.reduce((n, i) => n + i.bytes, 0)).toBe(layer);
    expect(e.allLayers).toBe(2 * layer);
    expect(e.head.reduce((n, i) => n + i.bytes, 0)).toBe(head);
    expect(e.workspace).toBe(workspace);
    expect(e.total).toBe(2 * layer + head + workspace);
  });

  it("with checkpointing: layer inputs + one recomputed layer", () => {
    const e = estimateActivations(tiny, opts({ gradientCheckpointing: true }));
    expect(e.layersKept).toBe(2 * 2048 + (layer - 2048));
  });

  it("fused attention keeps O and the logsumexp instead of P", () => {
    const e = estimateActivations(tiny, opts({ attention: "fused" }));
    expect(e.allLayers).toBe(2 * (layer - 2048 + 2048 + 2 * 4 * 8 * 4));
  });

  it("full fine-tuning keeps every linear input; frozen linears keep none", () => {
    const full = estimateActivations(tiny, opts({ plan: trainablePlan(tiny, { kind: "full" }) }));
    expect(full.allLayers).toBe(2 * (layer - 512 + 2048 + 2048 + 4096));
    expect(full.head.map((i) => i.name)).toContain("final normed x (lm_head input)");
    const naive = estimateActivations(tiny, opts({ saveFrozenLinearInputs: true }));
    expect(naive.allLayers).toBe(2 * (layer + 2048 + 2048 + 4096));
  });

  it("LoRA dropout keeps a dropped copy of each adapted input and its mask", () => {
    const plan = trainablePlan(tiny, {
      kind: "lora",
      rank: 4,
      targets: ["q_proj", "v_proj"],
      dropout: 0.1,
    });
    const e = estimateActivations(tiny, opts({ plan }));
    expect(e.allLayers).toBe(2 * (layer + 2 * 16 * 32 * 5));
  });

  it("grows with batch and sequence length (property)", () => {
    const plan = trainablePlan(llama7b, { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.boolean(),
        fc.constantFrom("materialized" as const, "fused" as const),
        (b, s, gc, attention) => {
          const at = (bb: number, ss: number) =>
            estimateActivations(llama7b, {
              batch: bb,
              seqLen: ss,
              compute: "bf16",
              attention,
              gradientCheckpointing: gc,
              plan,
            }).total;
          const here = at(b, s);
          expect(at(b + 1, s)).toBeGreaterThan(here);
          expect(at(b, s + 1)).toBeGreaterThan(here);
          if (!gc) {
            const withGc = estimateActivations(llama7b, {
              batch: b,
              seqLen: s,
              compute: "bf16",
              attention,
              gradientCheckpointing: true,
              plan,
            }).total;
            expect(withGc).toBeLessThanOrEqual(here);
          }
        },
      ),
      { numRuns: 40, seed: 3 },
    );
  });
});

describe("generation", () => {
  it("KV cache is 2·L·b·positions·kv_heads·head_dim·bytes", () => {
    const e = estimateGenerationMemory({
      arch: llama7b,
      baseWeights: "fp16",
      compute: "fp16",
      batch: 1,
      promptLen: 512,
      maxNewTokens: 512,
    });
    expect(e.components.find((c) => c.key === "kv-cache")!.bytes).toBe(
      2 * 32 * 1 * 1024 * 4096 * 2,
    );
    const g = estimateGenerationMemory({
      arch: arch("llama-2-70b"),
      baseWeights: "nf4",
      compute: "bf16",
      batch: 2,
      promptLen: 3000,
      maxNewTokens: 1096,
    });
    expect(g.components.find((c) => c.key === "kv-cache")!.bytes).toBe(
      2 * 80 * 2 * 4096 * 1024 * 2,
    );
  });
  it("an unmerged LoRA adapter adds its parameters", () => {
    const e = estimateGenerationMemory({
      arch: llama7b,
      baseWeights: "fp16",
      adapter: { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] },
      compute: "fp16",
      batch: 1,
      promptLen: 16,
      maxNewTokens: 16,
    });
    expect(e.components.find((c) => c.key === "adapter")!.bytes).toBe(4 * 4_194_304);
  });
});

describe("table", () => {
  it("lists components and a total that adds up", () => {
    const e = estimateTrainingMemory({
      arch: tiny,
      method: { kind: "lora", rank: 4, targets: ["q_proj"] },
      baseWeights: "fp32",
      compute: "fp32",
      optimizer: "adamw",
      batch: 2,
      seqLen: 16,
      gradientCheckpointing: false,
    });
    const rows = memoryTable(e);
    expect(rows.at(-1)!.component).toBe("total");
    expect(rows.slice(0, -1).reduce((n, r) => n + r.bytes, 0)).toBe(rows.at(-1)!.bytes);
    expect(rows.map((r) => r.component)).toEqual([
      "base weights",
      "lora parameters",
      "gradients",
      "optimizer states (adamw)",
      "activations",
      "logits + gradient",
      "backward workspace",
      "total",
    ]);
  });
  it("formats bytes in binary units", () => {
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(2 ** 30 * 1.5)).toBe("1.50 GiB");
  });
});
