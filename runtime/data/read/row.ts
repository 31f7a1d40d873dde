/**
 * What the data readers produce: raw rows that remember where they came from, and issues for
 * rows that could not be read. Nothing is dropped silently: every issue is counted in a
 * `ReadReport`, and with the `fail` policy the first one becomes a `PipeError`.
 */

/** Where a row starts: the file and the 1-based line of its first character. */
export interface RowPlace {
  path: string;
  line: number;
}

/** One row read from a data file, before any format validation. */
export interface RawRow {
  place: RowPlace;
  /** 1-based position of the row among the rows of its file (malformed rows count too). */
  row: number;
  /** JSON value (JSONL, JSON arrays) or `{ column: string }` (CSV). */
  value: unknown;
}

/** A row (or a structural part of a file) that could not be read. */
export interface ReadIssue {
  /** PW60xx code from compiler/diagnostics/codes/data.ts. */
  code: string;
  place: RowPlace;
  column?: number;
  /** 1-based row position, when the issue is a whole row. */
  row?: number;
  /** Short reason class used for report grouping, e.g. `malformed_json`. */
  reason: string;
  /** Human message: what is wrong. */
  message: string;
  /** False for structural issues that lose no row (a missing comma between array elements). */
  dropsRow: boolean;
  /** The first characters of the offending text, for the report. */
  excerpt?: string;
}

export type MalformedPolicy = "skip" | "fail";

export type SourceFormat = "jsonl" | "json" | "csv";

export interface CsvOptions {
  /** Field delimiter; default "," ("\t" for .tsv files when the format is inferred). */
  delimiter?: string;
  /**
   * Column names. When given, the first record is data (no header row); otherwise the first
   * record is the header.
   */
  columns?: readonly string[];
}

export interface ReadOptions {
  /** Default: inferred from the extension (.jsonl/.ndjson, .json, .csv/.tsv) and content. */
  format?: SourceFormat | "auto";
  /** What to do with a malformed row. Default `skip` (counted and reported). */
  onMalformed?: MalformedPolicy;
  csv?: CsvOptions;
  /** Issues kept in the report with their places (the count is always exact). Default 10 000. */
  maxIssues?: number;
  /** Stop after this many rows, malformed ones included (compile-time check of the first N rows). */
  limit?: number;
  /** Bytes per read; small values exercise chunk boundaries in tests. Default 64 KiB. */
  chunkSize?: number;
}

/** Per-file accounting, filled while the rows are iterated. */
export interface ReadReport {
  path: string;
  format: SourceFormat;
  /** Rows yielded to the caller. */
  rows: number;
  /** Rows that could not be read (each one is in `issues` unless `issuesTruncated`). */
  malformed: number;
  /** Empty lines / records, which are not rows. */
  blankLines: number;
  issues: ReadIssue[];
  issuesTruncated: boolean;
  /** True when `limit` stopped the read before the end of the file. */
  stoppedEarly: boolean;
}

/** "path:line" — the place as a person reads it. */
export function formatPlace(place: RowPlace): string {
  return `${place.path}:${place.line}`;
}

/** The first `max` characters of a text on one line, for reports. */
export function excerptOf(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
