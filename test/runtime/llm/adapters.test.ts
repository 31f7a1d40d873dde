import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { trainablePlan, type PeftMethod } from "../../../compiler/memory/peft.js";
import { loadLlama } from "../../../runtime/llm/hf-io.js";
import type { LlamaModel } from "../../../runtime/llm/model.js";
import { attachLora, attachQLora } from "../../../runtime/llm/adapters/lora.js";
import { attachIa3 } from "../../../runtime/llm/adapters/ia3.js";
import { attachPromptTuning } from "../../../runtime/llm/adapters/prompt-tuning.js";
import { attachPrefixTuning } from "../../../runtime/llm/adapters/prefix-tuning.js";
import { attachBottleneck } from "../../../runtime/llm/adapters/bottleneck.js";
import { KvCache } from "../../../runtime/llm/kv-cache.js";
import { dequantizeNf4 } from "../../../runtime/ops/nf4.js";
import { noGrad } from "../../../runtime/autograd/grad-mode.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import { AdamW } from "../../../runtime/optim/adamw.js";
import {
  cpu,
  finiteDifferenceCheck,
  lmLoss,
  logitsOf,
  randomIds,
  randomize,
  relError,
  smallModel,
  TINY,
  webgpuBackend,
  GPU_TIMEOUT_MS,
} from "./llm-test-helpers.js";

const count = (m: LlamaModel) =>
  [...m.trainableParameters().values()].reduce((s, t) => s + t.size, 0);
const shapes = (m: LlamaModel) =>
  [...m.trainableParameters()].map(([n, t]) => ({ name: n, shape: [...t.shape] }));
const planShapes = (m: LlamaModel, method: PeftMethod) =>
  trainablePlan(m.arch, method).tensors.map((t) => ({ name: t.name, shape: t.shape }));

describe("adapters: trainable parameters equal compiler/memory's plan", () => {
  it("LoRA r=8 on q_proj, v_proj of tiny-llama", () => {
    const model = loadLlama(TINY, { backend: cpu() });
    attachLora(model, { rank: 8, alpha: 16, targets: ["q_proj", "v_proj"], seed: 1 });
    const method: PeftMethod = { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] };
    expect(count(model)).toBe(trainablePlan(model.arch, method).count);
    expect(count(model)).toBe(2 * (8 * (32 + 32) + 8 * (32 + 16)));
    expect(shapes(model)).toEqual(planShapes(model, method));
    model.dispose();
  });

  it("every method, with base frozen", () => {
    const cases: [string, (m: LlamaModel) => void, PeftMethod][] = [
      [
        "lora all-linear",
        (m) => attachLora(m, { rank: 4, alpha: 8, targets: ["all-linear"], seed: 1 }),
        { kind: "lora", rank: 4, targets: ["all-linear"] },
      ],
      [
        "qlora",
        (m) => attachQLora(m, { rank: 2, alpha: 4, targets: ["q_proj", "down_proj"], seed: 1 }),
        { kind: "lora", rank: 2, targets: ["q_proj", "down_proj"] },
      ],
      [
        "ia3",
        (m) => attachIa3(m),
        { kind: "ia3", targets: ["k_proj", "v_proj", "down_proj"], feedforward: ["down_proj"] },
      ],
      [
        "prompt",
        (m) => attachPromptTuning(m, { virtualTokens: 5, seed: 1 }),
        { kind: "prompt-tuning", virtualTokens: 5 },
      ],
      [
        "prefix",
        (m) => attachPrefixTuning(m, { virtualTokens: 3, seed: 1 }),
        { kind: "prefix-tuning", virtualTokens: 3 },
      ],
      [
        "houlsby",
        (m) => attachBottleneck(m, { size: 4, seed: 1 }),
        { kind: "bottleneck", size: 4 },
      ],
      [
        "pfeiffer",
        (m) => attachBottleneck(m, { size: 4, placement: "pfeiffer", seed: 1 }),
        { kind: "bottleneck", size: 4, placement: "pfeiffer" },
      ],
    ];
    for (const [what, attach, method] of cases) {
      const model = loadLlama(TINY, { backend: cpu(), tokenizer: false });
      attach(model);
      expect(shapes(model), what).toEqual(planShapes(model, method));
      expect(count(model), what).toBe(trainablePlan(model.arch, method).count);
      for (const t of model.baseParameters().values()) expect(t.requiresGrad).toBe(false);
      model.dispose();
    }
  });

  it("rejects targets that match nothing with the compiler's diagnostic", () => {
    const model = smallModel(cpu());
    expect(() => attachLora(model, { rank: 2, alpha: 2, targets: ["qproj"], seed: 1 })).toThrow(
      /matches no module/,
    );
    model.dispose();
  });
});

describe("adapters: forward semantics", () => {
  it("every adapter is the identity at init (same logits as the base)", async () => {
    const ids = randomIds(2, 6, 40, 2);
    const base = smallModel(cpu());
    const want = await logitsOf(base, ids);
    base.dispose();
    const attachers: ((m: LlamaModel) => void)[] = [
      (m) => attachLora(m, { rank: 2, alpha: 4, targets: ["all-linear"], seed: 3 }),
      (m) => attachIa3(m),
      (m) => attachBottleneck(m, { size: 3, seed: 3 }),
    ];
    for (const attach of attachers) {
      const m = smallModel(cpu());
      attach(m);
      expect(relError(await logitsOf(m, ids), want)).toBeLessThan(1e-6);
      m.dispose();
    }
  });

  it("LoRA: fused forward equals W + (α/r)·B·A; dropout only in training, seeded", async () => {
    const ids = randomIds(2, 6, 40, 2);
    const m = smallModel(cpu());
    attachLora(m, { rank: 2, alpha: 6, dropout: 0.3, targets: ["q_proj", "up_proj"], seed: 3 });
    for (const [n, t] of m.trainableParameters()) if (n.includes("lora_B")) randomize(t, 9, 0.2);
    const adapted = await logitsOf(m, ids);
    // The same model with ΔW folded into the base weights by hand.
    const ref = smallModel(cpu());
    const state = await ref.stateDict();
    for (const lin of m.linears()) {
      if (!lin.lora) continue;
      const a = await lin.lora.a.toFloat32Array();
      const b = await lin.lora.b.toFloat32Array();
      const w = state.get(`${lin.name}.weight`)!;
      const r = lin.lora.rank;
      for (let o = 0; o < lin.outFeatures; o++)
        for (let i = 0; i < lin.inFeatures; i++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += b[o * r + k] * a[k * lin.inFeatures + i];
          w[o * lin.inFeatures + i] += (6 / 2) * s;
        }
    }
    ref.loadStateDict(state);
    expect(relError(adapted, await logitsOf(ref, ids))).toBeLessThan(1e-5);
    m.train();
    const d1 = await logitsOf(m, ids);
    const d2 = await logitsOf(m, ids);
    expect(relError(d1, adapted)).toBeGreaterThan(1e-3);
    expect(relError(d2, d1)).toBeGreaterThan(1e-3); // a fresh mask each call
    m.eval();
    expect(relError(await logitsOf(m, ids), adapted)).toBe(0);
    m.dispose();
    ref.dispose();
  });

  it("gradients of every adapter kind match finite differences (float64)", async () => {
    const be = new CpuBackend({ precision: "f64" });
    const ids = randomIds(2, 5, 40, 6);
    const attachers: [string, (m: LlamaModel) => void][] = [
      [
        "lora",
        (m) => attachLora(m, { rank: 2, alpha: 4, targets: ["v_proj", "down_proj"], seed: 1 }),
      ],
      ["ia3", (m) => attachIa3(m)],
      ["prompt", (m) => attachPromptTuning(m, { virtualTokens: 3, seed: 1 })],
      ["prefix", (m) => attachPrefixTuning(m, { virtualTokens: 3, initStd: 0.5, seed: 1 })],
      ["bottleneck", (m) => attachBottleneck(m, { size: 3, activation: "silu", seed: 1 })],
    ];
    for (const [what, attach] of attachers) {
      const m = smallModel(be);
      attach(m);
      for (const t of m.trainableParameters().values()) randomize(t, 5, 0.3);
      tidy(() => lmLoss(m, ids).backward());
      for (const [n, t] of m.trainableParameters()) expect(t.grad, `${what} ${n}`).not.toBeNull();
      for (const t of m.baseParameters().values()) expect(t.grad).toBeNull();
      for (const t of m.trainableParameters().values()) {
        t.grad?.dispose();
        t.grad = null;
      }
      const worst = await finiteDifferenceCheck(m, [...m.trainableParameters().keys()], ids);
      expect(worst, what).toBeLessThan(1e-5);
      m.dispose();
    }
  });

  it("prefix tuning: the training path equals decoding through a prefix-seeded KV cache", async () => {
    const m = smallModel(cpu());
    attachPrefixTuning(m, { virtualTokens: 4, initStd: 0.5, seed: 2 });
    const ids = randomIds(2, 6, 40, 8);
    const training = await logitsOf(m, ids);
    const cache = new KvCache(m.arch.numHiddenLayers);
    const cached = noGrad(() => tidy(() => m.forward(ids, { cache })));
    expect(cache.length).toBe(4 + 6);
    expect(relError(await cached.toFloat32Array(), training)).toBeLessThan(1e-5);
    cached.dispose();
    cache.dispose();
    m.dispose();
  });

  it("prompt tuning prepends virtual tokens and returns logits for the real tokens", async () => {
    const m = smallModel(cpu());
    attachPromptTuning(m, { virtualTokens: 3, initTokenIds: [5, 6, 7], seed: 1 });
    const ids = randomIds(2, 4, 40, 8);
    const logits = noGrad(() => tidy(() => m.forward(ids)));
    expect(logits.shape).toEqual([2, 4, 40]);
    logits.dispose();
    // TEXT init: virtual tokens = embeddings of 5 6 7, so the logits equal a plain forward
    // of [5, 6, 7, ...ids] without its first three rows.
    const plain = smallModel(cpu());
    const full = await logitsOf(
      plain,
      ids.map((r) => [5, 6, 7, ...r]),
    );
    const want = [0, 1].flatMap((b) => [...full.subarray(b * 7 * 40 + 3 * 40, (b + 1) * 7 * 40)]);
    expect(relError(await logitsOf(m, ids), want)).toBeLessThan(1e-6);
    plain.dispose();
    m.dispose();
  });

  it("QLoRA forward equals the dequantised model; LoRA B learns, base stays NF4", async () => {
    const m = smallModel(cpu(), { hiddenSize: 64, intermediateSize: 64, headDim: 16 });
    attachQLora(m, { rank: 4, alpha: 8, targets: ["q_proj", "v_proj"], seed: 1 });
    expect(m.layers[0].w.q.nf4).not.toBeNull();
    expect(m.layers[0].w.q.weight).toBeNull();
    expect(m.layers[0].w.q.nf4!.qabsmax).toBeDefined(); // double quantisation by default
    const ids = randomIds(2, 6, 40, 3);
    for (const [n, t] of m.trainableParameters()) if (n.includes("lora_B")) randomize(t, 2, 0.1);
    const got = await logitsOf(m, ids);
    // Reference: f32 model whose weights are the dequantised NF4 weights, LoRA unquantised.
    const ref = smallModel(cpu(), { hiddenSize: 64, intermediateSize: 64, headDim: 16 });
    attachLora(ref, { rank: 4, alpha: 8, targets: ["q_proj", "v_proj"], seed: 1 });
    const state = await m.stateDict();
    for (const lin of m.linears()) {
      if (!lin.nf4) continue;
      const w = noGrad(() => dequantizeNf4(lin.nf4!));
      state.set(`${lin.name}.weight`, await w.toFloat32Array());
      w.dispose();
    }
    ref.loadStateDict(state);
    expect(relError(got, await logitsOf(ref, ids))).toBeLessThan(1e-5);
    const opt = new AdamW([...m.trainableParameters().values()], { lr: 1e-2 });
    const losses: number[] = [];
    for (let s = 0; s < 8; s++) {
      const l = tidy(() => {
        const loss = lmLoss(m, ids);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss;
      });
      losses.push(await l.item());
      l.dispose();
    }
    expect(losses[7]).toBeLessThan(losses[0]);
    m.dispose();
    ref.dispose();
  });
});

describeWebGPU("adapters on WebGPU", () => {
  it(
    "LoRA (fused op) and QLoRA (NF4 matmul) forward and adapter gradients agree with the CPU",
    async () => {
      const gpu = await webgpuBackend();
      const ids = randomIds(2, 5, 40, 21);
      const over = { hiddenSize: 64, intermediateSize: 64, headDim: 16 };
      for (const attach of [attachLora, attachQLora]) {
        const results = [];
        for (const be of [gpu, cpu()]) {
          const m = smallModel(be, over);
          attach(m, { rank: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"], seed: 1 });
          for (const [n, t] of m.trainableParameters())
            if (n.includes("lora_B")) randomize(t, 4, 0.1);
          const loss = tidy(() => {
            const l = lmLoss(m, ids);
            l.backward();
            return l;
          });
          const grads = [];
          for (const t of m.trainableParameters().values())
            grads.push(await t.grad!.toFloat32Array());
          results.push({ loss: await loss.item(), grads });
          loss.dispose();
          m.dispose();
        }
        const [g, c] = results;
        expect(Math.abs(g.loss - c.loss) / c.loss, attach.name).toBeLessThan(1e-5);
        g.grads.forEach((gr, i) =>
          expect(relError(gr, c.grads[i]), attach.name).toBeLessThan(1e-4),
        );
      }
    },
    GPU_TIMEOUT_MS,
  );
});
