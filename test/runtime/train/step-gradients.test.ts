/**
 * Per-token loss normalisation across gradient accumulation: the step's gradient is that of
 * Σ token losses / all loss tokens of the step, however the rows are split into micro-batches.
 */
import { describe, expect, it } from "vitest";
import { accumulateStepGradients } from "../../../runtime/train/step-gradients.js";
import { buildMicroBatch, type LmExample } from "../../../runtime/train/batches.js";
import { crossEntropyObjective } from "../../../runtime/train/objective.js";
import { clipFactor, globalGradNorm } from "../../../runtime/train/grad-clip.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { ToyLM, markovChain, sftExamples } from "./toy-lm.js";

const backend = new CpuBackend({ precision: "f64" });
// Rows of very different lengths: 1 + 2 + 7 + 12 loss tokens.
const rows: LmExample[] = sftExamples(markovChain(10, 3), 4, 9, {
  minLength: 4,
  maxLength: 14,
}).map((e, i) => ({
  inputIds: e.inputIds.slice(0, [3, 4, 9, 14][i]),
  labels: e.labels!.slice(0, [3, 4, 9, 14][i]),
}));

async function grads(split: LmExample[][]): Promise<Float32Array[]> {
  const model = new ToyLM({ vocab: 10, dim: 6, seed: 1, backend });
  const batches = split.map((r) => buildMicroBatch(r, { padId: 0, objective: "sft" }));
  accumulateStepGradients(model, batches, crossEntropyObjective, backend);
  return Promise.all(
    [model.emb, model.head].map(async (p) => Float32Array.from(await p.grad!.toArray())),
  );
}

describe("gradient accumulation", () => {
  it("one batch of 4 rows = 4 micro-batches of 1 row = 2 + 2 (per-token normalisation)", async () => {
    const whole = await grads([rows]);
    for (const split of [
      [[rows[0]], [rows[1]], [rows[2]], [rows[3]]],
      [rows.slice(0, 2), rows.slice(2)],
    ]) {
      const g = await grads(split);
      for (let p = 0; p < 2; p++) {
        let maxDiff = 0;
        for (let i = 0; i < g[p].length; i++)
          maxDiff = Math.max(maxDiff, Math.abs(g[p][i] - whole[p][i]));
        expect(maxDiff).toBeLessThan(1e-12);
      }
    }
  });

  it("differs from the mean of micro-batch means (what per-token normalisation fixes)", async () => {
    const whole = await grads([rows]);
    const model = new ToyLM({ vocab: 10, dim: 6, seed: 1, backend });
    const batches = rows.map((r) => buildMicroBatch([r], { padId: 0, objective: "sft" }));
    // Equal weights 1/4 instead of token shares: give each micro-batch the same token count.
    for (const b of batches) {
      accumulateStepGradients(
        model,
        [b],
        {
          ...crossEntropyObjective,
          microBatchLoss: (m, mb, be) => {
            const r = crossEntropyObjective.microBatchLoss(m, mb, be);
            return { loss: r.loss };
          },
        },
        backend,
      );
    }
    const naive = Float32Array.from(await model.head.grad!.toArray()).map((v) => v / 4);
    let maxDiff = 0;
    for (let i = 0; i < naive.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(naive[i] - whole[1][i]));
    expect(maxDiff).toBeGreaterThan(1e-3);
  });

  it("computes the global gradient norm and torch's clip factor", async () => {
    const model = new ToyLM({ vocab: 10, dim: 6, seed: 1, backend });
    accumulateStepGradients(
      model,
      [buildMicroBatch(rows, { padId: 0, objective: "sft" })],
      crossEntropyObjective,
      backend,
    );
    let sq = 0;
    for (const p of [model.emb, model.head]) for (const v of await p.grad!.toArray()) sq += v * v;
    expect(await globalGradNorm([model.emb, model.head])).toBeCloseTo(Math.sqrt(sq), 10);
    expect(clipFactor(2, 1)).toBeCloseTo(1 / (2 + 1e-6), 12);
    expect(clipFactor(0.5, 1)).toBe(1);
    expect(clipFactor(5, 0)).toBe(1);
  });
});
