import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readAllRows, readRows } from "../../../../runtime/data/read/read-rows.js";
import { PipeError } from "../../../../compiler/diagnostics/pipe-error.js";
import { tempDir } from "../support/temp-files.js";

const tmp = tempDir();

describe("JSON Lines reader", () => {
  it("numbers rows by line, skips blank lines, reports malformed lines (PW6010) and keeps the rest", async () => {
    const path = tmp.write("a.jsonl", '{"a":1}\n\n  \n{"a":2}\r\n{bad\n{"a":3}');
    const { rows, report } = await readAllRows(path, { onMalformed: "skip" });
    expect(rows.map((r) => [r.place.line, r.row, r.value])).toEqual([
      [1, 1, { a: 1 }],
      [4, 2, { a: 2 }],
      [6, 4, { a: 3 }],
    ]);
    expect(report).toMatchObject({ format: "jsonl", rows: 3, malformed: 1, blankLines: 2 });
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({
      code: "PW6010",
      place: { path, line: 5 },
      row: 3,
      reason: "malformed_json",
      column: 2,
    });
  });

  it("fails on the first malformed line under the fail policy, naming path:line", async () => {
    const path = tmp.write("b.jsonl", '{"a":1}\n{"a":}\n{"a":3}\n');
    const err = await readAllRows(path, { onMalformed: "fail" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect((err as PipeError).code).toBe("PW6010");
    // V8 names a column for some JSON errors only.
    expect((err as PipeError).where()).toMatch(/b\.jsonl:2(:\d+)?$/);
    expect((err as PipeError).message).toMatch(/^invalid JSON: /);
  });

  it("strips a BOM and decodes multi-byte characters split across chunks", async () => {
    const text = '\ufeff{"t":"你好😀世界"}\n{"t":"é"}\n';
    const path = tmp.write("c.jsonl", Buffer.from(text, "utf8"));
    for (const chunkSize of [4, 5, 7, 64]) {
      const { rows } = await readAllRows(path, { chunkSize });
      expect(rows.map((r) => r.value)).toEqual([{ t: "你好😀世界" }, { t: "é" }]);
    }
  });

  it("stops after `limit` rows and says so", async () => {
    const path = tmp.write("d.jsonl", '{"a":1}\n{"a":2}\n{"a":3}\n');
    const reader = readRows(path, { limit: 2 });
    const seen: unknown[] = [];
    for await (const r of reader) seen.push(r.value);
    expect(seen).toHaveLength(2);
    expect(reader.report.stoppedEarly).toBe(true);
  });

  it("round-trips arbitrary JSON values one per line at any chunk size (property)", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 50 }),
        async (values, chunk) => {
          const path = tmp.write(
            `p${n++}.jsonl`,
            values.map((v) => JSON.stringify(v)).join("\n") + "\n",
          );
          const { rows, report } = await readAllRows(path, { chunkSize: chunk });
          expect(report.malformed).toBe(0);
          // JSON.stringify(-0) is "0": compare through JSON.
          expect(JSON.stringify(rows.map((r) => r.value))).toBe(JSON.stringify(values));
          expect(rows.map((r) => r.place.line)).toEqual(values.map((_, k) => k + 1));
        },
      ),
      { numRuns: 40, seed: 42 },
    );
  });
});
