import { describe, expect, it } from "vitest";
import { forwardBackward } from "../../../runtime/llm/checkpointing.js";
import type { LlamaModel } from "../../../runtime/llm/model.js";
import { attachLora } from "../../../runtime/llm/adapters/lora.js";
import { attachPrefixTuning } from "../../../runtime/llm/adapters/prefix-tuning.js";
import { attachPromptTuning } from "../../../runtime/llm/adapters/prompt-tuning.js";
import { crossEntropy } from "../../../runtime/ops/cross-entropy.js";
import { reshape } from "../../../runtime/ops/shape.js";
import { fromArray } from "../../../runtime/tensor/creation.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import { liveTensorCount, type Tensor } from "../../../runtime/tensor/tensor.js";
import { cpu, randomIds, randomize, relError, smallModel } from "./llm-test-helpers.js";

const ids = randomIds(2, 6, 40, 5);
const labels = ids.flatMap((r) => r.map((_, t) => (t + 1 < r.length ? r[t + 1] : -100)));

async function step(model: LlamaModel, checkpoint: boolean) {
  let liveAtLoss = 0;
  const lossFn = (logits: Tensor) => {
    liveAtLoss = liveTensorCount();
    return crossEntropy(
      reshape(logits, [12, 40]),
      fromArray(labels, [12], { backend: model.backend, dtype: "i32" }),
    );
  };
  const loss = tidy(() => forwardBackward(model, ids, lossFn, { checkpoint }));
  const grads = new Map<string, Float32Array>();
  for (const [n, t] of model.trainableParameters()) {
    grads.set(n, await t.grad!.toFloat32Array());
    t.grad!.dispose();
    t.grad = null;
  }
  const value = await loss.item();
  loss.dispose();
  return { loss: value, grads, liveAtLoss, rng: JSON.stringify(model.randomState()) };
}

describe("gradient checkpointing", () => {
  const setups: [string, (m: LlamaModel) => void][] = [
    ["full fine-tuning", () => {}],
    [
      "LoRA with dropout",
      (m) => {
        attachLora(m, { rank: 2, alpha: 4, dropout: 0.2, targets: ["all-linear"], seed: 2 });
        for (const [n, t] of m.trainableParameters())
          if (n.includes("lora_B")) randomize(t, 1, 0.2);
        m.train();
      },
    ],
    ["prefix tuning", (m) => attachPrefixTuning(m, { virtualTokens: 2, initStd: 0.5, seed: 2 })],
    ["prompt tuning", (m) => attachPromptTuning(m, { virtualTokens: 2, seed: 2 })],
  ];
  for (const [what, setup] of setups) {
    it(`${what}: same loss, gradients and dropout stream as without checkpointing`, async () => {
      const plainModel = smallModel(cpu(), { numHiddenLayers: 4 });
      const ckptModel = smallModel(cpu(), { numHiddenLayers: 4 });
      setup(plainModel);
      setup(ckptModel);
      const plain = await step(plainModel, false);
      const ckpt = await step(ckptModel, true);
      expect(ckpt.loss).toBeCloseTo(plain.loss, 6);
      expect([...ckpt.grads.keys()]).toEqual([...plain.grads.keys()]);
      for (const [n, g] of plain.grads)
        expect(relError(ckpt.grads.get(n)!, g), n).toBeLessThan(1e-5);
      expect(ckpt.rng).toBe(plain.rng);
      // Fewer tensors alive when the loss is computed: layer activations are not kept.
      expect(ckpt.liveAtLoss).toBeLessThan(plain.liveAtLoss);
      plainModel.dispose();
      ckptModel.dispose();
    });
  }

  it("leaks nothing across steps", async () => {
    const model = smallModel(cpu());
    await step(model, true);
    const live = liveTensorCount();
    await step(model, true);
    expect(liveTensorCount()).toBe(live);
    model.dispose();
  });
});
