import { describe, expect, it } from "vitest";
import { corpusPerplexity } from "../../../../runtime/eval/metrics/perplexity.js";

describe("corpus perplexity", () => {
  it("is exp(Σ NLL / N) over all unmasked tokens, not a mean of per-text perplexities", () => {
    // Text 1: 1 token, NLL 3. Text 2: 3 tokens, NLL 1 each. Σ = 6, N = 4 → exp(1.5).
    const r = corpusPerplexity([{ tokenNlls: [3] }, { tokenNlls: [1, 1, 1] }]);
    expect(r.tokens).toBe(4);
    expect(r.meanNll).toBe(1.5);
    expect(r.perplexity).toBeCloseTo(Math.exp(1.5), 12);
    const meanOfPerText = (Math.exp(3) + Math.exp(1)) / 2;
    expect(Math.abs(r.perplexity - meanOfPerText)).toBeGreaterThan(1);
  });

  it("skips labels of -100 and masked positions", () => {
    const r = corpusPerplexity([
      { tokenNlls: [9, 2, 2], labels: [-100, 5, 7] },
      { tokenNlls: [2, 50], mask: [1, 0] },
    ]);
    expect(r.tokens).toBe(3);
    expect(r.meanNll).toBe(2);
  });

  it("accepts reduced sums; a uniform model over V tokens has perplexity V", () => {
    const v = 50257;
    const r = corpusPerplexity([
      { nllSum: 10 * Math.log(v), tokenCount: 10 },
      { tokenNlls: [Math.log(v)] },
    ]);
    expect(r.perplexity).toBeCloseTo(v, 6);
  });

  it("rejects mismatched lengths and non-finite NLLs; no tokens gives NaN", () => {
    expect(() => corpusPerplexity([{ tokenNlls: [1, 2], labels: [1] }])).toThrow(RangeError);
    expect(() => corpusPerplexity([{ tokenNlls: [Infinity] }])).toThrow(RangeError);
    expect(corpusPerplexity([]).tokens).toBe(0);
    expect(corpusPerplexity([]).perplexity).toBeNaN();
  });
});
