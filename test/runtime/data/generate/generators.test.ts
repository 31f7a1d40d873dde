import { describe, expect, it } from "vitest";
import { generateDatasetText } from "../../../../runtime/data/generate/index.js";
import { arithmeticFacts } from "../../../../runtime/data/generate/arithmetic-zh.js";

describe("data generators", () => {
  it("are deterministic for a seed and differ across seeds", () => {
    for (const kind of ["arithmetic_zh", "chat_zh_en", "noisy_instructions"] as const) {
      const a = generateDatasetText({ kind, rows: 50, seed: 3 }, "x.jsonl");
      expect(generateDatasetText({ kind, rows: 50, seed: 3 }, "x.jsonl")).toBe(a);
      expect(generateDatasetText({ kind, rows: 50, seed: 4 }, "x.jsonl")).not.toBe(a);
    }
  });

  it("arithmetic facts are correct", () => {
    for (const f of arithmeticFacts({ rows: 300, seed: 1 })) {
      const nums = f.question.match(/\d+/g)!.map(Number);
      const answer = Number(f.answer);
      if (/加/.test(f.question) || f.question.includes("+")) expect(answer).toBe(nums[0] + nums[1]);
      else if (/减/.test(f.question) || f.question.includes("-"))
        expect(answer).toBe(nums[0] - nums[1]);
      else if (/大/.test(f.question)) expect(answer).toBe(Math.max(nums[0], nums[1]));
      else expect(answer).toBe(nums[0] + 1);
      expect(f.statement).toContain(f.answer);
    }
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
