import { describe, expect, it } from "vitest";
import {
  emptyTokenizeStats,
  IGNORE_INDEX,
  tokenizeExample,
  type SegmentTokenizer,
} from "../../../../runtime/data/template/tokenize-example.js";
import { packExamples, padBatch } from "../../../../runtime/data/template/packing.js";
import type { TemplatedExample } from "../../../../runtime/data/template/segments.js";
import { prepareExamples } from "../../../../runtime/data/template/prepare-examples.js";
import { resolveTemplate } from "../../../../runtime/data/template/apply-template.js";
import { emptyCleanReport } from "../../../../runtime/data/clean/clean-report.js";
import type { DataRecord } from "../../../../runtime/data/format/record.js";

/** One token per character (its code point); BOS 1, EOS 2. */
const chars: SegmentTokenizer = {
  encode: (t) => Array.from(t, (c) => c.codePointAt(0) as number),
  bosId: 1,
  eosId: 2,
  addBos: true,
};
const src = (line: number) => ({ path: "d.jsonl", line, origin: "file" as const });
const ex = (prompt: string, answer: string, line = 1): TemplatedExample => ({
  segments: [
    { text: prompt, train: false },
    { text: answer, train: true },
  ],
  source: src(line),
  appendEos: true,
});
const c = (s: string) => Array.from(s, (ch) => ch.codePointAt(0) as number);
const I = IGNORE_INDEX;

describe("tokenizing templated examples", () => {
  it("puts loss only on answer tokens and the EOS; BOS and prompt get -100", () => {
    const [t] = tokenizeExample(ex("问：", "答案"), chars, { maxLength: 16 });
    expect(t.inputIds).toEqual([1, ...c("问："), ...c("答案"), 2]);
    expect(t.labels).toEqual([I, I, I, ...c("答案"), 2]);
    expect(t.truncatedTokens).toBe(0);
  });

  it("does not add a second BOS when the template already starts with it, and follows addBos/addEos", () => {
    const withBos: SegmentTokenizer = {
      ...chars,
      encode: (s) => (s.startsWith("^") ? [1, ...c(s.slice(1))] : c(s)),
    };
    const [t] = tokenizeExample(ex("^p", "a"), withBos, { maxLength: 16 });
    expect(t.inputIds).toEqual([1, ...c("p"), ...c("a"), 2]);
    const [u] = tokenizeExample(ex("p", "a"), chars, {
      maxLength: 16,
      addBos: false,
      addEos: false,
    });
    expect(u.inputIds).toEqual([...c("p"), ...c("a")]);
    expect(u.labels).toEqual([I, ...c("a")]);
  });

  it("truncates the tail, keeps the prompt head, and counts what was cut", () => {
    const stats = emptyTokenizeStats();
    const [t] = tokenizeExample(ex("abcd", "12345", 9), chars, { maxLength: 7 }, stats);
    expect(t.inputIds).toEqual([1, ...c("abcd"), ...c("12")]);
    expect(t.labels).toEqual([I, I, I, I, I, ...c("12")]);
    expect(t.truncatedTokens).toBe(4); // "345" and EOS
    expect(stats.truncated).toEqual({
      count: 1,
      droppedTokens: 4,
      droppedTrainedTokens: 4,
      examples: ["d.jsonl:9"],
    });
  });

  it("drops an example whose prompt fills max_length and names it", () => {
    const stats = emptyTokenizeStats();
    expect(tokenizeExample(ex("abcdefgh", "answer", 3), chars, { maxLength: 6 }, stats)).toEqual(
      [],
    );
    expect(stats.noAnswer).toEqual({ count: 1, examples: ["d.jsonl:3"] });
    expect(() => tokenizeExample(ex("a", "b"), chars, { maxLength: 1 })).toThrow(
      expect.objectContaining({ code: "PW6206" }),
    );
  });

  it("cuts long plain text into windows under overflow: chunk, losing nothing", () => {
    const text: TemplatedExample = {
      segments: [{ text: "abcdefghij", train: true }],
      source: src(1),
      appendEos: true,
    };
    const stats = emptyTokenizeStats();
    const parts = tokenizeExample(text, chars, { maxLength: 5, overflow: "chunk" }, stats);
    expect(parts.map((p) => p.inputIds)).toEqual([
      [1, ...c("abcd")],
      [1, ...c("efgh")],
      [1, ...c("ij"), 2],
    ]);
    expect(parts.flatMap((p) => p.inputIds.slice(1))).toEqual([...c("abcdefghij"), 2]);
    expect(stats.chunked).toEqual({ count: 1, windows: 3 });
  });

  it("packs examples first-fit-decreasing, restarts positions and masks each example's first token", () => {
    const examples = ["a", "bbbb", "cc", "ddd"].map(
      (s, k) => tokenizeExample(ex("", s, k + 1), chars, { maxLength: 8, addBos: false })[0],
    );
    // Lengths with EOS: 2, 5, 3, 4.
    const packed = packExamples(examples, { maxLength: 7 });
    expect(packed.map((p) => p.sources.map((s) => s.line))).toEqual([
      [2, 1],
      [4, 3],
    ]);
    const [first] = packed;
    expect(first.inputIds).toEqual([...c("bbbb"), 2, ...c("a"), 2]);
    expect(first.positionIds).toEqual([0, 1, 2, 3, 4, 0, 1]);
    expect(first.segmentIds).toEqual([1, 1, 1, 1, 1, 2, 2]);
    expect(first.labels).toEqual([I, ...c("bbb"), 2, I, 2]);
    expect(packed.every((p) => p.inputIds.length <= 7)).toBe(true);
    expect(
      packExamples(examples, { maxLength: 7, strategy: "sequential" }).map((p) =>
        p.sources.map((s) => s.line),
      ),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("pads a batch on the right with label -100 and mask 0", () => {
    const b = padBatch(
      [
        { inputIds: [5, 6, 7], labels: [I, 6, 7] },
        { inputIds: [8], labels: [8] },
      ],
      0,
    );
    expect(b).toEqual({
      inputIds: [
        [5, 6, 7],
        [8, 0, 0],
      ],
      labels: [
        [I, 6, 7],
        [8, I, I],
      ],
      attentionMask: [
        [1, 1, 1],
        [1, 0, 0],
      ],
      length: 3,
    });
  });

  it("prepares a dataset and moves no-answer examples into the cleaning report", () => {
    const records: DataRecord[] = [
      { kind: "instruction", instruction: "短", input: "", output: "好", source: src(1) },
      {
        kind: "instruction",
        instruction: "这是一个非常长的指令，长到装不下答案",
        input: "",
        output: "答",
        source: src(2),
      },
    ];
    const report = emptyCleanReport(0);
    report.totals.kept = 2;
    report.totals.keptByOrigin.file = 2;
    const out = prepareExamples(
      records,
      resolveTemplate("alpaca_zh"),
      chars,
      { maxLength: 24, pack: true },
      report,
    );
    expect(out.examples.map((e) => e.source.line)).toEqual([1]);
    expect(report.dropped.no_answer_tokens).toEqual({
      code: "PW6205",
      count: 1,
      examples: [{ at: "d.jsonl:2", detail: "no answer token left within max_length 24" }],
      more: 0,
    });
    expect(report.totals).toMatchObject({ kept: 1, dropped: 1 });
    expect(out.packed).toHaveLength(1);
  });
});
