import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readAllRows } from "../../../../runtime/data/read/read-rows.js";
import { PipeError } from "../../../../compiler/diagnostics/pipe-error.js";
import { tempDir } from "../support/temp-files.js";

const tmp = tempDir();

/** RFC 4180 writer for the property test: quote when needed, double the quotes. */
function toCsv(rows: string[][], eol: string): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) || s === "" ? `"${s.replaceAll('"', '""')}"` : s);
  return rows.map((r) => r.map(cell).join(",")).join(eol) + eol;
}

describe("CSV reader (RFC 4180)", () => {
  it("handles quotes, doubled quotes, embedded delimiters and newlines, CRLF, and a header row", async () => {
    const text =
      'instruction,input,output\r\n"Say ""hi""","a, b","line 1\r\nline 2"\r\nplain,,x\r\n';
    const path = tmp.write("a.csv", text);
    const { rows, report } = await readAllRows(path, { chunkSize: 3 });
    expect(report).toMatchObject({ format: "csv", rows: 2, malformed: 0 });
    expect(rows[0].value).toEqual({
      instruction: 'Say "hi"',
      input: "a, b",
      output: "line 1\r\nline 2",
    });
    expect(rows[0].place.line).toBe(2);
    expect(rows[1].value).toEqual({ instruction: "plain", input: "", output: "x" });
    expect(rows[1].place.line).toBe(4);
  });

  it("reports a stray quote, text after a closing quote (PW6013) and a wrong field count (PW6014), keeping good rows", async () => {
    const text = 'a,b\n1,2\nx"y,3\n"q"z,4\n5,6,7\n8,9\n\n"unclosed,10\n';
    const path = tmp.write("b.csv", text);
    const { rows, report } = await readAllRows(path);
    expect(rows.map((r) => [r.place.line, r.value])).toEqual([
      [2, { a: "1", b: "2" }],
      [6, { a: "8", b: "9" }],
    ]);
    expect(report.issues.map((i) => [i.code, i.place.line])).toEqual([
      ["PW6013", 3],
      ["PW6013", 4],
      ["PW6014", 5],
      ["PW6013", 8],
    ]);
    expect(report.blankLines).toBe(1);
    expect(report.malformed).toBe(4);
  });

  it("uses given column names instead of a header, and tab-separated .tsv files", async () => {
    const path = tmp.write("c.tsv", "hello\tworld\nfoo\tbar\n");
    const { rows } = await readAllRows(path, { csv: { columns: ["instruction", "output"] } });
    expect(rows.map((r) => r.value)).toEqual([
      { instruction: "hello", output: "world" },
      { instruction: "foo", output: "bar" },
    ]);
  });

  it("refuses an invalid header (PW6015)", async () => {
    const path = tmp.write("d.csv", "a,a\n1,2\n");
    await expect(readAllRows(path)).rejects.toMatchObject({ code: "PW6015" });
    const path2 = tmp.write("e.csv", "a,,c\n1,2,3\n");
    const err = await readAllRows(path2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect((err as PipeError).message).toMatch(/column 2 has an empty name/);
  });

  it("round-trips any table through an RFC 4180 writer at any chunk size (property)", async () => {
    let n = 0;
    const cellArb = fc.string({
      unit: fc.constantFrom("a", "b", ",", '"', "\n", "\r\n", " ", "你", "😀", "x"),
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((cols) =>
          fc.tuple(
            fc.constant(cols),
            fc.array(fc.array(cellArb, { minLength: cols, maxLength: cols }), {
              minLength: 1,
              maxLength: 8,
            }),
          ),
        ),
        fc.constantFrom("\n", "\r\n"),
        fc.integer({ min: 1, max: 30 }),
        async ([cols, data], eol, chunk) => {
          const header = Array.from({ length: cols }, (_, k) => `c${k}`);
          const path = tmp.write(`p${n++}.csv`, toCsv([header, ...data], eol));
          const { rows, report } = await readAllRows(path, { chunkSize: chunk });
          expect(report.issues).toEqual([]);
          // A row of one empty cell is written as `""`, which is data, not a blank line.
          expect(
            rows.map((r) => header.map((h) => (r.value as Record<string, string>)[h])),
          ).toEqual(data);
        },
      ),
      { numRuns: 60, seed: 1 },
    );
  });
});
