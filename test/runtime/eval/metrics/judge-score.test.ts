import { describe, expect, it } from "vitest";
import {
  aggregateJudgeScores,
  parseJudgeScore,
} from "../../../../runtime/eval/metrics/judge-score.js";

describe("judge score parsing", () => {
  it.each([
    ["The response is helpful. Rating: [[8]]", 8],
    ["[[7.5]]", 7.5],
    ["Score: 6", 6],
    ["Overall rating: 9/10 — excellent.", 9],
    ["I would give this 7 out of 10.", 7],
    ["评分：8", 8],
    ["得分为 6 分", 6],
    ["这个回答可以打9分。", 9],
    ["**Score**: 10", 10],
    ["5", 5],
    ["Score: ７", 7],
  ])("%j → %s", (reply, score) => {
    expect(parseJudgeScore(reply)).toBe(score);
  });

  it.each([
    ["Score: 11", "out of range"],
    ["Rating: 4/5", "another scale"],
    ["The answer is fine.", "no score"],
    ["[[0]]", "below 1"],
  ])("%j → null (%s)", (reply) => {
    expect(parseJudgeScore(reply)).toBeNull();
  });

  it("other scales", () => {
    expect(parseJudgeScore("Rating: 4/5", { min: 1, max: 5 })).toBe(4);
  });

  it("aggregates the readable scores and counts the rest", () => {
    const a = aggregateJudgeScores(["[[8]]", "Score: 6", "meh"]);
    expect(a).toEqual({ mean: 7, count: 2, invalid: 1, total: 3, scores: [8, 6, null] });
    expect(aggregateJudgeScores([]).mean).toBeNaN();
  });
});
