/**
 * From the IR's clean settings to the data layer's options: `require` conditions as rules
 * (required, length, language) or evaluated row by row, the cleaner chain with two dedupes,
 * the heuristic quality score and the model-free augmentations.
 */
import { describe, expect, it } from "vitest";
import type { Condition } from "../../../compiler/ir/schema-values.js";
import type { DataRecord, InstructionRecord } from "../../../runtime/data/format/record.js";
import {
  conditionText,
  conditionToRules,
  holds,
} from "../../../runtime/executor/clean/record-condition.js";
import { heuristicQuality } from "../../../runtime/executor/clean/quality-heuristic.js";
import { makeAugmenter } from "../../../runtime/executor/clean/augment.js";
import {
  planClean,
  runClean,
  type CleanSettingsValue,
} from "../../../runtime/executor/clean/run-clean.js";
import type { DatasetValue } from "../../../runtime/executor/dataset-value.js";
import { emptyCleanReport } from "../../../runtime/data/clean/clean-report.js";
import { createRng } from "../../../runtime/util/random.js";

const field = (f: string, property?: string) => (property ? { field: f, property } : { field: f });

function row(line: number, instruction: string, output: string, input = ""): InstructionRecord {
  return {
    kind: "instruction",
    instruction,
    input,
    output,
    source: { path: "t.jsonl", line, origin: "file" },
  };
}

describe("require conditions", () => {
  it("map the common forms to the data layer's rules", () => {
    const len = (op: string, right: unknown) =>
      conditionToRules({ op, left: field("output", "length"), right } as Condition);
    expect(conditionToRules({ op: "present", arg: field("instruction") })).toEqual([
      { kind: "required", field: "instruction" },
    ]);
    expect(len("in", { range: [10, 10000] })).toEqual([
      { kind: "length", field: "output", min: 10, max: 10000 },
    ]);
    expect(len(">=", 5)).toEqual([{ kind: "length", field: "output", min: 5 }]);
    expect(len(">", 5)).toEqual([{ kind: "length", field: "output", min: 6 }]);
    expect(len("<=", 9)).toEqual([{ kind: "length", field: "output", max: 9 }]);
    expect(len("<", 9)).toEqual([{ kind: "length", field: "output", max: 8 }]);
    expect(len("==", 3)).toEqual([{ kind: "length", field: "output", min: 3, max: 3 }]);
    expect(
      conditionToRules({
        op: "in",
        left: { call: "lang", args: [field("output")] },
        right: [{ name: "zh" }, { name: "en" }],
      }),
    ).toEqual([{ kind: "language", allow: ["zh", "en"], fields: ["output"] }]);
    expect(
      conditionToRules({
        op: "and",
        args: [
          { op: "present", arg: field("conversations") },
          { op: ">=", left: field("instruction", "length"), right: 2 },
        ],
      }),
    ).toEqual([
      { kind: "required", field: "conversation" },
      { kind: "length", field: "instruction", min: 2 },
    ]);
  });

  it("leave other forms to the row-by-row evaluator", () => {
    const either: Condition = {
      op: "or",
      args: [
        { op: ">=", left: field("output", "length"), right: 20 },
        { op: "present", arg: field("input") },
      ],
    };
    expect(conditionToRules(either)).toBeUndefined();
    expect(conditionText(either)).toBe("(output.length >= 20 or input)");
    expect(holds(either, row(1, "问", "短回答"))).toBe(false);
    expect(holds(either, row(2, "问", "短回答", "上下文"))).toBe(true);
    expect(holds(either, row(3, "问", "这是一个足够长的回答，超过了二十个字符的长度限制。"))).toBe(
      true,
    );
    const notSame: Condition = { op: "!=", left: field("instruction"), right: field("output") };
    expect(holds(notSame, row(4, "重复", "重复"))).toBe(false);
    expect(holds({ op: "not", arg: notSame }, row(5, "重复", "重复"))).toBe(true);
    expect(() => holds({ op: ">=", left: { metric: "bleu" }, right: 1 }, row(6, "a", "b"))).toThrow(
      /cannot apply `require bleu >= 1` to records/,
    );
  });
});

const SETTINGS: CleanSettingsValue = {
  steps: ["normalize", "require", "require", "language", "dedupe", "dedupe", "quality"],
  normalize: ["whitespace", "control_chars", "punctuation"],
  punctuation: "full_width",
  language: "zh",
  dedupe: [
    "instruction",
    { kind: "near", key: "output", threshold: 0.9, ngram: 5, permutations: 64 },
  ],
  quality: { scorer: "heuristic", threshold: 0.5 },
  require: [
    { op: "present", arg: field("instruction") },
    {
      op: "or",
      args: [
        { op: ">=", left: field("output", "length"), right: 8 },
        { op: "present", arg: field("input") },
      ],
    },
  ],
  seed: 3,
};

const LONG =
  "机器学习让计算机从数据中学习规律，并根据这些规律对新的数据做出预测。它包括监督学习、无监督学习和强化学习等方法。";

describe("the clean chain", () => {
  it("plans rules in the order written, residual conditions and one stage per dedupe", () => {
    const plan = planClean(SETTINGS, "instruction");
    expect(plan.normalize).toEqual({
      whitespace: "collapse",
      controlChars: true,
      punctuation: { direction: "to_full" },
    });
    expect(plan.rules).toEqual([
      { kind: "required", field: "instruction" },
      { kind: "language", allow: ["zh"] },
    ]);
    expect(plan.residual).toHaveLength(1);
    expect(plan.dedupes).toEqual([
      { fields: ["instruction"], mode: "exact" },
      { fields: ["output"], mode: "near", threshold: 0.9, ngram: 5, numPerm: 64 },
    ]);
  });

  it("keeps or drops every record for a named reason across the whole chain", async () => {
    const records: DataRecord[] = [
      row(1, "解释机器学习。", LONG),
      row(2, "解释机器学习。", "另一个回答，但指令重复了，所以会被去掉。"),
      // The same answer with one character more: a near duplicate of row 1's output.
      row(3, "介绍数据清洗。", LONG + "好"),
      row(4, "介绍量化。", "短"),
      row(5, "Explain LoRA.", "It trains two small matrices and freezes the rest of the model."),
      row(
        6,
        "介绍蒸馏。",
        "哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈",
      ),
      row(7, "  介绍\u0007检测 ", "目标检测找出图像中物体的位置和类别,并给出置信度."),
    ];
    const report = emptyCleanReport(3);
    report.totals.read = records.length;
    const input: DatasetValue = { kind: "dataset", format: "alpaca", records, report, sources: [] };
    const out = await runClean(input, SETTINGS);
    const kept = out.records.map((r) => r.source.line);
    expect(kept).toEqual([1, 6, 7]);
    const reasons = Object.fromEntries(
      Object.entries(out.report.dropped).map(([k, v]) => [k, v.examples.map((e) => e.at)]),
    );
    expect(reasons).toEqual({
      language: ["t.jsonl:5"],
      rule: ["t.jsonl:4"],
      duplicate: ["t.jsonl:2"],
      near_duplicate: ["t.jsonl:3"],
    });
    expect(out.report.totals).toMatchObject({ kept: 3, dropped: 4 });
    // Normalised: control character and spaces gone, punctuation made full width.
    expect(out.records[2]).toMatchObject({
      instruction: "介绍检测",
      output: "目标检测找出图像中物体的位置和类别，并给出置信度。",
    });
  });

  it("scores repetitive answers below the default threshold", () => {
    expect(
      heuristicQuality(row(1, "介绍蒸馏。", "知识蒸馏让小模型学习大模型的输出分布。")),
    ).toBeGreaterThan(0.9);
    expect(heuristicQuality(row(2, "介绍蒸馏。", "介绍蒸馏。"))).toBeLessThan(0.75);
    expect(heuristicQuality(row(3, "x", "哈".repeat(40)))).toBeLessThan(0.8);
    expect(heuristicQuality(row(4, "x", ""))).toBe(0);
  });

  it("augments a seeded share of rows with model-free methods and refuses `synonym`", async () => {
    const aug = makeAugmenter({
      methods: ["shuffle_sentences", "drop_chars", "swap_chars"],
      ratio: 1,
    });
    const r = row(1, "请解释低秩适配的基本原理。", "第一句。第二句。第三句。");
    const copies = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (seed) => aug(r, createRng(seed))),
    );
    expect(await aug(r, createRng(4))).toEqual(copies[3]);
    const made = copies.flat();
    expect(made.length).toBeGreaterThan(2);
    for (const c of made) {
      expect(c.source).toEqual({ ...r.source, origin: "augmented" });
      expect(c).not.toEqual({ ...r, source: c.source });
    }
    expect(await makeAugmenter({ methods: ["drop_chars"], ratio: 0 })(r, createRng(1))).toEqual([]);
    expect(() => makeAugmenter({ methods: ["synonym"], ratio: 0.5 })).toThrow(
      /`synonym` is not implemented/,
    );
  });
});
