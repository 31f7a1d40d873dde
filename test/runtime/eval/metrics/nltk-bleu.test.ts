import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  modifiedPrecision,
  nltkBrevityPenalty,
  nltkClosestRefLength,
  nltkCorpusBleu,
  nltkSentenceBleu,
  type NltkSmoothing,
} from "../../../../runtime/eval/metrics/nltk-bleu.js";
import { fsum } from "../../../../runtime/eval/metrics/numeric.js";

const split = (s: string): string[] => s.split(" ");

// nltk/translate/bleu_score.py docstrings and nltk/test/unit/translate/test_bleu.py (nltk 3.8).
const hypothesis1 = split(
  "It is a guide to action which ensures that the military always obeys the commands of the party",
);
const hypothesis2 = split(
  "It is to insure the troops forever hearing the activity guidebook that party direct",
);
const reference1 = split(
  "It is a guide to action that ensures that the military will forever heed Party commands",
);
const reference2 = split(
  "It is the guiding principle which guarantees the military forces always being under the command of the Party",
);
const reference3 = split(
  "It is the practical guide for the army always to heed the directions of the party",
);
const refs = [reference1, reference2, reference3];

const close = (actual: number, expected: number, places = 4): void => {
  expect(Math.abs(actual - expected)).toBeLessThan(0.5 * 10 ** -places);
};

describe("nltk bleu_score docstring vectors", () => {
  it("sentence_bleu 0.5045…", () => {
    expect(nltkSentenceBleu(refs, hypothesis1)).toBeGreaterThanOrEqual(0.5045);
    expect(nltkSentenceBleu(refs, hypothesis1)).toBeLessThan(0.5046);
  });

  it("zero 3-/4-gram overlaps round to 0.0 without smoothing; method1 gives 0.0370…", () => {
    expect(Number(nltkSentenceBleu(refs, hypothesis2).toFixed(4))).toBe(0);
    const m1 = nltkSentenceBleu(refs, hypothesis2, { smoothing: "method1" });
    expect(m1).toBeGreaterThanOrEqual(0.037);
    expect(m1).toBeLessThan(0.0371);
  });

  it("BLEU-5 0.3920… and weights (1/2,1/2), (1/3,…): 0.7453…, 0.6240…", () => {
    const w5 = [0.2, 0.2, 0.2, 0.2, 0.2];
    expect(Math.floor(nltkSentenceBleu(refs, hypothesis1, { weights: w5 }) * 1e4)).toBe(3920);
    expect(Math.floor(nltkSentenceBleu(refs, hypothesis1, { weights: [0.5, 0.5] }) * 1e4)).toBe(
      7453,
    );
    expect(
      Math.floor(nltkSentenceBleu(refs, hypothesis1, { weights: [1 / 3, 1 / 3, 1 / 3] }) * 1e4),
    ).toBe(6240);
  });

  const hyp2 = split("he read the book because he was interested in world history");
  const ref2a = split("he was interested in world history because he read the book");
  it("corpus_bleu 0.5920…, weights (0.1,0.3,0.5,0.1) 0.5818…, multiple weights", () => {
    const lor = [[reference1, reference2, reference3], [ref2a]];
    const hyps = [hypothesis1, hyp2];
    expect(Math.floor(nltkCorpusBleu(lor, hyps) * 1e4)).toBe(5920);
    expect(Math.floor(nltkCorpusBleu(lor, hyps, { weights: [0.1, 0.3, 0.5, 0.1] }) * 1e4)).toBe(
      5818,
    );
    const expected = [8242, 7067, 5920, 4719];
    [
      [0.5, 0.5],
      [0.333, 0.333, 0.334],
      [0.25, 0.25, 0.25, 0.25],
      [0.2, 0.2, 0.2, 0.2, 0.2],
    ].forEach((w, i) =>
      expect(Math.floor(nltkCorpusBleu(lor, hyps, { weights: w }) * 1e4)).toBe(expected[i]),
    );
    // "corpus_bleu() is different from averaging sentence_bleu()": 0.6223…
    const avg = (nltkSentenceBleu(lor[0], hyps[0]) + nltkSentenceBleu(lor[1], hyps[1])) / 2;
    expect(Math.floor(avg * 1e4)).toBe(6223);
  });

  it("SmoothingFunction docstring: method0–4 on reference1 / hypothesis1", () => {
    const expected: [NltkSmoothing, number][] = [
      ["method0", 4118],
      ["method1", 4118],
      ["method2", 4452],
      ["method3", 4118],
      ["method4", 4118],
    ];
    for (const [method, value] of expected) {
      expect(
        Math.floor(nltkSentenceBleu([reference1], hypothesis1, { smoothing: method }) * 1e4),
      ).toBe(value);
    }
  });

  it("bleu.doctest: method4 on a 3-token hypothesis is 4.4267…%", () => {
    const s = nltkSentenceBleu(
      [split("It is a place of quiet contemplation .")],
      split("It is ."),
      {
        smoothing: "method4",
      },
    );
    expect(Math.floor(s * 100 * 1e4)).toBe(44267);
  });
});

describe("nltk test_bleu.py TestBLEU", () => {
  it("test_modified_precision", () => {
    const value = (r: string[][], h: string[], n: number): number => {
      const p = modifiedPrecision(r, h, n);
      return p.numerator / p.denominator;
    };
    const the = [split("the cat is on the mat"), split("there is a cat on the mat")];
    close(value(the, split("the the the the the the the"), 1), 0.28571428);
    expect(value(the, split("the the the the the the the"), 2)).toBe(0);
    expect(value(refs, split("of the"), 1)).toBe(1);
    expect(value(refs, split("of the"), 2)).toBe(1);
    close(value(refs, hypothesis1, 1), 0.94444444);
    close(value(refs, hypothesis2, 1), 0.57142857);
    close(value(refs, hypothesis1, 2), 0.58823529);
    close(value(refs, hypothesis2, 2), 0.07692307);
  });

  it("test_brevity_penalty (mteval-v13a.pl cases)", () => {
    const a = (n: number): string[] => new Array<string>(n).fill("a");
    close(nltkBrevityPenalty(nltkClosestRefLength([a(11), a(8)], 7), 7), 0.8669);
    expect(nltkBrevityPenalty(nltkClosestRefLength([a(11), a(8), a(6), a(7)], 7), 7)).toBe(1);
    // docstring: 12 vs (13, 2) → 0.9200…; ties (13, 11) → the shorter → BP 1.
    expect(Math.floor(nltkBrevityPenalty(nltkClosestRefLength([a(13), a(2)], 12), 12) * 1e4)).toBe(
      9200,
    );
    expect(nltkBrevityPenalty(nltkClosestRefLength([a(13), a(11)], 12), 12)).toBe(1);
    expect(nltkBrevityPenalty(nltkClosestRefLength([a(11), a(13)], 12), 12)).toBe(1);
  });

  it("test_zero_matches / test_full_matches", () => {
    const none = [split("The candidate has no alignment to any of the references")];
    const jlm = split("John loves Mary");
    for (let n = 1; n < 3; n++) {
      const weights = new Array<number>(n).fill(1 / n);
      expect(nltkSentenceBleu(none, jlm, { weights })).toBe(0);
      expect(nltkSentenceBleu([jlm], jlm, { weights })).toBe(1);
    }
  });

  it("fringe cases: n > hypothesis length, empty hypothesis / references", () => {
    close(nltkSentenceBleu([split("John loves Mary")], split("John loves Mary who loves Mike")), 0);
    close(
      nltkSentenceBleu([split("John loves Mary ?")], split("John loves Mary"), {
        weights: [0.25, 0.25, 0.25, 0.25],
      }),
      0,
    );
    expect(
      nltkSentenceBleu([split("The candidate has no alignment to any of the references")], []),
    ).toBe(0);
    expect(nltkSentenceBleu([[]], split("John loves Mary"))).toBe(0);
    expect(nltkSentenceBleu([[]], [])).toBe(0);
    close(nltkSentenceBleu([split("let it go")], split("let go it")), 0);
  });
});

interface NltkFixture {
  sentences: ({ hyp: string[]; refs: string[][]; bigram_method0: number } & Record<
    NltkSmoothing,
    number
  >)[];
  corpus: Record<NltkSmoothing, number>;
}
const fixture = JSON.parse(
  readFileSync(new URL("../../../fixtures/metrics/nltk-bleu.json", import.meta.url), "utf8"),
) as NltkFixture;
const METHODS: NltkSmoothing[] = ["method0", "method1", "method2", "method3", "method4"];

describe("goldens from Debian's nltk 3.8 (scripts/fixtures/metrics.py)", () => {
  it.each(fixture.sentences.map((c, i) => [i, c]))("random sentence %i, method0–4", (_, c) => {
    for (const m of METHODS) {
      const got = nltkSentenceBleu(c.refs, c.hyp, { smoothing: m });
      expect(Math.abs(got - c[m])).toBeLessThanOrEqual(
        1e-15 * Math.max(1, Math.abs(c[m])) + 1e-300,
      );
    }
    expect(nltkSentenceBleu(c.refs, c.hyp, { weights: [0.5, 0.5] })).toBeCloseTo(
      c.bigram_method0,
      14,
    );
  });

  it("corpus_bleu over the random sentences, method0–4", () => {
    for (const m of METHODS) {
      const got = nltkCorpusBleu(
        fixture.sentences.map((c) => c.refs),
        fixture.sentences.map((c) => c.hyp),
        { smoothing: m },
      );
      expect(got).toBeCloseTo(fixture.corpus[m], 14);
    }
  });
});

describe("fsum (Python's math.fsum)", () => {
  it("is correctly rounded where a naive sum is not", () => {
    expect(fsum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toBe(1);
    expect(fsum([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50])).toBe(1e-100);
    expect(fsum([1e-16, 1, 1e16])).toBe(10000000000000002);
    expect(fsum([])).toBe(0);
  });
});
