/**
 * `text("corpus.txt")`: a plain text file, one document per line (the data layer reads JSON
 * Lines, JSON arrays and CSV; plain text is read here). Streamed; blank lines are counted, not
 * rows. The report has the same shape as the data layer's.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { SourceReport } from "../data/format/read-records.js";
import type { TextRecord } from "../data/format/record.js";
import type { SourceFormat } from "../data/read/row.js";

export async function readTextLines(
  path: string,
  displayPath: string,
): Promise<{ records: TextRecord[]; report: SourceReport }> {
  const report: SourceReport = {
    path: displayPath,
    format: "txt" as SourceFormat,
    rows: 0,
    malformed: 0,
    blankLines: 0,
    issues: [],
    issuesTruncated: false,
    stoppedEarly: false,
    dataset: "text",
    invalid: 0,
    records: 0,
  };
  const records: TextRecord[] = [];
  const stream = createReadStream(path, "utf8");
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
  try {
    await opened;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PipeError(
      "PW6001",
      code === "ENOENT"
        ? `data file not found: ${displayPath}`
        : `cannot read ${displayPath} (${code ?? String(err)})`,
      { path: displayPath },
    );
  }
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    const t = line === 1 ? text.replace(/^\ufeff/, "") : text;
    if (t.trim() === "") {
      report.blankLines++;
      continue;
    }
    report.rows++;
    report.records++;
    records.push({ kind: "text", text: t, source: { path: displayPath, line, origin: "file" } });
  }
  return { records, report };
}
