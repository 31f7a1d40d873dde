import { describe, expect, it } from "vitest";
import {
  Cleaner,
  cleanRecords,
  type CleanOptions,
} from "../../../../runtime/data/clean/cleaner.js";
import {
  judgeScorer,
  noiseAugmenter,
  parseJudgeScore,
  parseSyntheticPair,
  judgePrompt,
  synthesisPrompt,
} from "../../../../runtime/data/clean/hooks.js";
import { renderCleanReport } from "../../../../runtime/data/clean/clean-report.js";
import type { DataRecord, InstructionRecord } from "../../../../runtime/data/format/record.js";

const rec = (instruction: string, output: string, line: number, input = ""): InstructionRecord => ({
  kind: "instruction",
  instruction,
  input,
  output,
  source: { path: "d.jsonl", line, origin: "file" },
});

const data: DataRecord[] = [
  rec("解释什么是递归", "递归是函数调用自身的编程技术。", 1),
  rec("What is recursion in programming?", "Recursion is when a function calls itself.", 2),
  rec("列举三种排序算法", "冒泡排序、快速排序、归并排序。", 3),
  rec("  解释什么是\u0007递归 ", "控制字符和空白不同的重复行。", 4),
  rec("翻译成英文", "", 5),
];

describe("Cleaner", () => {
  it("normalises before rules and de-duplication, and counts what each step changed", async () => {
    const { records, report } = await cleanRecords(data, {
      normalize: {
        whitespace: "collapse",
        controlChars: true,
        punctuation: { direction: "to_full" },
      },
      rules: [{ kind: "required", field: "output" }],
      dedupe: { fields: ["instruction"] },
    });
    expect(records.map((r) => r.source.line)).toEqual([1, 2, 3]);
    expect(report.dropped["required:output"]).toEqual({
      count: 1,
      examples: [{ at: "d.jsonl:5", detail: "`output` is empty" }],
      more: 0,
    });
    expect(report.dropped.duplicate.examples).toEqual([
      { at: "d.jsonl:4", detail: "duplicate of d.jsonl:1" },
    ]);
    expect(report.modified).toEqual({ whitespace: 1, controlChars: 1, punctuation: 0 });
  });

  it("applies length rules by characters (code points) with inclusive bounds, and the language rule", async () => {
    const { records, report } = await cleanRecords(
      [
        rec("五个字指令", "十个字的回答没错吧。", 1),
        rec("四个字啊", "十个字的回答没错吧。", 2),
        rec("😀😀😀😀😀", "十个字的回答没错吧。", 3),
        rec("English only please", "An answer in English.", 4),
      ],
      {
        rules: [
          { kind: "length", field: "instruction", min: 5 },
          { kind: "length", field: "output", min: 10, max: 10000 },
          { kind: "language", allow: ["zh"], fields: ["instruction", "output"] },
        ],
      },
    );
    expect(records.map((r) => r.source.line)).toEqual([1, 3]);
    expect(report.dropped["length:instruction"].examples[0]).toEqual({
      at: "d.jsonl:2",
      detail: "`instruction` has 4 characters, needs 5..∞",
    });
    expect(report.dropped.language.examples[0].detail).toBe(
      "detected en (100% of letters), allowed zh",
    );
  });

  it("refuses rules on fields the records do not have, and malformed rules (PW6301)", async () => {
    await expect(
      cleanRecords(data, { rules: [{ kind: "required", field: "chosen" }] }),
    ).rejects.toMatchObject({
      code: "PW6301",
      hint: "fields: instruction, input, output",
    });
    expect(
      () => new Cleaner({ rules: [{ kind: "length", field: "output", min: 10, max: 5 }] }),
    ).toThrow(/min 10 is greater than max 5/);
    expect(() => new Cleaner({ rules: [{ kind: "language", allow: [] }] })).toThrow(
      expect.objectContaining({ code: "PW6301" }),
    );
  });

  it("scores with the judge hook after de-duplication, in batches, and drops below the threshold", async () => {
    const calls: number[] = [];
    const scores: Record<number, number> = { 1: 5, 2: 3.5, 3: 4 };
    const { records, report } = await cleanRecords(data.slice(0, 4), {
      dedupe: { fields: ["instruction"] },
      normalize: { controlChars: true, whitespace: "collapse" },
      quality: {
        scorer: async (r) => {
          calls.push(r.source.line);
          return scores[r.source.line];
        },
        threshold: 4,
        concurrency: 2,
      },
    });
    expect(calls).toEqual([1, 2, 3]); // line 4 was a duplicate: never sent to the judge
    expect(records.map((r) => r.source.line)).toEqual([1, 3]);
    expect(report.dropped.quality.examples).toEqual([{ at: "d.jsonl:2", detail: "score 3.5 < 4" }]);
  });

  it("backs the quality hook with a judge model's text using the seed's prompt", async () => {
    const prompts: string[] = [];
    const scorer = judgeScorer(async (p) => {
      prompts.push(p);
      return p.includes("递归") ? "评分：5分" : "我不知道";
    });
    const { records, report } = await cleanRecords(data.slice(0, 2), {
      quality: { scorer, threshold: 4 },
    });
    expect(prompts[0]).toBe(judgePrompt(data[0]));
    expect(prompts[0]).toContain(
      "请评估以下指令-回答对的质量（1-5分）：\n\n指令：解释什么是递归\n回答：递归是函数调用自身的编程技术。",
    );
    expect(records).toHaveLength(1);
    expect(report.dropped.quality_unscored.count).toBe(1);
    expect(parseJudgeScore("4.5")).toBe(4.5);
    expect(parseJudgeScore("none")).toBeNaN();
  });

  it("turns a failing judge into PW6302 with the row's place", async () => {
    await expect(
      cleanRecords(data.slice(0, 1), {
        quality: { scorer: async () => Promise.reject(new Error("GPU lost")), threshold: 1 },
      }),
    ).rejects.toMatchObject({ code: "PW6302", place: { path: "d.jsonl", line: 1 } });
  });

  it("augments kept rows (seeded) and keeps augmented copies out of de-duplication", async () => {
    const opts: CleanOptions = {
      seed: 7,
      dedupe: { fields: ["instruction"] },
      augment: { augmenter: noiseAugmenter(0.5) },
    };
    const a = await cleanRecords(data.slice(0, 3), opts);
    const b = await cleanRecords(data.slice(0, 3), opts);
    expect(a.records).toEqual(b.records);
    const augmented = a.records.filter((r) => r.source.origin === "augmented");
    expect(augmented.length).toBeGreaterThan(0);
    expect(a.report.totals.keptByOrigin.augmented).toBe(augmented.length);
    expect(a.report.totals.generated.augmented).toBe(augmented.length);
    const c = await cleanRecords(data.slice(0, 3), { ...opts, seed: 8 });
    expect(c.records).not.toEqual(a.records);
  });

  it("fails clearly when the augmenter misbehaves (PW6303)", async () => {
    await expect(
      cleanRecords(data.slice(0, 1), {
        augment: { augmenter: () => "nope" as unknown as DataRecord[] },
      }),
    ).rejects.toMatchObject({ code: "PW6303" });
  });

  it("synthesises rows from a teacher with the seed's prompt, screening them like any row", async () => {
    const prompts: string[] = [];
    let k = 0;
    const replies = [
      "指令：解释什么是迭代\n回答：迭代是重复执行一组操作直到满足条件。",
      "这不是一个合法的回答",
      "指令：解释什么是递归\n回答：重复了已有的指令。",
      "Instruction: Name a sorting algorithm\nResponse: Quicksort.",
    ];
    const { records, report } = await cleanRecords(data.slice(0, 3), {
      seed: 3,
      dedupe: { fields: ["instruction"] },
      synthesize: {
        count: 4,
        teacher: async (p) => {
          prompts.push(p);
          return replies[k++];
        },
      },
    });
    expect(prompts[0]).toMatch(
      /^请模仿以下示例的风格，生成一个新的指令-回答对：\n\n示例：\n指令：.+\n回答：.+\n\n请生成一个不同的但类似的指令-回答对：$/,
    );
    const synthetic = records.filter((r) => r.source.origin === "synthetic");
    expect(
      synthetic.map((r) => [r.source.path, r.source.line, (r as InstructionRecord).instruction]),
    ).toEqual([
      ["<synthetic>", 1, "解释什么是迭代"],
      ["<synthetic>", 4, "Name a sorting algorithm"],
    ]);
    expect(report.dropped.synthetic_unparseable.examples[0].at).toBe("<synthetic>:2");
    expect(report.dropped.duplicate.examples[0]).toEqual({
      at: "<synthetic>:3",
      detail: "duplicate of d.jsonl:1",
    });
    expect(report.totals.generated.synthetic).toBe(4);
    expect(report.totals.keptByOrigin).toEqual({ file: 3, synthetic: 2, augmented: 0 });
  });

  it("wraps a failing sampler in PW6304", async () => {
    await expect(
      cleanRecords(data.slice(0, 1), {
        synthesize: {
          sampler: async () => {
            throw new Error("teacher offline");
          },
        },
      }),
    ).rejects.toMatchObject({ code: "PW6304", message: expect.stringMatching(/teacher offline/) });
  });

  it("parses teacher replies and builds prompts from seed examples", () => {
    expect(parseSyntheticPair("指令: 说你好\n回答: 你好")).toEqual({
      instruction: "说你好",
      output: "你好",
    });
    expect(parseSyntheticPair("指令：\n回答：x")).toBeUndefined();
    expect(synthesisPrompt(data[0])).toContain(
      "指令：解释什么是递归\n回答：递归是函数调用自身的编程技术。",
    );
  });

  it("lists at most maxExamplesPerReason examples and counts the rest", async () => {
    const many = Array.from({ length: 30 }, (_, k) => rec("同一个指令", `回答${k}`, k + 1));
    const { report } = await cleanRecords(many, {
      dedupe: { fields: ["instruction"] },
      maxExamplesPerReason: 3,
    });
    expect(report.dropped.duplicate).toMatchObject({ count: 29, more: 26 });
    expect(report.dropped.duplicate.examples).toHaveLength(3);
    expect(renderCleanReport(report)).toMatch(
      /duplicate\s+29\s+d\.jsonl:2, d\.jsonl:3, d\.jsonl:4 \(\+26 more\)/,
    );
    expect(renderCleanReport(report)).toContain("  d.jsonl:2  duplicate: duplicate of d.jsonl:1");
  });
});
