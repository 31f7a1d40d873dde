import { describe, expect, it } from "vitest";
import { corpusBleu } from "../../../runtime/eval/metrics/bleu.js";
import { MetricInputError, scorePredictions } from "../../../runtime/eval/score.js";

describe("scorePredictions", () => {
  // sacrebleu test_bleu.py README example, as JSONL-style records with several references.
  const refsPerHyp = [
    ["The dog bit the man.", "The dog had bit the man."],
    ["It was not unexpected.", "No one was surprised."],
    ["The man bit him first.", "The man had bitten the dog."],
  ];
  const hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

  it("BLEU from records equals sacrebleu's 48.530827 and carries a signature", () => {
    const r = scorePredictions(
      hyps.map((prediction, i) => ({ id: i, prediction })),
      refsPerHyp.map((references, i) => ({ id: i, references })),
      ["bleu"],
    );
    expect(Math.abs(r.metrics.bleu.score - 48.530827)).toBeLessThan(1e-6);
    expect(r.metrics.bleu.signature).toBe(
      "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
    );
    expect(r.count).toBe(3);
  });

  it("pairs by id when every record has one, whatever the order", () => {
    const r = scorePredictions(
      [
        { id: "b", output: "x" },
        { id: "a", output: "y" },
      ],
      [
        { id: "a", answer: "Y" },
        { id: "b", answer: "x" },
      ],
      ["exact_match"],
    );
    expect(r.metrics.exact_match.score).toBe(1);
  });

  it("chooses Chinese-aware tokenizers when the texts hold CJK", () => {
    const preds = ["猫坐在垫子上。"];
    const refs = ["猫坐在那个垫子上。"];
    const r = scorePredictions(preds, refs, ["bleu", "rouge1", "rougeL"]);
    expect(r.metrics.bleu.signature).toContain("tok:zh");
    expect(r.metrics.bleu.score).toBeCloseTo(
      corpusBleu(preds, [refs], { tokenize: "zh" }).score,
      12,
    );
    expect(r.metrics.rouge1.tokenizer).toBe("cjk");
    // 猫 坐 在 垫 子 上 (6) vs 猫 坐 在 那 个 垫 子 上 (8): P 1, R 6/8.
    expect(r.metrics.rouge1.precision).toBe(1);
    expect(r.metrics.rouge1.recall).toBe(0.75);
    const asRougeScore = scorePredictions(preds, refs, ["rouge1"], {
      rougeTokenizer: "rouge-score",
    });
    expect(asRougeScore.metrics.rouge1.score).toBe(0);
  });

  it("'rouge' expands to rouge1, rouge2, rougeL, rougeLsum", () => {
    const r = scorePredictions(["testing one"], ["testing one two"], ["rouge"]);
    expect(Object.keys(r.metrics)).toEqual(["rouge1", "rouge2", "rougeL", "rougeLsum"]);
    expect(r.metrics.rouge1.score).toBeCloseTo(0.8, 12);
  });

  it("exact match, gsm8k, multiple choice, judge, perplexity", () => {
    const r = scorePredictions(
      [
        { prediction: "The answer is 18.", choiceLogLikelihoods: [-3, -0.2, -4, -5] },
        { prediction: "答案是C", choiceLogLikelihoods: { A: -1, B: -2, C: -3, D: -4 } },
      ],
      [{ answer: "#### 18" }, { answer: "C" }],
      ["exact_match", "gsm8k", "mc", "mc_loglik"],
      { perItem: true },
    );
    expect(r.metrics.exact_match.score).toBe(0);
    expect(r.metrics.gsm8k).toMatchObject({ score: 0.5, perItem: ["18", null] });
    expect(r.metrics.mc).toMatchObject({ score: 0.5, perItem: [null, "C"] });
    expect(r.metrics.mc_loglik).toMatchObject({ score: 0, perItem: ["B", "A"] });

    const j = scorePredictions(["Rating: [[8]]", "[[6]]", "??"], null, ["judge"]);
    expect(j.metrics.judge).toMatchObject({ score: 7, count: 2, invalid: 1 });

    const p = scorePredictions(
      [
        { tokenNlls: [1, 2, 3], labels: [-100, 4, 5] },
        { nllSum: 2.5, tokenCount: 1 },
      ],
      null,
      ["perplexity"],
    );
    expect(p.metrics.perplexity.score).toBeCloseTo(Math.exp(7.5 / 3), 12);
  });

  it("result is JSON-able", () => {
    const r = scorePredictions(
      ["a b c d"],
      ["a b c d"],
      ["bleu", "sentence_bleu", "nltk_bleu", "nltk_sentence_bleu", "rougeLsum", "accuracy"],
    );
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r.metrics.nltk_bleu.score).toBe(1);
    expect(r.metrics.bleu.score).toBe(100.00000000000004); // sacrebleu 2.6.0 gives the same float
  });

  it("reports input problems as MetricInputError", () => {
    expect(() => scorePredictions(["a"], ["a"], ["blue"])).toThrow(MetricInputError);
    expect(() => scorePredictions(["a", "b"], ["a"], ["bleu"])).toThrow(
      /2 predictions but 1 references/,
    );
    expect(() =>
      scorePredictions([{ id: 1, prediction: "a" }], [{ id: 2, answer: "a" }], ["bleu"]),
    ).toThrow(/prediction id 1 has no reference/);
    expect(() => scorePredictions([{ foo: "a" }], ["a"], ["bleu"])).toThrow(
      /prediction 1 has no text/,
    );
    expect(() => scorePredictions(["a"], null, ["bleu"])).toThrow(/need references/);
  });
});
