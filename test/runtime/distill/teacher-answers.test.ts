import { describe, expect, it } from "vitest";
import { teacherAnswers, teacherPrompt } from "../../../runtime/distill/teacher-answers.js";
import { resolveTemplate } from "../../../runtime/data/template/apply-template.js";
import type { DataRecord } from "../../../runtime/data/format/record.js";

const src = (line: number) => ({ path: "data/sft.jsonl", line, origin: "file" as const });
const records: DataRecord[] = [
  {
    kind: "instruction",
    instruction: "把下面的句子翻译成英文",
    input: "你好",
    output: "Hello",
    source: src(1),
  },
  { kind: "instruction", instruction: "1+1等于几？", input: "", output: "2", source: src(2) },
  {
    kind: "chat",
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
      { role: "assistant", content: "old" },
    ],
    source: src(3),
  },
  { kind: "preference", prompt: "pick one", chosen: "a", rejected: "b", source: src(4) },
];

describe("simplified distillation (teacher answers → SFT records)", () => {
  it("prompts the teacher with the templated prompt and returns SFT records", async () => {
    const template = resolveTemplate("alpaca_zh");
    const seen: string[][] = [];
    const progress: [number, number][] = [];
    const out = await teacherAnswers(
      records.slice(0, 2),
      async (prompts) => {
        seen.push([...prompts]);
        return prompts.map((_, i) => ` answer ${i} `);
      },
      { template, batchSize: 1, onProgress: (d, t) => progress.push([d, t]) },
    );
    expect(seen).toEqual([
      ["### 指令:\n把下面的句子翻译成英文\n\n### 输入:\n你好\n\n### 回答:\n"],
      ["### 指令:\n1+1等于几？\n\n### 回答:\n"],
    ]);
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(out.records).toEqual([
      { ...records[0], output: "answer 0", source: { ...src(1), origin: "synthetic" } },
      { ...records[1], output: "answer 0", source: { ...src(2), origin: "synthetic" } },
    ]);
  });

  it("handles chat and preference records and drops empty answers by row", async () => {
    const out = await teacherAnswers(records, async (prompts) =>
      prompts.map((p, i) => (i === 1 ? "  " : `A(${p})`)),
    );
    expect(out.dropped).toEqual([{ place: "data/sft.jsonl:2", reason: "empty_answer" }]);
    expect(out.records).toHaveLength(3);
    expect(out.records[0]).toMatchObject({
      kind: "instruction",
      output: "A(把下面的句子翻译成英文\n你好)",
    });
    expect(out.records[1]).toEqual({
      kind: "chat",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "A(be brief\nhi)" },
      ],
      source: { ...src(3), origin: "synthetic" },
    });
    expect(out.records[2]).toMatchObject({
      kind: "instruction",
      instruction: "pick one",
      output: "A(pick one)",
    });
  });

  it("refuses plain-text records and a generator that loses answers", async () => {
    expect(() => teacherPrompt({ kind: "text", text: "x", source: src(9) })).toThrow(
      /needs instruction, chat or preference records/,
    );
    await expect(teacherAnswers(records.slice(0, 2), async () => ["only one"])).rejects.toThrow(
      /1 answers for 2 prompts/,
    );
  });
});
