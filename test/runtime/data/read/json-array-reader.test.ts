import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readAllRows } from "../../../../runtime/data/read/read-rows.js";
import { PipeError } from "../../../../compiler/diagnostics/pipe-error.js";
import { tempDir } from "../support/temp-files.js";

const tmp = tempDir();

describe("streaming JSON array reader", () => {
  it("yields each element with the line it starts on, across tiny chunks", async () => {
    const text =
      '[\n  {"a": 1, "s": "x]y,z"},\n  {"a": [1, {"b": "}"}]},\n  "text", 12, null, true\n]\n';
    const path = tmp.write("a.json", text);
    for (const chunkSize of [1, 3, 7, 1000]) {
      const { rows, report } = await readAllRows(path, { chunkSize });
      expect(report.format).toBe("json");
      expect(report.issues).toEqual([]);
      expect(rows.map((r) => r.value)).toEqual([
        { a: 1, s: "x]y,z" },
        { a: [1, { b: "}" }] },
        "text",
        12,
        null,
        true,
      ]);
      expect(rows.map((r) => r.place.line)).toEqual([2, 3, 4, 4, 4, 4]);
    }
  });

  it("reports a malformed element (PW6011) and goes on with the next", async () => {
    const text = '[\n{"ok": 1},\n{"bad": 1,,},\n{"ok": 2}\n]';
    const path = tmp.write("b.json", text);
    const { rows, report } = await readAllRows(path, { chunkSize: 5 });
    expect(rows.map((r) => r.value)).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(report.malformed).toBe(1);
    expect(report.issues[0]).toMatchObject({
      code: "PW6011",
      place: { line: 3 },
      row: 2,
      reason: "malformed_json",
    });
  });

  it("lists structural problems (PW6012) that lose no row: missing comma, trailing comma, text after ]", async () => {
    const path = tmp.write("c.json", '[{"a":1} {"a":2},\n{"a":3},\n]\nextra');
    const { rows, report } = await readAllRows(path);
    expect(rows.map((r) => r.value)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(report.malformed).toBe(0);
    expect(report.issues.map((i) => [i.code, i.place.line, i.dropsRow])).toEqual([
      ["PW6012", 1, false],
      ["PW6012", 3, false],
      ["PW6012", 4, false],
    ]);
    expect(report.issues.map((i) => i.message)).toEqual([
      'missing "," between array elements',
      'trailing comma before "]"',
      'text after the closing "]" is ignored',
    ]);
  });

  it("reports an unterminated element with the lines it swallowed", async () => {
    const path = tmp.write("d.json", '[{"a":1},\n{"a": "open string\n}\n]\n');
    const { rows, report } = await readAllRows(path);
    expect(rows.map((r) => r.value)).toEqual([{ a: 1 }]);
    expect(report.malformed).toBe(1);
    expect(report.issues[0].message).toMatch(/unterminated element starting at line 2/);
  });

  it("refuses a file that is not an array, with a hint for JSON Lines", async () => {
    const path = tmp.write("e.json", '  {"a": 1}');
    const err = await readAllRows(path, { format: "json" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect((err as PipeError).code).toBe("PW6012");
    expect((err as PipeError).hint).toMatch(/JSON Lines/);
  });

  it("reads `.json` holding JSON Lines as JSON Lines", async () => {
    const path = tmp.write("f.json", '{"a":1}\n{"a":2}\n');
    const { rows, report } = await readAllRows(path);
    expect(report.format).toBe("jsonl");
    expect(rows).toHaveLength(2);
  });

  it("equals JSON.parse of the whole array at any chunk size (property)", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (values, chunk, pretty) => {
          const text = JSON.stringify(values, null, pretty ? 2 : 0);
          const path = tmp.write(`p${n++}.json`, text);
          const { rows, report } = await readAllRows(path, { format: "json", chunkSize: chunk });
          expect(report.issues).toEqual([]);
          expect(JSON.stringify(rows.map((r) => r.value))).toBe(JSON.stringify(JSON.parse(text)));
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});
