import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bleuSignature,
  computeBleu,
  corpusBleu,
  sentenceBleu,
  type BleuOptions,
  type BleuSmoothMethod,
} from "../../../../runtime/eval/metrics/bleu.js";
import {
  isSacrebleuChineseChar,
  tokenize13a,
  tokenizeZh,
  type BleuTokenizerName,
} from "../../../../runtime/eval/metrics/bleu-tokenizers.js";

/** sacrebleu takes reference *streams*; ours takes references per hypothesis. */
function transpose(streams: (string | null)[][]): (string | null)[][] {
  return streams[0].map((_, i) => streams.map((s) => s[i]));
}

/** sacrebleu's `raw_corpus_bleu(hyps, refs, smooth_value)`. */
function rawCorpusBleu(hyps: string[], streams: string[][], smoothValue: number | null) {
  return corpusBleu(hyps, transpose(streams), {
    smoothMethod: "floor",
    smoothValue,
    tokenize: "none",
    effectiveOrder: true,
  });
}

const EPSILON = 1e-8; // sacrebleu test_bleu.py's EPSILON

// sacrebleu test/test_bleu.py: _refs / _hyps (the README example).
const REFS = [
  ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
  ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
];
const HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

describe("sacrebleu test_bleu.py vectors", () => {
  it.each([
    ["default", HYPS, {}, 48.530827],
    ["empty hypotheses are not removed", ["", "", ""], {}, 0.0],
    ["tokenize none", HYPS, { tokenize: "none" }, 49.1919566],
    ["tokenize 13a", HYPS, { tokenize: "13a" }, 48.530827],
    ["smooth none", HYPS, { smoothMethod: "none" }, 48.530827],
  ] as [string, string[], BleuOptions, number][])(
    "test_corpus_bleu: %s",
    (_, hyps, options, expected) => {
      expect(Math.abs(corpusBleu(hyps, transpose(REFS), options).score - expected)).toBeLessThan(
        EPSILON,
      );
    },
  );

  it.each([
    [["this is a test", "another test"], [["ref1", "ref2"]], 0.0],
    [["this is a test"], [["this is a test"]], 1.0],
    [["this is a fest"], [["this is a test"]], 0.223606797749979],
  ])("test_raw_bleu %#", (hyps, refs, expected) => {
    expect(Math.abs(rawCorpusBleu(hyps, refs, 0.01).score / 100 - expected)).toBeLessThan(EPSILON);
  });

  it.each([
    [["test"], [["a test"]], 0.3678794411714425],
    [["a test"], [["a test"]], 1.0],
    [["a little test"], [["a test"]], 0.03218297948685433],
  ])("test_effective_order %#", (hyps, refs, expected) => {
    expect(Math.abs(rawCorpusBleu(hyps, refs, 0.01).score / 100 - expected)).toBeLessThan(EPSILON);
  });

  it("test_statistics", () => {
    const s = rawCorpusBleu(
      ["am I am a character sequence"],
      [["I am a symbol string sequence a a"]],
      0.01,
    );
    expect(s.counts).toEqual([4, 2, 1, 0]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
  });

  it("test_scoring", () => {
    const s = computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11);
    expect(Math.abs(s.score / 100 - 0.8375922397)).toBeLessThan(EPSILON);
  });

  it("test_offset", () => {
    const hyp = ["am I am a character sequence"];
    const ref = [["I am a symbol string sequence a a"]];
    expect(Math.abs(rawCorpusBleu(hyp, ref, 0.0).score / 100 - 0)).toBeLessThan(EPSILON);
    expect(Math.abs(rawCorpusBleu(hyp, ref, null).score / 100 - 0.1555722182)).toBeLessThan(
      EPSILON,
    );
  });

  it.each([
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ])("test_degenerate_statistics %#", (common, total, sysLen, refLen, offset) => {
    const s = computeBleu(common, total, sysLen, refLen, {
      smoothMethod: "floor",
      smoothValue: offset,
    });
    expect(s.score / 100).toBe(0.0);
  });

  it.each([
    [1, "77.65"],
    [2, "60.50"],
    [3, "53.93"],
    [4, "48.53"],
    [5, "46.14"],
    [6, "43.28"],
  ])("test_max_ngram_order %i", (order, expected) => {
    expect(corpusBleu(HYPS, transpose(REFS), { maxNgramOrder: order }).score.toFixed(2)).toBe(
      expected,
    );
  });
});

describe("sacrebleu test_sentence_bleu.py vectors", () => {
  // Example from sacrebleu issue #98.
  const REF = "producţia de zahăr brut se exprimă în zahăr alb;";
  const SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
  it.each([
    ["exp", null, false, "13a", 8.493],
    ["none", null, false, "13a", 0.0],
    ["floor", null, false, "13a", 4.51688],
    ["floor", 0.1, false, "13a", 4.51688],
    ["floor", 0.5, false, "13a", 10.1],
    ["add-k", null, false, "13a", 14.882],
    ["add-k", 1, false, "13a", 14.882],
    ["add-k", 2, false, "13a", 21.389],
    ["exp", null, false, "none", 7.347],
    ["exp", null, false, "char", 40.8759],
    ["exp", null, true, "char", 42.0267],
  ] as [BleuSmoothMethod, number | null, boolean, BleuTokenizerName, number][])(
    "test_api_sentence_bleu %s %s lowercase=%s tok=%s",
    (smoothMethod, smoothValue, lowercase, tokenize, expected) => {
      const s = sentenceBleu(SYS, [REF], { smoothMethod, smoothValue, lowercase, tokenize });
      expect(Math.abs(s.score - expected)).toBeLessThan(1e-3);
    },
  );

  // Example from sacrebleu issue #141: no match at all is 0 whatever the smoothing.
  it.each([
    ["exp", null],
    ["none", null],
    ["floor", null],
    ["floor", 0.1],
    ["add-k", null],
    ["add-k", 1],
  ] as [BleuSmoothMethod, number | null][])("test_api_sentence_bleu_zero %s %s", (m, v) => {
    expect(
      sentenceBleu("this is a cat", ["okay thanks"], { smoothMethod: m, smoothValue: v }).score,
    ).toBe(0);
  });
});

interface SacrebleuFixture {
  tokenized: { input: string; "13a": string; zh: string }[];
  cases: {
    name: string;
    kind: "corpus" | "sentence";
    hyps?: string[];
    refStreams?: (string | null)[][];
    hyp?: string;
    refs?: string[];
    options: {
      tokenize?: BleuTokenizerName;
      smooth_method?: BleuSmoothMethod;
      smooth_value?: number;
      lowercase?: boolean;
    };
    score: number;
    counts: number[];
    totals: number[];
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../../../fixtures/metrics/sacrebleu.json", import.meta.url), "utf8"),
) as SacrebleuFixture;

describe("goldens from sacrebleu 2.6.0 (scripts/fixtures/metrics.py)", () => {
  it.each(fixture.tokenized.map((t) => [t.input, t]))("tokenizes %j like 13a and zh", (_, t) => {
    expect(tokenize13a(t.input)).toBe(t["13a"]);
    expect(tokenizeZh(t.input)).toBe(t.zh);
  });

  it.each(fixture.cases.map((c) => [c.name, c]))("%s", (_, c) => {
    const options: BleuOptions = {
      tokenize: c.options.tokenize,
      smoothMethod: c.options.smooth_method,
      smoothValue: c.options.smooth_value,
      lowercase: c.options.lowercase,
    };
    const s =
      c.kind === "corpus"
        ? corpusBleu(c.hyps!, transpose(c.refStreams!), options)
        : sentenceBleu(c.hyp!, c.refs!, options);
    expect(Math.abs(s.score - c.score)).toBeLessThan(1e-9);
    expect(s.counts).toEqual(c.counts);
    expect(s.totals).toEqual(c.totals);
  });
});

describe("Chinese", () => {
  it("zh splits CJK characters and keeps them (13a would keep whole clauses)", () => {
    expect(tokenizeZh("我爱北京天安门。")).toBe("我 爱 北 京 天 安 门 。");
    expect(tokenize13a("我爱北京天安门。")).toBe("我爱北京天安门。");
    const s = corpusBleu(["猫坐在垫子上。"], [["猫坐在那个垫子上。"]], { tokenize: "zh" });
    expect(s.sysLen).toBe(7);
    expect(s.refLen).toBe(9);
    expect(s.score).toBeGreaterThan(40);
  });

  it("keeps sacrebleu's range quirk: U+2001–U+2A6D split, Extension B not", () => {
    expect(isSacrebleuChineseChar("—")).toBe(true); // U+2014
    expect(isSacrebleuChineseChar("“")).toBe(true); // U+201C
    expect(isSacrebleuChineseChar("\u2000")).toBe(false);
    expect(isSacrebleuChineseChar("\u2a6d")).toBe(true);
    expect(isSacrebleuChineseChar("\u2a6e")).toBe(false);
    expect(isSacrebleuChineseChar("𠀀")).toBe(false); // U+20000
    expect(isSacrebleuChineseChar("中")).toBe(true);
  });

  it("signature names the tokenizer", () => {
    expect(bleuSignature({ tokenize: "zh" }, 1)).toBe(
      "nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0",
    );
    expect(bleuSignature({ smoothMethod: "floor", lowercase: true }, "var")).toBe(
      "nrefs:var|case:lc|eff:no|tok:13a|smooth:floor[0.10]|version:2.6.0",
    );
  });
});
