import { describe, expect, it } from "vitest";
import {
  normalizeRow,
  assertDatasetFormat,
} from "../../../../runtime/data/format/normalize-row.js";
import {
  readRecords,
  toDataIssue,
  validateFirstRows,
} from "../../../../runtime/data/format/read-records.js";
import { DATASET_SCHEMAS, validateRow } from "../../../../runtime/data/format/schemas.js";
import type { RawRow } from "../../../../runtime/data/read/row.js";
import { recordField } from "../../../../runtime/data/format/record.js";
import { tempDir } from "../support/temp-files.js";

const tmp = tempDir();
const raw = (value: unknown, line = 1): RawRow => ({
  place: { path: "d.jsonl", line },
  row: line,
  value,
});

describe("dataset formats", () => {
  it("normalises Alpaca rows; a null or missing input is empty", () => {
    const a = normalizeRow("alpaca", raw({ instruction: "i", input: null, output: "o", extra: 1 }));
    expect(a).toEqual({
      ok: true,
      record: {
        kind: "instruction",
        instruction: "i",
        input: "",
        output: "o",
        source: { path: "d.jsonl", line: 1, origin: "file" },
      },
    });
    const b = normalizeRow("alpaca", raw({ instruction: "i", output: "o" }));
    expect(b.ok && b.record.kind === "instruction" && b.record.input).toBe("");
  });

  it("names missing and mistyped fields (PW6101)", () => {
    expect(validateRow("alpaca", { instruction: "x" })).toEqual([
      { reason: "missing_field", message: "missing field `output`" },
    ]);
    expect(validateRow("alpaca", { instruction: 3, output: "o" })).toEqual([
      { reason: "invalid_field", message: "`instruction` must be string, got number 3" },
    ]);
    expect(validateRow("text", [1])).toEqual([
      { reason: "invalid_field", message: "row must be a JSON object, got an array" },
    ]);
    const bad = normalizeRow("alpaca", raw({ output: "o" }, 7));
    expect(bad).toMatchObject({
      ok: false,
      issue: { code: "PW6101", reason: "missing_field", place: { line: 7 } },
    });
  });

  it("maps ShareGPT roles (human/gpt/system and user/assistant), multi-turn, with a top-level system", () => {
    const r = normalizeRow(
      "sharegpt",
      raw({
        system: "你是助手",
        conversations: [
          { from: "human", value: "什么是机器学习？" },
          { from: "gpt", value: "机器学习是人工智能的一个分支..." },
          { from: "user", value: "它和深度学习有什么区别？" },
          { from: "assistant", value: "深度学习是机器学习的子集..." },
        ],
      }),
    );
    expect(r.ok && r.record.kind === "chat" && r.record.messages.map((m) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    if (r.ok) {
      expect(recordField(r.record, "instruction")).toBe("什么是机器学习？");
      expect(recordField(r.record, "assistant")).toBe(
        "机器学习是人工智能的一个分支...\n深度学习是机器学习的子集...",
      );
    }
  });

  it("rejects unknown roles, empty conversations, no assistant turn and late system turns", () => {
    expect(
      validateRow("sharegpt", { conversations: [{ from: "bot", value: "x" }] })[0].message,
    ).toBe('`conversations[0].from` must be one of human, gpt, system, user, assistant; got "bot"');
    expect(validateRow("sharegpt", { conversations: [] })[0].message).toBe(
      "`conversations` must not be empty",
    );
    const noAnswer = normalizeRow(
      "sharegpt",
      raw({ conversations: [{ from: "human", value: "hi" }] }),
    );
    expect(noAnswer).toMatchObject({
      ok: false,
      issue: { code: "PW6102", reason: "invalid_conversation" },
    });
    const late = normalizeRow(
      "sharegpt",
      raw({
        conversations: [
          { from: "human", value: "a" },
          { from: "system", value: "s" },
          { from: "gpt", value: "b" },
        ],
      }),
    );
    expect(late).toMatchObject({ ok: false, issue: { code: "PW6102" } });
  });

  it("reads preference rows with `prompt` or the seed's `instruction`", () => {
    const a = normalizeRow("preference", raw({ prompt: "p", chosen: "c", rejected: "r" }));
    expect(a.ok && a.record).toMatchObject({
      kind: "preference",
      prompt: "p",
      chosen: "c",
      rejected: "r",
    });
    const b = normalizeRow(
      "preference",
      raw({ instruction: "解释什么是递归", input: "用一句话", chosen: "c", rejected: "r" }),
    );
    expect(b.ok && b.record.kind === "preference" && b.record.prompt).toBe(
      "解释什么是递归\n\n用一句话",
    );
    expect(validateRow("preference", { chosen: "c", rejected: "r" })).toEqual([
      { reason: "missing_field", message: "missing field `prompt` (or `instruction`)" },
    ]);
  });

  it("decodes a ShareGPT conversation given as a JSON string in a CSV cell", async () => {
    const conv = JSON.stringify([
      { from: "human", value: "hi, there" },
      { from: "gpt", value: 'say "hello"' },
    ]);
    const path = tmp.write("s.csv", `conversations\n"${conv.replaceAll('"', '""')}"\n`);
    const records = [];
    for await (const r of readRecords(path, "sharegpt")) records.push(r);
    expect(records[0]).toMatchObject({
      kind: "chat",
      messages: [
        { role: "user", content: "hi, there" },
        { role: "assistant", content: 'say "hello"' },
      ],
    });
  });

  it("exports one JSON schema per format and refuses unknown formats (PW6103)", () => {
    expect(Object.keys(DATASET_SCHEMAS)).toEqual(["alpaca", "sharegpt", "preference", "text"]);
    expect(() => assertDatasetFormat("dolly")).toThrow(expect.objectContaining({ code: "PW6103" }));
  });

  it("validates the first N rows at compile time, with every problem's place", async () => {
    const path = tmp.write(
      "v.jsonl",
      [
        '{"instruction":"a","output":"b"}',
        "{oops",
        '{"instruction":"a"}',
        '{"instruction":"a","output":"b"}',
        '{"output":1}',
      ].join("\n"),
    );
    const { checked, issues } = await validateFirstRows(path, "alpaca", {
      limit: 3,
      onMalformed: "fail",
    });
    expect(checked).toBe(3);
    expect(issues.map((i) => [i.code, i.place.line])).toEqual([
      ["PW6010", 2],
      ["PW6101", 3],
    ]);
    expect(toDataIssue(issues[1])).toEqual({
      code: "PW6101",
      path,
      line: 3,
      column: undefined,
      message: "alpaca row: missing field `output`",
    });
  });
});
