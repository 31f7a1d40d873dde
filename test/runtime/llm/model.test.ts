import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { expectedTensors } from "../../../compiler/world/llama-config.js";
import { LlamaModel } from "../../../runtime/llm/model.js";
import { AdamW } from "../../../runtime/optim/adamw.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import { liveTensorCount } from "../../../runtime/tensor/tensor.js";
import {
  cpu,
  finiteDifferenceCheck,
  lmLoss,
  logitsOf,
  randomIds,
  relError,
  smallArch,
  smallModel,
  webgpuBackend,
  GPU_TIMEOUT_MS,
} from "./llm-test-helpers.js";

describe("LlamaModel", () => {
  it("has exactly the Hugging Face parameter names and shapes", () => {
    for (const tie of [false, true]) {
      const arch = smallArch({ tieWordEmbeddings: tie });
      const model = LlamaModel.random(arch, { seed: 1, backend: cpu() });
      const got = [...model.parameters()].map(([n, t]) => `${n} [${t.shape.join(", ")}]`);
      const want = expectedTensors(arch).map((t) => `${t.name} [${t.shape.join(", ")}]`);
      expect(got).toEqual(want);
      expect(model.parameters().has("lm_head.weight")).toBe(!tie);
      model.dispose();
    }
  });

  it("random init is seeded, N(0, initStd²) for matrices and 1 for norms", async () => {
    const a = LlamaModel.random(smallArch(), { seed: 7, initStd: 0.02, backend: cpu() });
    const b = LlamaModel.random(smallArch(), { seed: 7, initStd: 0.02, backend: cpu() });
    const c = LlamaModel.random(smallArch(), { seed: 8, initStd: 0.02, backend: cpu() });
    const sa = await a.stateDict();
    const sb = await b.stateDict();
    const sc = await c.stateDict();
    for (const [name, v] of sa) {
      expect(sb.get(name)).toEqual(v);
      if (name.endsWith("norm.weight")) expect([...v].every((x) => x === 1)).toBe(true);
      else expect(sc.get(name)).not.toEqual(v);
    }
    const q = sa.get("model.layers.0.mlp.up_proj.weight")!;
    const std = Math.sqrt(q.reduce((s, x) => s + x * x, 0) / q.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    for (const m of [a, b, c]) m.dispose();
  });

  it("backward reaches every parameter and matches finite differences (float64)", async () => {
    const be = new CpuBackend({ precision: "f64" });
    for (const over of [{}, { tieWordEmbeddings: true, numKeyValueHeads: 4 }]) {
      const model = smallModel(be, over);
      const names = [...model.parameters().keys()];
      const ids = randomIds(2, 5, model.arch.vocabSize, 4);
      tidy(() => lmLoss(model, ids).backward());
      for (const [n, t] of model.parameters()) expect(t.grad, n).not.toBeNull();
      for (const t of model.parameters().values()) {
        t.grad?.dispose();
        t.grad = null;
      }
      const worst = await finiteDifferenceCheck(
        model,
        names.filter((_, i) => i % 3 === 0),
        ids,
        { elements: 2 },
      );
      expect(worst).toBeLessThan(1e-5);
      model.dispose();
    }
  });

  it("accepts right-padding masks and rejects left padding", async () => {
    const model = smallModel(cpu());
    const ids = randomIds(2, 5, 40, 9);
    const full = await logitsOf(model, ids);
    const masked = tidy(() =>
      model.forward(ids, {
        attentionMask: [
          [1, 1, 1, 1, 1],
          [1, 1, 1, 0, 0],
        ],
      }),
    );
    expect(relError(await masked.toFloat32Array(), full)).toBe(0);
    masked.dispose();
    expect(() =>
      tidy(() =>
        model.forward(ids, {
          attentionMask: [
            [0, 1, 1, 1, 1],
            [1, 1, 1, 1, 1],
          ],
        }),
      ),
    ).toThrow(/only right padding/);
    model.dispose();
  });

  it("trains from scratch: loss falls on a memorisable sequence, no tensor leaks per step", async () => {
    const model = smallModel(cpu(), {}, 5, 0.1);
    const opt = new AdamW([...model.trainableParameters().values()], { lr: 1e-2 });
    const ids = [[1, 2, 3, 4, 5, 6, 7, 8]];
    const losses: number[] = [];
    let live = 0;
    for (let step = 0; step < 30; step++) {
      const loss = tidy(() => {
        const l = lmLoss(model, ids);
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
      if (step === 1) live = liveTensorCount();
    }
    expect(liveTensorCount()).toBe(live);
    expect(losses[29]).toBeLessThan(losses[0] * 0.3);
    model.dispose();
  });

  it("stateDict / loadStateDict round-trip in place", async () => {
    const a = smallModel(cpu(), {}, 1);
    const b = smallModel(cpu(), {}, 2);
    const before = b.parameters().get("model.norm.weight");
    b.loadStateDict(await a.stateDict());
    expect(b.parameters().get("model.norm.weight")).toBe(before);
    const ids = randomIds(1, 6, 40, 3);
    expect(relError(await logitsOf(b, ids), await logitsOf(a, ids))).toBe(0);
    expect(() => b.loadStateDict(new Map([["nope", [1]]]))).toThrow(/no parameter `nope`/);
    a.dispose();
    b.dispose();
  });

  it("frees its tensors on dispose", () => {
    const before = liveTensorCount();
    smallModel(cpu()).dispose();
    expect(liveTensorCount()).toBe(before);
  });
});

describeWebGPU("LlamaModel on WebGPU", () => {
  it(
    "forward and gradients agree with the CPU backend",
    async () => {
      const gpu = await webgpuBackend();
      const ids = randomIds(2, 7, 40, 11);
      const results = [];
      for (const be of [gpu, cpu()]) {
        const model = smallModel(be);
        const loss = tidy(() => {
          const l = lmLoss(model, ids);
          l.backward();
          return l;
        });
        const grads = [];
        for (const t of model.parameters().values()) grads.push(await t.grad!.toFloat32Array());
        results.push({ loss: await loss.item(), logits: await logitsOf(model, ids), grads });
        loss.dispose();
        model.dispose();
      }
      const [g, c] = results;
      expect(Math.abs(g.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-5);
      expect(relError(g.logits, c.logits)).toBeLessThan(1e-5);
      g.grads.forEach((gr, i) => expect(relError(gr, c.grads[i])).toBeLessThan(1e-4));
    },
    GPU_TIMEOUT_MS,
  );
});
