import { describe, expect, it } from "vitest";
import {
  extractChoiceLetter,
  multipleChoiceAccuracy,
  pickByLogLikelihood,
} from "../../../../runtime/eval/metrics/multiple-choice.js";

describe("multiple choice by log-likelihood", () => {
  it("picks the most likely letter; first on ties; NaN never wins", () => {
    expect(pickByLogLikelihood([-2.1, -0.3, -1.7, -4])).toBe("B");
    expect(pickByLogLikelihood({ A: -1, B: -1, C: -3, D: -9 })).toBe("A");
    expect(pickByLogLikelihood([NaN, -5, NaN, NaN])).toBe("B");
    expect(pickByLogLikelihood([NaN, NaN])).toBeNull();
    expect(pickByLogLikelihood([-1, -0.5, -2], ["甲", "乙", "丙"])).toBe("乙");
  });
});

describe("extracting the letter from generated text", () => {
  it.each([
    ["C", "C"],
    ["(B)", "B"],
    ["D.", "D"],
    ["**A**", "A"],
    ["The answer is (C).", "C"],
    ["The correct answer is B because …", "B"],
    ["Answer: D", "D"],
    ["answer: b.", "B"],
    ["I think it's A, but on reflection the final answer is C", "C"],
    ["答案是C", "C"],
    ["答案：B。", "B"],
    ["正确答案为 D", "D"],
    ["我选A，因为它符合题意", "A"],
    ["（Ｃ）", "C"],
    ["B. Paris is the capital", "B"],
    ["C) Lyon", "C"],
    ["Between the options, D looks right.", "D"],
    ["A cat is not a dog, so the option that fits is B", "B"],
  ])("%j → %s", (reply, letter) => {
    expect(extractChoiceLetter(reply)).toBe(letter);
  });

  it("does not read the article 'a' or 'A' as a choice", () => {
    expect(extractChoiceLetter("the answer is a cat")).toBeNull();
    expect(extractChoiceLetter("A cat sat on the mat.")).toBeNull();
    expect(extractChoiceLetter("No idea.")).toBeNull();
  });

  it("matches an option's text when the reply is just that text", () => {
    expect(
      extractChoiceLetter("Paris", { optionTexts: ["London", "Paris", "Rome", "Berlin"] }),
    ).toBe("B");
    expect(extractChoiceLetter("北京。", { optionTexts: ["上海", "广州", "北京", "深圳"] })).toBe(
      "C",
    );
  });

  it("accuracy counts unanswered as wrong", () => {
    expect(multipleChoiceAccuracy(["A", null, "c"], ["A", "B", "C"])).toEqual({
      accuracy: 2 / 3,
      correct: 2,
      total: 3,
      unanswered: 1,
    });
  });
});
