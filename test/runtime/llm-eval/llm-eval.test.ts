import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { evaluateLlm, evalJson } from "../../../runtime/llm-eval/runner.js";
import { sequenceLogLikelihoods } from "../../../runtime/llm-eval/log-likelihood.js";
import { evaluatePerplexity } from "../../../runtime/llm-eval/perplexity.js";
import { choicePrompt, toChoiceItem } from "../../../runtime/llm-eval/multiple-choice.js";
import { resolveTemplate } from "../../../runtime/data/template/apply-template.js";
import type { DataRecord } from "../../../runtime/data/format/record.js";
import type { LmExample } from "../../../runtime/train/batches.js";
import { noGrad } from "../../../runtime/autograd/grad-mode.js";
import { MetricInputError } from "../../../runtime/eval/score.js";
import { ToyLM } from "../train/toy-lm.js";

/** Character tokenizer over a fixed alphabet: 0 pad, 1 unk, 2 BOS, 3 EOS, then characters. */
const ALPHABET = "ABCD0123456789 .:#\n";
const tokenizer = {
  bosId: 2,
  eosId: 3,
  addBos: true,
  encode: (text: string) =>
    [...text].map((ch) => (ALPHABET.includes(ch) ? 4 + ALPHABET.indexOf(ch) : 1)),
};
const V = 4 + ALPHABET.length;
const backend = new CpuBackend({ precision: "f64" });
const model = () => new ToyLM({ vocab: V, dim: 8, seed: 9, backend, std: 1 });

/** Σ NLL of each row computed on the host from the model's logits. */
async function hostNll(m: ToyLM, row: LmExample): Promise<{ sum: number; n: number }> {
  const logits = await noGrad(() => m.forward([[...row.inputIds]])).toArray();
  let sum = 0;
  let n = 0;
  for (let t = 0; t + 1 < row.inputIds.length; t++) {
    const label = row.labels![t + 1];
    if (label === -100) continue;
    const z = Array.from(logits.slice(t * V, (t + 1) * V));
    const mx = Math.max(...z);
    const lse = mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0));
    sum += lse - z[label];
    n++;
  }
  return { sum, n };
}

const rows: LmExample[] = [
  { inputIds: [2, 5, 6, 7, 8], labels: [-100, -100, 6, 7, 8] },
  { inputIds: [2, 9, 10], labels: [-100, -100, 10] },
  { inputIds: [2, 4, 4, 4, 4, 4, 4, 4], labels: [-100, 4, 4, 4, 4, 4, 4, 4] },
];

describe("log-likelihoods and perplexity", () => {
  it("scores each row like a host computation, whatever the batching and padding", async () => {
    const m = model();
    const batched = await sequenceLogLikelihoods(m, rows, { padId: 0, batchSize: 3 });
    const single = await sequenceLogLikelihoods(m, rows, { padId: 0, batchSize: 1 });
    for (let i = 0; i < rows.length; i++) {
      const h = await hostNll(m, rows[i]);
      expect(batched[i].tokenCount).toBe(h.n);
      expect(batched[i].nllSum).toBeCloseTo(h.sum, 9);
      expect(single[i].nllSum).toBeCloseTo(h.sum, 9);
    }
  });

  it("perplexity is corpus-level exp(Σ NLL / N), not a mean of per-text perplexities", async () => {
    const m = model();
    const r = await evaluatePerplexity(m, rows, { padId: 0, batchSize: 2 });
    let sum = 0;
    let n = 0;
    const perText: number[] = [];
    for (const row of rows) {
      const h = await hostNll(m, row);
      sum += h.sum;
      n += h.n;
      perText.push(Math.exp(h.sum / h.n));
    }
    expect(r.tokens).toBe(11);
    expect(r.score).toBeCloseTo(Math.exp(sum / n), 9);
    expect(Math.abs(r.score - perText.reduce((a, b) => a + b) / perText.length)).toBeGreaterThan(
      1e-3,
    );
  });
});

const src = (line: number) => ({ path: "val.jsonl", line, origin: "file" as const });
const records: DataRecord[] = [
  { kind: "instruction", instruction: "1+1", input: "", output: "2", source: src(1) },
  { kind: "instruction", instruction: "2+2", input: "", output: "4", source: src(2) },
  { kind: "instruction", instruction: "3+4", input: "", output: "#### 7", source: src(3) },
  { kind: "instruction", instruction: "5+5", input: "", output: "10", source: src(4) },
];
const template = resolveTemplate("alpaca_en");

describe("evaluateLlm", () => {
  it("computes generation metrics through the generate callback, plus perplexity and gates", async () => {
    const seen: string[] = [];
    // The "model" answers the first three right (the third in GSM8K style), the last wrong.
    const answers = ["2", "4", "The answer is 7", "11"];
    const progress: string[] = [];
    const report = await evaluateLlm({
      metrics: ["exact_match", "gsm8k", "rouge1", "bleu", "perplexity"],
      records,
      model: model(),
      tokenizer,
      template,
      generate: async (prompts) => {
        seen.push(...prompts);
        return prompts.map(
          (p) =>
            answers[
              records.findIndex((r) => p.includes((r as { instruction: string }).instruction))
            ],
        );
      },
      batchSize: 3,
      keepPredictions: true,
      require: [
        { op: ">=", left: { metric: "exact_match" }, right: 0.5 },
        { op: ">=", left: { metric: "gsm8k" }, right: 0.9 },
      ],
      onProgress: (p) => progress.push(`${p.phase}:${p.done}/${p.total}`),
    });
    expect(seen[0]).toBe(
      "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n1+1\n\n### Response:\n",
    );
    expect(report.metrics.exact_match.score).toBe(0.5);
    expect(report.metrics.gsm8k.score).toBe(0.75);
    // rouge1 F1 per record: 1, 1, "the answer is 7" vs "7" = 2·(1/4)·1/(1/4 + 1) = 0.4, 0.
    expect(report.metrics.rouge1.score).toBeCloseTo((1 + 1 + 0.4 + 0) / 4, 12);
    expect(report.metrics.perplexity.score).toBeGreaterThan(1);
    expect(report.metrics.perplexity.tokens).toBe(1 + 1 + 6 + 2 + 4); // answer tokens + one EOS each
    expect(report.predictions![3]).toMatchObject({ prediction: "11", reference: "10" });
    expect(report.gates!.passed).toBe(false);
    expect(report.gates!.failures[0].message).toBe(
      "require gsm8k >= 0.9 failed: gsm8k >= 0.9 is false (gsm8k = 0.75)",
    );
    expect(progress).toEqual(["perplexity:4/4", "generate:3/4", "generate:4/4"]);
    expect(JSON.parse(evalJson(report, { stage: "ev" })).stage).toBe("ev");
  });

  it("sends prompts to the decoder sorted by length and returns completions in record order", async () => {
    const mixed: DataRecord[] = ["12+345", "1+1", "100+1000", "2+2", "30+4"].map((q, i) => ({
      kind: "instruction",
      instruction: q,
      input: "",
      output: q,
      source: src(i + 1),
    }));
    const batches: string[][] = [];
    const report = await evaluateLlm({
      metrics: ["exact_match"],
      records: mixed,
      template: resolveTemplate({
        alpaca: { withInput: "{instruction}", withoutInput: "{instruction}" },
      }),
      generate: async (prompts) => {
        batches.push([...prompts]);
        return [...prompts]; // echo: every answer right, whatever the batching
      },
      batchSize: 2,
      keepPredictions: true,
    });
    expect(batches).toEqual([["1+1", "2+2"], ["30+4", "12+345"], ["100+1000"]]);
    expect(report.predictions!.map((p) => p.prediction)).toEqual(
      mixed.map((r) => (r as { instruction: string }).instruction),
    );
    expect(report.metrics.exact_match.score).toBe(1);
  });

  it("perplexity of plain text needs no template: every token after BOS is scored", async () => {
    const report = await evaluateLlm({
      metrics: ["perplexity"],
      records: [{ kind: "text", text: "ABCD", source: src(9) }],
      model: model(),
      tokenizer,
    });
    expect(report.metrics.perplexity.tokens).toBe(5); // A B C D EOS, each predicted from its prefix
  });

  it("scores with a judge model (the seed's 1–10 prompt)", async () => {
    const judged: string[] = [];
    const report = await evaluateLlm({
      metrics: ["judge"],
      records: records.slice(0, 2),
      generate: async (p) => p.map(() => "x"),
      judge: async (prompts) => {
        judged.push(...prompts);
        return prompts.map((_, i) => (i === 0 ? "评分：8\n理由：准确" : "Rating: [[6]]"));
      },
    });
    expect(judged[0]).toMatch(
      /^请评估以下AI回答的质量（1-10分）：\n\n指令：1\+1\n参考答案：2\n模型回答：x\n/,
    );
    expect(report.metrics.judge).toMatchObject({ score: 7, count: 2, invalid: 0 });
  });

  it("multiple choice by answer-letter likelihood and by generated letter", async () => {
    const m = model();
    // A bigram model's letter choice depends only on the last prompt token: find its favourite.
    const item = toChoiceItem({ question: "Q", A: "a", B: "b", C: "c", D: "d", answer: 0 }, 0);
    const prompt = [2, ...tokenizer.encode(choicePrompt(item))];
    const logits = await noGrad(() => m.forward([prompt])).toArray();
    const last = Array.from(logits.slice((prompt.length - 1) * V, prompt.length * V));
    const favourite = "ABCD"[[0, 1, 2, 3].reduce((b, k) => (last[4 + k] > last[4 + b] ? k : b), 0)];
    const items = [
      { question: "q1", choices: ["x", "y", "z", "w"], answer: favourite },
      {
        question: "q2",
        options: ["x", "y"],
        answer: "ABCD".indexOf(favourite) < 2 ? favourite : "A",
      },
      { question: "q3", A: "1", B: "2", C: "3", D: "4", answer: favourite === "D" ? "C" : "D" },
    ];
    const report = await evaluateLlm({
      metrics: ["mc_loglik", "mc"],
      choiceItems: items,
      model: m,
      tokenizer,
      generate: async (prompts) =>
        prompts.map((p, i) => (i === 0 ? `答案是${favourite}` : "I cannot tell")),
    });
    const expected = (1 + (["A", "B"].includes(favourite) ? 1 : 0)) / 3;
    expect(report.metrics.mc_loglik.score).toBeCloseTo(expected, 12);
    expect(report.metrics.mc).toMatchObject({ score: 1 / 3, unanswered: 2 });
  });

  it("says what is missing instead of guessing", async () => {
    await expect(evaluateLlm({ metrics: ["rouge1"], records })).rejects.toThrow(MetricInputError);
    await expect(evaluateLlm({ metrics: ["rouge1"], records })).rejects.toThrow(
      /needs a generate callback/,
    );
    await expect(evaluateLlm({ metrics: ["perplexity"], records, model: model() })).rejects.toThrow(
      /needs a tokenizer/,
    );
    await expect(evaluateLlm({ metrics: ["bleurt"], records })).rejects.toThrow(
      /unknown metric "bleurt"/,
    );
    expect(() => toChoiceItem({ question: "q", choices: ["a", "b"], answer: "C" }, 4)).toThrow(
      /record 5: has no valid answer/,
    );
  });
});
