import { describe, expect, it } from "vitest";
import { generateDatasetText } from "../../../../runtime/data/generate/index.js";
import {
  arithmeticFacts,
  arithmeticQuestionSpace,
  arithmeticTextLines,
} from "../../../../runtime/data/generate/arithmetic-zh.js";
import {
  CATEGORIES,
  categoryFacts,
  categoryQuestionSpace,
  categoryTextLines,
} from "../../../../runtime/data/generate/categories-zh.js";

describe("data generators", () => {
  it("are deterministic for a seed and differ across seeds", () => {
    for (const kind of [
      "arithmetic_zh",
      "categories_zh",
      "chat_zh_en",
      "noisy_instructions",
    ] as const) {
      const a = generateDatasetText({ kind, rows: 50, seed: 3 }, "x.jsonl");
      expect(generateDatasetText({ kind, rows: 50, seed: 3 }, "x.jsonl")).toBe(a);
      expect(generateDatasetText({ kind, rows: 50, seed: 4 }, "x.jsonl")).not.toBe(a);
    }
  });

  it("arithmetic_zh answers are read off the question, in every phrasing and its statement", () => {
    for (const f of arithmeticQuestionSpace()) {
      const nums = f.question.match(/\d+/g)!;
      const expected = {
        units: () => nums[0][1],
        tens: () => nums[0][0],
        reverse: () => [...nums[0]].reverse().join(""),
        first: () => nums[0],
        second: () => nums[1],
        third: () => nums[2],
      }[f.kind]();
      expect(f.answer, f.question).toBe(expected);
      expect(f.statement.endsWith(`${f.answer}。`), f.statement).toBe(true);
      expect(f.statement, "statements are never questions").not.toMatch(/[？?]|多少|几|哪|什么/);
    }
  });

  it("arithmetic_zh questions are distinct and the six kinds balanced until a kind runs out", () => {
    const space = arithmeticQuestionSpace();
    expect(space).toHaveLength(6540);
    expect(new Set(space.map((f) => f.question)).size).toBe(6540);
    const rows = arithmeticFacts({ rows: 1200, seed: 11 });
    expect(new Set(rows.map((f) => f.question)).size).toBe(1200);
    const byKind = new Map<string, number>();
    for (const f of rows) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    // units, tens and backwards have 180 questions each; the list kinds share the rest.
    expect(Object.fromEntries(byKind)).toEqual({
      units: 180,
      tens: 180,
      reverse: 180,
      first: 220,
      second: 220,
      third: 220,
    });
    const small = arithmeticFacts({ rows: 60, seed: 3 });
    for (const k of ["units", "tens", "reverse", "first", "second", "third"])
      expect(small.filter((f) => f.kind === k)).toHaveLength(10);
  });

  it("categories_zh: the answer is the category of the one item the sentence mentions", () => {
    const space = categoryQuestionSpace();
    expect(space).toHaveLength(2000);
    expect(new Set(space.map((q) => q.question)).size).toBe(2000);
    const items = Object.entries(CATEGORIES).flatMap(([c, xs]) => xs.map((x) => [x, c]));
    for (const q of space) {
      // The longest item name in the sentence ("熊猫", not the "猫" inside it).
      const found = items
        .filter(([x]) => q.sentence.includes(x))
        .sort((a, b) => b[0].length - a[0].length)[0];
      expect(found, q.question).toEqual([q.item, q.category]);
      expect(q.question.endsWith(q.sentence)).toBe(true);
    }
    const rows = categoryFacts({ rows: 1200, seed: 11 });
    expect(new Set(rows.map((q) => q.question)).size).toBe(1200);
    const perCategory = new Map<string, number>();
    for (const q of rows) perCategory.set(q.category, (perCategory.get(q.category) ?? 0) + 1);
    expect([...perCategory.values()]).toEqual([240, 240, 240, 240, 240]);
  });

  it("categories_zh pre-training text: statements and sentences, never a question", () => {
    const lines = categoryTextLines({ rows: 1000, seed: 7 });
    expect(lines).toHaveLength(1000);
    expect(lines.some((l) => /[？?]|哪|###/.test(l))).toBe(false);
    const statements = lines.filter((l) => /是一种/.test(l)).length;
    expect(statements).toBeGreaterThan(300);
    expect(statements).toBeLessThan(500);
    expect(lines).toContain("熊猫是一种动物。");
  });

  it("arithmetic_zh pre-training text holds statements only, the kinds in turn", () => {
    const lines = arithmeticTextLines({ rows: 600, seed: 7 });
    expect(lines.some((l) => /[？?]|多少|几|###/.test(l))).toBe(false);
    expect(new Set(lines).size).toBe(600);
    // One statement per number: units, tens and backwards run out at 90 each.
    expect(lines.filter((l) => l.includes("个位"))).toHaveLength(90);
    expect(lines.filter((l) => l.includes("第二个"))).toHaveLength(110);
  });

  it("writes alpaca JSONL or text by format", () => {
    const jsonl = generateDatasetText(
      { kind: "arithmetic_zh", rows: 5, seed: 1, format: "alpaca" },
      "a.jsonl",
    );
    for (const line of jsonl.trim().split("\n"))
      expect(Object.keys(JSON.parse(line))).toEqual(["instruction", "input", "output"]);
    const text = generateDatasetText({ kind: "arithmetic_zh", rows: 5, seed: 1 }, "c.txt");
    expect(text.trim().split("\n")).toHaveLength(5);
    expect(() => JSON.parse(text.split("\n")[0])).toThrow();
  });

  it("plants malformed rows, duplicates and noise in noisy_instructions", () => {
    const lines = generateDatasetText(
      { kind: "noisy_instructions", rows: 2000, seed: 5, bad_rows: 0.05 },
      "n.jsonl",
    )
      .trim()
      .split("\n");
    let malformed = 0;
    let missing = 0;
    const seen = new Set<string>();
    let duplicates = 0;
    for (const line of lines) {
      let row: Record<string, string>;
      try {
        row = JSON.parse(line);
      } catch {
        malformed++;
        continue;
      }
      if (row.output === undefined) missing++;
      const key = `${row.instruction}\u0000${row.output}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
    }
    expect(malformed).toBeGreaterThan(20);
    expect(missing).toBeGreaterThan(20);
    expect(duplicates).toBeGreaterThan(20);
    expect(lines.some((l) => l.includes("\\u0007"))).toBe(true);
  });
});
