import { describe, expect, it } from "vitest";
import {
  describeIssues,
  detectSourceFormat,
  readAllRows,
} from "../../../../runtime/data/read/read-rows.js";
import { tempDir } from "../support/temp-files.js";

const tmp = tempDir();

describe("readRows", () => {
  it("fails with PW6001 for a missing file or a directory", async () => {
    await expect(readAllRows(tmp.path("nope.jsonl"))).rejects.toMatchObject({
      code: "PW6001",
      message: "data file not found",
    });
    await expect(readAllRows(tmp.path(""), { format: "jsonl" })).rejects.toMatchObject({
      code: "PW6001",
    });
  });

  it("infers the format from the extension, or fails with PW6002", async () => {
    expect(await detectSourceFormat("x.jsonl")).toBe("jsonl");
    expect(await detectSourceFormat("x.NDJSON")).toBe("jsonl");
    expect(await detectSourceFormat("x.csv")).toBe("csv");
    expect(await detectSourceFormat("x.tsv")).toBe("csv");
    const arr = tmp.write("arr.json", " [1]");
    expect(await detectSourceFormat(arr)).toBe("json");
    await expect(detectSourceFormat("data.parquet")).rejects.toMatchObject({ code: "PW6002" });
  });

  it("keeps only maxIssues issues but counts all of them", async () => {
    const path = tmp.write(
      "many.jsonl",
      Array.from({ length: 30 }, (_, k) => (k % 2 ? "{bad" : `{"k":${k}}`)).join("\n"),
    );
    const { rows, report } = await readAllRows(path, { maxIssues: 5 });
    expect(rows).toHaveLength(15);
    expect(report.malformed).toBe(15);
    expect(report.issues).toHaveLength(5);
    expect(report.issuesTruncated).toBe(true);
    expect(describeIssues(report)[0]).toMatch(/many\.jsonl:2:2: invalid JSON/);
  });
});
