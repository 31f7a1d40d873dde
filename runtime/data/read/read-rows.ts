/**
 * One entry point for the readers: picks the source format, applies the malformed-row policy
 * and keeps the per-file report. With `skip`, a bad row is counted and listed (path:line,
 * reason) and reading goes on; with `fail`, the first bad row throws a `PipeError` that names
 * its place. Structural issues that lose no row (a missing comma) are listed either way and
 * never stop a read.
 */
import { extname } from "node:path";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { readCsv } from "./csv-reader.js";
import { readJsonArray } from "./json-array-reader.js";
import { readJsonLines, type ReadEvent } from "./jsonl-reader.js";
import {
  formatPlace,
  type RawRow,
  type ReadIssue,
  type ReadOptions,
  type ReadReport,
  type SourceFormat,
} from "./row.js";
import { firstSignificantChar } from "./text-chunks.js";

export const DEFAULT_MAX_ISSUES = 10_000;

/** The source format from the extension; `.json` is sniffed (`[` → array, `{` → JSON Lines). */
export async function detectSourceFormat(path: string): Promise<SourceFormat> {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".csv" || ext === ".tsv") return "csv";
  if (ext === ".json") {
    const first = await firstSignificantChar(path);
    return first === "{" ? "jsonl" : "json";
  }
  throw new PipeError(
    "PW6002",
    `cannot tell the format of "${path}" from its extension`,
    { path },
    "use .jsonl, .json or .csv, or set the format explicitly (jsonl, json, csv)",
  );
}

export function emptyReadReport(path: string, format: SourceFormat): ReadReport {
  return {
    path,
    format,
    rows: 0,
    malformed: 0,
    blankLines: 0,
    issues: [],
    issuesTruncated: false,
    stoppedEarly: false,
  };
}

/** The PipeError for an issue under the `fail` policy. */
export function issueToError(issue: ReadIssue): PipeError {
  return new PipeError(
    issue.code,
    `${issue.message}${issue.excerpt ? ` — ${JSON.stringify(issue.excerpt)}` : ""}`,
    { path: issue.place.path, line: issue.place.line, column: issue.column, row: issue.row },
    "fix the row, or set the malformed-row policy to `skip` to count and report bad rows instead",
  );
}

/** Adds an issue to a report (respecting maxIssues); throws under `fail` when it drops a row. */
export function recordIssue(report: ReadReport, issue: ReadIssue, options: ReadOptions): void {
  if (issue.dropsRow) {
    if ((options.onMalformed ?? "skip") === "fail") throw issueToError(issue);
    report.malformed++;
  }
  if (report.issues.length < (options.maxIssues ?? DEFAULT_MAX_ISSUES)) report.issues.push(issue);
  else report.issuesTruncated = true;
}

/**
 * Rows of one data file, streamed. `report` fills in as the rows are iterated and is complete
 * once iteration ends.
 */
export class RowReader implements AsyncIterable<RawRow> {
  readonly report: ReadReport;
  private format?: SourceFormat;

  constructor(
    readonly path: string,
    readonly options: ReadOptions = {},
  ) {
    const fmt = options.format && options.format !== "auto" ? options.format : undefined;
    this.format = fmt;
    this.report = emptyReadReport(path, fmt ?? "jsonl");
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RawRow> {
    const format = this.format ?? (await detectSourceFormat(this.path));
    // Reset in place: callers may hold (and extend) the report object.
    const report = Object.assign(this.report, emptyReadReport(this.path, format));
    const { chunkSize, limit } = this.options;
    const events: AsyncGenerator<ReadEvent> =
      format === "jsonl"
        ? readJsonLines(this.path, chunkSize)
        : format === "json"
          ? readJsonArray(this.path, chunkSize)
          : readCsv(this.path, this.options.csv, chunkSize);
    try {
      for await (const ev of events) {
        if (ev.kind === "blank") {
          report.blankLines++;
          continue;
        }
        // `limit` counts rows, malformed ones included: "the first N rows of the file".
        if (
          limit !== undefined &&
          (ev.kind === "row" || ev.issue.dropsRow) &&
          report.rows + report.malformed >= limit
        ) {
          report.stoppedEarly = true;
          return;
        }
        if (ev.kind === "issue") recordIssue(report, ev.issue, this.options);
        else {
          report.rows++;
          yield ev.row;
        }
      }
    } finally {
      await events.return(undefined);
    }
  }
}

export function readRows(path: string, options: ReadOptions = {}): RowReader {
  return new RowReader(path, options);
}

/** Reads a whole file into memory (small files, tests, compile-time previews). */
export async function readAllRows(
  path: string,
  options: ReadOptions = {},
): Promise<{ rows: RawRow[]; report: ReadReport }> {
  const reader = readRows(path, options);
  const rows: RawRow[] = [];
  for await (const r of reader) rows.push(r);
  return { rows, report: reader.report };
}

/** One line per issue: "data.jsonl:7: invalid JSON: … (malformed_json)". */
export function describeIssues(report: ReadReport): string[] {
  return report.issues.map(
    (i) => `${formatPlace(i.place)}${i.column ? `:${i.column}` : ""}: ${i.message}`,
  );
}
