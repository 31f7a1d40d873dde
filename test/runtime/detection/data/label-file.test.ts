import { describe, expect, it } from "vitest";
import { parseLabelText } from "../../../../runtime/detection/data/label-file.js";
import { labelPathForImage } from "../../../../runtime/detection/data/image-files.js";

const P = "/d/labels/train/a.txt";
const parse = (text: string, nc = 3, extra = {}) => parseLabelText(text, P, { nc, ...extra });

describe("label rows", () => {
  it("parses good rows, CRLF, blank lines and a BOM", () => {
    const r = parse("\uFEFF0 0.5 0.5 0.2 0.4\r\n\r\n2 .25 0.75 1e-1 0.1\r\n");
    expect(r.corrupt).toBe(false);
    expect(r.rows).toBe(2);
    expect(r.boxes).toEqual([
      { cls: 0, xc: 0.5, yc: 0.5, w: 0.2, h: 0.4 },
      { cls: 2, xc: 0.25, yc: 0.75, w: 0.1, h: 0.1 },
    ]);
    expect(r.issues).toEqual([]);
  });

  it.each([
    ["0 0.5 0.5 0.2", "PW7021", /5 columns.*4 columns found/],
    ["0 0.5 0.5 0.2 0.2 0.9", "PW7021", /6 columns found/],
    ["1 0.5 abc 0.2 0.2", "PW7022", /`abc` is not a number/],
    ["1 0.5 0.5 0x10 0.2", "PW7022", /`0x10`/],
    ["0 1.5 0.5 0.2 0.2", "PW7023", /1\.5 outside \[0, 1\]/],
    ["0 0.5 -0.2 0.2 0.2", "PW7023", /-0\.2 outside/],
    ["0 120 80 30 40", "PW7023", /normalised/],
    ["3 0.5 0.5 0.2 0.2", "PW7024", /class 3 is out of range: the dataset has 3 classes \(0-2\)/],
    ["-1 0.5 0.5 0.2 0.2", "PW7024", /class -1/],
    ["1.5 0.5 0.5 0.2 0.2", "PW7024", /class `1\.5` is not an integer/],
  ])("rejects `%s` as %s with the line number", (row, code, message) => {
    const r = parse(`0 0.5 0.5 0.1 0.1\n${row}\n`);
    expect(r.corrupt).toBe(true);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code, path: P, line: 2 });
    expect(r.issues[0].message).toMatch(message);
    expect(r.issues[0].message).toMatch(/^line 2: /);
  });

  it("names every bad row of a file, not just the first", () => {
    const r = parse("0 0.5 0.5\n9 0.5 0.5 0.1 0.1\n0 0.5 0.5 0.1 0.1\n0 2 2 2 2\n");
    expect(r.issues.map((i) => [i.code, i.line])).toEqual([
      ["PW7021", 1],
      ["PW7024", 2],
      ["PW7023", 4],
    ]);
  });

  it("accepts a class written as 1.0", () => {
    expect(parse("1.0 0.5 0.5 0.1 0.1").boxes[0].cls).toBe(1);
  });

  it("tolerates tiny overshoot and clips it; the tolerance is configurable", () => {
    const r = parse("0 0.9 0.5 0.2002 0.1\n1 1.0004 0.5 0.1 0.1\n");
    expect(r.corrupt).toBe(false);
    const b = r.boxes[1];
    expect(b.xc + b.w / 2).toBeCloseTo(1, 12);
    expect(b.xc - b.w / 2).toBeCloseTo(0.9504, 12);
    expect(parse("1 1.0004 0.5 0.1 0.1", 3, { coordTolerance: 0 }).corrupt).toBe(true);
  });

  it("removes exact duplicates (counted, first kept) and keeps the image", () => {
    const r = parse(
      "0 0.5 0.5 0.1 0.1\n1 0.2 0.2 0.1 0.1\n0 0.5 0.5 0.1 0.1\n0 0.50 0.5 0.1 0.10\n",
    );
    expect(r.corrupt).toBe(false);
    expect(r.boxes).toHaveLength(2);
    expect(r.duplicatesRemoved).toBe(2);
    expect(r.issues).toEqual([
      { code: "PW7025", path: P, line: 3, message: "2 duplicate label rows removed (lines 3, 4)" },
    ]);
  });

  it("removes zero-size boxes with a warning", () => {
    const r = parse("0 0.5 0.5 0 0.1\n1 0.2 0.2 0.1 0.1\n");
    expect(r.corrupt).toBe(false);
    expect(r.boxes).toHaveLength(1);
    expect(r.zeroSizeRemoved).toBe(1);
    expect(r.issues[0]).toMatchObject({ code: "PW7026", line: 1 });
  });

  it("converts polygon rows to boxes, or ignores them", () => {
    const r = parse("2 0.1 0.2 0.5 0.2 0.5 0.6 0.1 0.6\n");
    expect(r.boxes[0].cls).toBe(2);
    expect(r.boxes[0].xc).toBeCloseTo(0.3, 12);
    expect(r.boxes[0].yc).toBeCloseTo(0.4, 12);
    expect(r.boxes[0].w).toBeCloseTo(0.4, 12);
    expect(r.boxes[0].h).toBeCloseTo(0.4, 12);
    expect(r.segmentsConverted).toBe(1);
    expect(r.issues[0].code).toBe("PW7029");
    const ignored = parse("2 0.1 0.2 0.5 0.2 0.5 0.6\n0 0.5 0.5 0.1 0.1\n", 3, {
      segments: "ignore",
    });
    expect(ignored.boxes).toHaveLength(1);
    expect(ignored.segmentsIgnored).toBe(1);
  });

  it("treats an empty file as zero rows", () => {
    expect(parse("").rows).toBe(0);
    expect(parse("  \n\n").rows).toBe(0);
  });
});

describe("label paths", () => {
  it("swaps the last /images/ for /labels/ and the extension for .txt", () => {
    expect(labelPathForImage("/data/images/train/a.jpg")).toBe("/data/labels/train/a.txt");
    expect(labelPathForImage("/images/set/images/train/a.b.PNG")).toBe(
      "/images/set/labels/train/a.b.txt",
    );
    expect(labelPathForImage("/data/pics/a.png")).toBe("/data/pics/a.txt");
    expect(labelPathForImage("/data/images/noext")).toBe("/data/labels/noext.txt");
  });
});
