import { describe, expect, it } from "vitest";
import {
  accuracy,
  caseFold,
  corpusExactMatch,
  exactMatch,
  normalizeAnswer,
} from "../../../../runtime/eval/metrics/exact-match.js";

describe("exact match", () => {
  it("is trimmed, case-folded equality (DESIGN.md)", () => {
    expect(exactMatch("  Paris\n", "paris")).toBe(1);
    expect(exactMatch("PARIS.", "paris")).toBe(0);
    expect(exactMatch("北京", " 北京 ")).toBe(1);
    expect(exactMatch("Straße", "STRASSE")).toBe(1);
    expect(exactMatch("ＡＢＣ１２３", "abc123")).toBe(1); // full width, NFKC
    expect(exactMatch("the answer", "answer")).toBe(0);
  });

  it("normalized variant drops punctuation, articles and extra spaces", () => {
    expect(normalizeAnswer("The  Eiffel Tower!")).toBe("eiffel tower");
    expect(normalizeAnswer("答案：北京。")).toBe("答案 北京");
    expect(normalizeAnswer("an apple, a day")).toBe("apple day");
    expect(normalizeAnswer("theatre")).toBe("theatre");
    expect(exactMatch("The Eiffel Tower.", "eiffel tower", "normalized")).toBe(1);
  });

  it("several references: any match counts", () => {
    expect(exactMatch("NYC", ["New York", "nyc"])).toBe(1);
  });

  it("corpus exact match and accuracy", () => {
    expect(corpusExactMatch(["a", "B", "c"], ["a", "b", "x"])).toEqual({
      accuracy: 2 / 3,
      correct: 2,
      total: 3,
    });
    expect(accuracy([true, false, 1, 0])).toEqual({ accuracy: 0.5, correct: 2, total: 4 });
    expect(accuracy([])).toEqual({ accuracy: 0, correct: 0, total: 0 });
    expect(() => corpusExactMatch(["a"], [])).toThrow(RangeError);
  });

  it("case folding folds final sigma", () => {
    expect(caseFold("ΟΔΟΣ")).toBe(caseFold("οδοσ"));
  });
});
