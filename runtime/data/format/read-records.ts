/**
 * Records of one data file, streamed: read rows (any source format), validate them against the
 * dataset format and normalise. Read issues and schema issues share one report and one policy.
 */
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DEFAULT_MAX_ISSUES, issueToError, readRows, type RowReader } from "../read/read-rows.js";
import type { ReadIssue, ReadOptions, ReadReport } from "../read/row.js";
import { normalizeRow } from "./normalize-row.js";
import type { DataRecord, DatasetFormat } from "./record.js";

export interface SourceReport extends ReadReport {
  dataset: DatasetFormat;
  /** Rows that were read but failed the format's schema (each one is in `issues`). */
  invalid: number;
  /** Records produced. */
  records: number;
}

export class RecordReader implements AsyncIterable<DataRecord> {
  readonly report: SourceReport;
  private readonly rows: RowReader;

  constructor(
    readonly path: string,
    readonly format: DatasetFormat,
    readonly options: ReadOptions = {},
  ) {
    this.rows = readRows(path, options);
    // One report object: the row reader fills the read counts and issues, this adds its own.
    this.report = Object.assign(this.rows.report, { dataset: format, invalid: 0, records: 0 });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<DataRecord> {
    const report = this.report;
    report.invalid = 0;
    report.records = 0;
    const maxIssues = this.options.maxIssues ?? DEFAULT_MAX_ISSUES;
    for await (const raw of this.rows) {
      const res = normalizeRow(this.format, raw);
      if (res.ok) {
        report.records++;
        yield res.record;
        continue;
      }
      if ((this.options.onMalformed ?? "skip") === "fail") throw issueToError(res.issue);
      report.invalid++;
      if (report.issues.length < maxIssues) report.issues.push(res.issue);
      else report.issuesTruncated = true;
    }
  }
}

export function readRecords(
  path: string,
  format: DatasetFormat,
  options: ReadOptions = {},
): RecordReader {
  return new RecordReader(path, format, options);
}

/**
 * Compile-time check: reads the first `limit` rows (default 100) and returns every problem with
 * its place. Never throws for row problems, whatever the policy; a missing file still throws.
 */
export async function validateFirstRows(
  path: string,
  format: DatasetFormat,
  options: ReadOptions & { limit?: number } = {},
): Promise<{ checked: number; issues: ReadIssue[]; report: SourceReport }> {
  const reader = readRecords(path, format, {
    ...options,
    onMalformed: "skip",
    limit: options.limit ?? 100,
  });
  for await (const _ of reader) void _;
  const r = reader.report;
  return { checked: r.records + r.invalid + r.malformed, issues: r.issues, report: r };
}

/** A read or record issue as the compiler's `DataIssue`. */
export function toDataIssue(issue: ReadIssue): DataIssue {
  return {
    code: issue.code,
    path: issue.place.path,
    line: issue.place.line,
    column: issue.column,
    message: issue.message,
  };
}
