/**
 * Reads the first N rows of a data file for compile-time checks, streaming (the rest of the
 * file is never read), and validates each against its format's JSON Schema with the data
 * layer's readers and ajv schemas. Keeps the records (for template and length checks) and the
 * raw value of every invalid row (to guess which format the data really is).
 */
import * as path from "node:path";
import type { DataRecord, DatasetFormat } from "../../runtime/data/format/record.js";
import type { ReadIssue, SourceFormat } from "../../runtime/data/read/row.js";
import { isPipeError } from "../diagnostics/pipe-error.js";

export interface RowSample {
  /** Rows read, malformed ones included. */
  checked: number;
  records: DataRecord[];
  /** Rows that could not be read (JSON/CSV syntax). */
  malformed: ReadIssue[];
  /** Rows that were read but fail the format's schema. */
  invalid: { issue: ReadIssue; value: unknown }[];
  /** True when the file holds more rows than were read. */
  truncated: boolean;
}

export class SampleError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Plain text files: one document per line (blank lines are skipped). */
async function sampleTextLines(file: string, limit: number): Promise<RowSample> {
  const { readTextChunks } = await import("../../runtime/data/read/text-chunks.js");
  const { readLines } = await import("../../runtime/data/read/jsonl-reader.js");
  const records: DataRecord[] = [];
  let truncated = false;
  for await (const { text, line } of readLines(readTextChunks(file))) {
    if (text.trim() === "") continue;
    if (records.length >= limit) {
      truncated = true;
      break;
    }
    records.push({ kind: "text", text, source: { path: file, line, origin: "file" } });
  }
  return { checked: records.length, records, malformed: [], invalid: [], truncated };
}

/**
 * The first `limit` rows of `file` as `format` records. `sourceFormat` overrides the reader
 * chosen from the extension. Throws SampleError when the file cannot be read as data at all.
 */
export async function sampleRows(
  file: string,
  format: DatasetFormat,
  limit: number,
  sourceFormat?: string,
): Promise<RowSample> {
  const ext = path.extname(file).toLowerCase();
  if (sourceFormat === "txt" || (sourceFormat === undefined && ext === ".txt")) {
    if (format !== "text") {
      throw new SampleError(
        `a .txt file holds plain text, not ${format} records`,
        "use a .jsonl, .json or .csv file, or declare the dataset as `text(...)`",
      );
    }
    return guard(() => sampleTextLines(file, limit));
  }
  const [{ readRows }, { normalizeRow }] = await Promise.all([
    import("../../runtime/data/read/read-rows.js"),
    import("../../runtime/data/format/normalize-row.js"),
  ]);
  return guard(async () => {
    const reader = readRows(file, {
      limit,
      onMalformed: "skip",
      ...(sourceFormat ? { format: sourceFormat as SourceFormat } : {}),
    });
    const records: DataRecord[] = [];
    const invalid: RowSample["invalid"] = [];
    for await (const raw of reader) {
      const res = normalizeRow(format, raw);
      if (res.ok) records.push(res.record);
      else invalid.push({ issue: res.issue, value: raw.value });
    }
    const r = reader.report;
    return {
      checked: r.rows + r.malformed,
      records,
      malformed: r.issues,
      invalid,
      truncated: r.stoppedEarly,
    };
  });
}

async function guard<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (isPipeError(err)) throw new SampleError(err.message, err.hint);
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new SampleError(`cannot read the file (${code})`);
    throw err;
  }
}

/** Which other format the invalid rows fit, if most of them fit one. */
export async function guessFormat(
  values: readonly unknown[],
  declared: DatasetFormat,
): Promise<DatasetFormat | undefined> {
  const { validateRow } = await import("../../runtime/data/format/schemas.js");
  const { DATASET_FORMATS } = await import("../../runtime/data/format/record.js");
  const sample = values.slice(0, 20);
  let best: { format: DatasetFormat; fits: number } | undefined;
  for (const f of DATASET_FORMATS) {
    if (f === declared) continue;
    const fits = sample.filter((v) => validateRow(f, v).length === 0).length;
    if (fits * 2 > sample.length && (!best || fits > best.fits)) best = { format: f, fits };
  }
  return best?.format;
}
