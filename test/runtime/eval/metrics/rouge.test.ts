import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { porterStem } from "../../../../runtime/eval/metrics/porter-stemmer.js";
import {
  cjkTokenize,
  corpusRouge,
  lcsIndices,
  lcsTable,
  rougeScore,
  rougeScoreMulti,
  rougeScoreTokenize,
  summaryLevelLcs,
  unionLcs,
} from "../../../../runtime/eval/metrics/rouge.js";

const close = (actual: number, expected: number, places = 7): void => {
  expect(Math.abs(actual - expected)).toBeLessThan(0.5 * 10 ** -places);
};

/**
 * rouge/testdata/target.txt and prediction.txt, first two lines each, and
 * rouge/testdata/pyrouge_files/{target,prediction}_multi.0.txt (google-research, Apache-2.0),
 * whose scores rouge_scorer_test.py checks against ROUGE-1.5.5.
 */
const testdata = JSON.parse(
  readFileSync(
    new URL("../../../fixtures/metrics/rouge-score-testdata.json", import.meta.url),
    "utf8",
  ),
) as { targets: string[]; predictions: string[]; targetMulti: string; predictionMulti: string };

describe("rouge-score rouge_scorer_test.py vectors", () => {
  it("testInvalidRougeTypes / testValidRougeTypes", () => {
    for (const t of ["rougen", "rouge0", "rouge10"]) {
      expect(() => rougeScore("testing one two", "testing", [t])).toThrow();
    }
    for (const t of ["rouge1", "rouge9", "rougeL", "rougeLsum"]) {
      expect(Object.keys(rougeScore("testing one two", "testing", [t]))).toEqual([t]);
    }
  });

  it("testRouge1", () => {
    const r = rougeScore("testing one two", "testing", ["rouge1"]).rouge1;
    close(r.precision, 1);
    close(r.recall, 1 / 3);
    close(r.fmeasure, 1 / 2);
  });

  it.each(["rouge1", "rouge2", "rougeL", "rougeLsum"])("testRougeEmpty %s", (t) => {
    expect(rougeScore("testing one two", "", [t])[t]).toEqual({
      precision: 0,
      recall: 0,
      fmeasure: 0,
    });
  });

  it("testRouge2, testRougeLConsecutive, testRougeLNonConsecutive, testMultipleRougeTypes", () => {
    const r2 = rougeScore("testing one two", "testing one", ["rouge2"]).rouge2;
    close(r2.precision, 1);
    close(r2.recall, 1 / 2);
    close(r2.fmeasure, 2 / 3);
    for (const pred of ["testing one", "testing two"]) {
      const l = rougeScore("testing one two", pred, ["rougeL"]).rougeL;
      close(l.precision, 1);
      close(l.recall, 2 / 3);
      close(l.fmeasure, 4 / 5);
    }
    const both = rougeScore("testing one two", "testing one", ["rouge1", "rougeL"]);
    expect(Object.keys(both)).toEqual(["rouge1", "rougeL"]);
    close(both.rouge1.recall, 2 / 3);
    close(both.rougeL.fmeasure, 4 / 5);
  });

  const against155: [string, boolean, number, number[], number[]][] = [
    // [type, stemmer, line, [R, P, F] for line 0, [R, P, F] for line 1]
    ["rouge1", false, 0, [0.40741, 0.6875, 0.51163], [0.40476, 0.65385, 0.5]],
    ["rouge1", true, 0, [0.40741, 0.6875, 0.51163], [0.42857, 0.69231, 0.52941]],
    ["rouge2", false, 0, [0.30769, 0.53333, 0.39024], [0.29268, 0.48, 0.36364]],
    ["rouge2", true, 0, [0.30769, 0.53333, 0.39024], [0.29268, 0.48, 0.36364]],
    ["rougeL", false, 0, [0.40741, 0.6875, 0.51163], [0.40476, 0.65385, 0.5]],
  ];
  it.each(against155)(
    "test%sAgainstRouge155 (stemming: %s)",
    (type, useStemmer, _, line0, line1) => {
      [line0, line1].forEach((expected, line) => {
        const r = rougeScore(testdata.targets[line], testdata.predictions[line], [type], {
          useStemmer,
        })[type];
        close(r.recall, expected[0], 5);
        close(r.precision, expected[1], 5);
        close(r.fmeasure, expected[2], 5);
      });
    },
  );

  it("testRougeLSumAgainstRouge155WithStemming", () => {
    const r = rougeScore(testdata.targetMulti, testdata.predictionMulti, ["rougeLsum"], {
      useStemmer: true,
    }).rougeLsum;
    close(r.recall, 0.36538, 5);
    close(r.precision, 0.66667, 5);
    close(r.fmeasure, 0.47205, 5);
  });

  it("testLcsTable", () => {
    const ref = [1, 2, 3, 4, 5];
    const c1 = [2, 5, 3, 4];
    expect(lcsTable(ref, c1)[ref.length][c1.length]).toBe(3);
    expect(lcsIndices(ref, c1)).toEqual([1, 2, 3]);
    expect(lcsIndices(ref, c1).map((i) => ref[i])).toEqual([2, 3, 4]);
    expect(lcsTable(ref, [8, 9])[5][2]).toBe(0);
    expect(lcsIndices(ref, [8, 9])).toEqual([]);
  });

  it("testUnionLcs (section 3.2 of the ROUGE paper)", () => {
    const ref = [1, 2, 3, 4, 5];
    expect(
      unionLcs(ref, [
        [1, 2, 6, 7, 8],
        [1, 3, 8, 9, 5],
      ]),
    ).toEqual([1, 2, 3, 5]);
  });

  it("testSummaryLevelLcs", () => {
    const s = summaryLevelLcs(
      [["1", "2", "3", "4", "5"]],
      [
        ["1", "2", "6", "7", "8"],
        ["1", "3", "8", "9", "5"],
      ],
    );
    expect(s.recall).toBe(0.8);
    expect(s.precision).toBe(0.4);
    close(s.fmeasure, 0.5333, 3);
    expect(summaryLevelLcs([["reference"]], [[]]).recall).toBe(0);
  });

  it("testRougeLsum", () => {
    const r = rougeScore("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", [
      "rougeLsum",
    ]).rougeLsum;
    close(r.recall, 0.8);
    close(r.precision, 0.4);
    close(r.fmeasure, 0.5333, 3);
    for (const [t, p] of [
      ["w1 w2 w3 w4 w5", ""],
      ["", "w1"],
      ["w1 w2 w3 w4 w5", "/"],
    ]) {
      expect(rougeScore(t, p, ["rougeLsum"]).rougeLsum).toEqual({
        precision: 0,
        recall: 0,
        fmeasure: 0,
      });
    }
  });
});

describe("tokenizers", () => {
  it("rouge-score's drops everything outside [a-z0-9] — Chinese scores 0 there", () => {
    expect(rougeScoreTokenize("Hello, World! It's 42.")).toEqual([
      "hello",
      "world",
      "it",
      "s",
      "42",
    ]);
    expect(rougeScoreTokenize("我爱北京天安门")).toEqual([]);
    expect(rougeScoreTokenize("café")).toEqual(["caf"]);
    expect(rougeScore("我爱北京", "我爱北京", ["rouge1"]).rouge1.fmeasure).toBe(0);
  });

  it("cjk makes each CJK character a token and keeps words", () => {
    expect(cjkTokenize("我爱Pipewright 2024！")).toEqual(["我", "爱", "pipewright", "2024"]);
    expect(cjkTokenize("日本語のテキスト、한국어")).toEqual([
      "日",
      "本",
      "語",
      "の",
      "テ",
      "キ",
      "ス",
      "ト",
      "한",
      "국",
      "어",
    ]);
    expect(cjkTokenize("Hello, World! It's 42.")).toEqual(
      rougeScoreTokenize("Hello, World! It's 42."),
    );
    expect(cjkTokenize("café")).toEqual(["café"]);
  });

  it("Chinese ROUGE with the cjk tokenizer, worked by hand", () => {
    // target 我 爱 北 京 天 安 门 (7), prediction 我 爱 天 安 门 (5): 5 unigrams match;
    // bigrams: target 6, prediction 4 (我爱 爱天 天安 安门), matching 我爱 天安 安门 = 3; LCS 5.
    const r = rougeScore("我爱北京天安门。", "我爱天安门", ["rouge1", "rouge2", "rougeL"], {
      tokenizer: "cjk",
    });
    close(r.rouge1.precision, 1);
    close(r.rouge1.recall, 5 / 7);
    close(r.rouge2.precision, 3 / 4);
    close(r.rouge2.recall, 3 / 6);
    close(r.rougeL.fmeasure, (2 * 1 * (5 / 7)) / (1 + 5 / 7));
  });

  it("score_multi keeps the best-F1 target per type; corpus is the mean", () => {
    const m = rougeScoreMulti(["the cat sat", "a dog ran"], "a dog sat", ["rouge1"]);
    close(m.rouge1.fmeasure, 2 / 3);
    const c = corpusRouge(
      ["testing one two", ["x", "testing one"]],
      ["testing", "testing one"],
      ["rouge1"],
    );
    close(c.rouge1.fmeasure, (0.5 + 1) / 2);
  });
});

describe("Porter stemmer: goldens from nltk 3.8 PorterStemmer (scripts/fixtures/metrics.py)", () => {
  const stems = (
    JSON.parse(
      readFileSync(new URL("../../../fixtures/metrics/porter-stems.json", import.meta.url), "utf8"),
    ) as {
      stems: Record<string, string>;
    }
  ).stems;
  it(`stems ${Object.keys(stems).length} words like nltk`, () => {
    const wrong = Object.entries(stems).filter(([w, s]) => porterStem(w) !== s);
    expect(wrong.map(([w, s]) => `${w}: ${porterStem(w)} ≠ ${s}`)).toEqual([]);
  });
});
