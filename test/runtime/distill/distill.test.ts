import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { distillCausalLM, type DistillOptions } from "../../../runtime/distill/distill.js";
import { kdObjective } from "../../../runtime/distill/kd-objective.js";
import { checkSharedVocabulary } from "../../../runtime/distill/vocabulary.js";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import { buildMicroBatch } from "../../../runtime/train/batches.js";
import { crossEntropy } from "../../../runtime/ops/cross-entropy.js";
import { kdLoss } from "../../../runtime/ops/kd-loss.js";
import { noGrad } from "../../../runtime/autograd/grad-mode.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { logitRows, modelLogits, targetsTensor } from "../../../runtime/train/objective.js";
import { ToyLM, markovChain, sameBytes, sftExamples } from "../train/toy-lm.js";

const backend = new CpuBackend();
const chain = markovChain(10, 4);
const train = sftExamples(chain, 12, 1);
const teacher = () => new ToyLM({ vocab: 10, dim: 12, seed: 50, backend });
const student = () => new ToyLM({ vocab: 10, dim: 4, seed: 60, backend, dropout: 0.1 });

function opts(t: ToyLM, s: ToyLM, over: Partial<DistillOptions> = {}): DistillOptions {
  return {
    teacher: t,
    student: s,
    temperature: 2,
    alpha: 0.5,
    train,
    padId: 0,
    batchSize: 4,
    gradAccum: 2,
    epochs: 4,
    seed: 3,
    optimizer: { lr: 0.05 },
    ...over,
  };
}

describe("logit distillation", () => {
  it("computes α·CE + (1−α)·T²·KL over the answer tokens", async () => {
    const t = teacher();
    const s = student();
    const batch = buildMicroBatch(train.slice(0, 4), { padId: 0, objective: "sft" });
    const scalars = noGrad(() =>
      tidy(() => {
        const out = kdObjective({ teacher: t, temperature: 3, alpha: 0.3 }).microBatchLoss(
          s,
          batch,
          backend,
        );
        const sl = logitRows(modelLogits(s, batch, backend));
        const tl = logitRows(modelLogits(t, batch, backend));
        const y = targetsTensor(batch, backend);
        return [
          out.loss,
          out.parts!.hard_loss,
          out.parts!.soft_loss,
          crossEntropy(sl, y),
          kdLoss(sl, tl, y, 3),
        ];
      }),
    );
    const [total, hard, soft, refHard, refSoft] = await Promise.all(scalars.map((x) => x.item()));
    expect(hard).toBeCloseTo(refHard, 6);
    expect(soft).toBeCloseTo(refSoft, 6);
    expect(soft).toBeGreaterThan(0);
    expect(total).toBeCloseTo(0.3 * hard + 0.7 * soft, 6);
  });

  it("keeps the teacher frozen: no gradients, weights unchanged", async () => {
    const t = teacher();
    const before = await t.stateDict();
    const r = await distillCausalLM(opts(t, student()));
    expect(r.step).toBe(8);
    expect(t.emb.grad).toBeNull();
    expect(t.head.grad).toBeNull();
    expect(sameBytes(await t.stateDict(), before)).toBe(true);
    expect(t.training).toBe(false);
  });

  it("α = 1 is plain SFT, bit for bit (the teacher only adds the soft term)", async () => {
    const a = student();
    await distillCausalLM(opts(teacher(), a, { alpha: 1 }));
    const b = student();
    const { teacher: _t, student: _s, temperature: _T, alpha: _a, ...rest } = opts(teacher(), b);
    await trainCausalLM({ ...rest, model: b });
    expect(sameBytes(await a.stateDict(), await b.stateDict())).toBe(true);
  });

  it("resumes exactly (checkpoint records the KD settings too)", async () => {
    const ref = student();
    await distillCausalLM(opts(teacher(), ref));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-distill-"));
    const ck = { dir, every: 3 };
    await distillCausalLM(opts(teacher(), student(), { checkpoint: ck, haltAfterStep: 4 }));
    const resumed = student();
    await distillCausalLM(opts(teacher(), resumed, { checkpoint: ck, resume: true }));
    expect(sameBytes(await resumed.stateDict(), await ref.stateDict())).toBe(true);
    // Another temperature is another training: refused.
    const err = await distillCausalLM(
      opts(teacher(), student(), { checkpoint: ck, resume: true, temperature: 4 }),
    ).catch((e) => e);
    expect(isPipeError(err) && err.code).toBe("PW8004");
    expect(err.message).toMatch(/temperature/);
  });
});

describe("shared vocabulary (PW8006)", () => {
  it("refuses models with different vocabulary sizes", async () => {
    const err = await distillCausalLM(
      opts(new ToyLM({ vocab: 11, dim: 4, seed: 1, backend }), student()),
    ).catch((e) => e);
    expect(isPipeError(err) && err.code).toBe("PW8006");
    expect(err.message).toMatch(/teacher has 11 tokens, the student 10/);
  });

  it("refuses tokenizers that differ at some id", () => {
    const vocab = (tokens: string[]) => ({
      vocabSize: tokens.length,
      idToToken: (i: number) => tokens[i],
    });
    const t = teacher();
    const s = student();
    const base = Array.from({ length: 10 }, (_, i) => `t${i}`);
    expect(() =>
      checkSharedVocabulary(t, s, { teacher: vocab(base), student: vocab([...base]) }),
    ).not.toThrow();
    const other = [...base];
    other[7] = "x";
    let err: unknown;
    try {
      checkSharedVocabulary(t, s, { teacher: vocab(base), student: vocab(other) });
    } catch (e) {
      err = e;
    }
    expect(isPipeError(err) && err.code).toBe("PW8006");
    expect((err as Error).message).toMatch(
      /token id 7 is "t7" for the teacher and "x" for the student/,
    );
  });

  it("checks logit widths of models without an architecture record", async () => {
    const noArch = (m: ToyLM) => Object.defineProperty(m, "arch", { value: undefined });
    const wide = noArch(new ToyLM({ vocab: 12, dim: 4, seed: 1, backend }));
    const err = await distillCausalLM(opts(wide, noArch(student()))).catch((e) => e);
    expect(isPipeError(err) && err.code).toBe("PW8006");
    expect(err.message).toMatch(/logits have 12 entries, the student's 10/);
  });
});
