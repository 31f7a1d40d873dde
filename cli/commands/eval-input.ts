/**
 * Reading the prediction and reference files of `pipe eval`, remembering where every record
 * came from so that a problem is reported as `path:line`.
 *
 * - `.jsonl` / `.ndjson` / `.json` (JSON Lines or a JSON array) / `.csv` / `.tsv`: read with the
 *   data layer's readers (runtime/data/read); each row is one record (a string or an object).
 * - any other file (`.txt`, no extension): one record per line, as sacrebleu reads its
 *   files — empty lines are empty segments, a final newline ends the last line.
 *
 * Malformed rows are all collected (not skipped): a prediction file that lost a line would be
 * paired with the wrong references.
 */
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { readAllRows } from "../../runtime/data/read/read-rows.js";
import { readLines } from "../../runtime/data/read/jsonl-reader.js";
import { readTextChunks } from "../../runtime/data/read/text-chunks.js";
import type { ReadIssue } from "../../runtime/data/read/row.js";

export type EvalSide = "prediction" | "reference";

/** Records of one file and the 1-based line each starts on. */
export interface EvalRecords {
  path: string;
  records: unknown[];
  lines: number[];
}

/** The file could not be read: missing, or malformed rows (every one listed). */
export class EvalInputError extends Error {
  constructor(readonly errors: PipeError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "EvalInputError";
  }
}

const STRUCTURED = new Set([".jsonl", ".ndjson", ".json", ".csv", ".tsv"]);

/** The canonical key scorePredictions reads first on each side. */
const CANONICAL: Record<EvalSide, string> = { prediction: "prediction", reference: "reference" };

export async function readEvalRecords(path: string, displayPath = path): Promise<EvalRecords> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new EvalInputError([
      new PipeError("PW6001", `cannot read ${displayPath}: no such file`, { path: displayPath }),
    ]);
  }
  const records: unknown[] = [];
  const lines: number[] = [];
  if (!STRUCTURED.has(extname(path).toLowerCase())) {
    for await (const { text, line } of readLines(readTextChunks(path))) {
      records.push(text);
      lines.push(line);
    }
    return { path: displayPath, records, lines };
  }
  const { rows, report } = await readAllRows(path, { onMalformed: "skip" });
  const errors = report.issues.filter((i) => i.dropsRow).map((i) => issueError(i, displayPath));
  if (errors.length > 0) throw new EvalInputError(errors);
  for (const r of rows) {
    records.push(r.value);
    lines.push(r.place.line);
  }
  return { path: displayPath, records, lines };
}

function issueError(issue: ReadIssue, displayPath: string): PipeError {
  return new PipeError(
    issue.code,
    `${issue.message}${issue.excerpt ? ` — ${JSON.stringify(issue.excerpt)}` : ""}`,
    {
      path: displayPath,
      line: issue.place.line,
      ...(issue.column ? { column: issue.column } : {}),
    },
  );
}

/**
 * `--field name`: the text of each object record is `record[name]` (copied under the side's
 * canonical key, so scorePredictions reads it first; ids and other fields stay). Plain strings
 * are left alone. A record without the field is PW6601 at its line.
 */
export function selectField(input: EvalRecords, field: string, side: EvalSide): EvalRecords {
  const records = input.records.map((r, i) => {
    if (!r || typeof r !== "object" || Array.isArray(r)) return r;
    const v = (r as Record<string, unknown>)[field];
    if (v === undefined || v === null) {
      throw new EvalInputError([
        new PipeError(
          "PW6601",
          `${side} ${i + 1} has no field \`${field}\``,
          { path: input.path, line: input.lines[i] },
          `fields: ${Object.keys(r).join(", ") || "none"}`,
        ),
      ]);
    }
    return { ...(r as Record<string, unknown>), [CANONICAL[side]]: v };
  });
  return { ...input, records };
}

const isStringOrNullList = (v: unknown): v is (string | null)[] =>
  Array.isArray(v) &&
  v.every((x) => typeof x === "string" || x === null) &&
  v.some((x) => x !== null);

/**
 * Several references with some missing: sacrebleu reads `None` in a reference stream as "no
 * reference here" (a variable number of references). A JSON `null` in a reference list — the
 * record itself or a field's value — is dropped the same way.
 */
export function dropMissingReferences(input: EvalRecords): EvalRecords {
  const clean = (v: unknown): unknown =>
    isStringOrNullList(v) ? v.filter((x): x is string => x !== null) : v;
  const records = input.records.map((r) => {
    if (Array.isArray(r)) return clean(r);
    if (!r || typeof r !== "object") return r;
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, clean(v)]));
  });
  return { ...input, records };
}

function idOf(item: unknown): string | null {
  if (item && typeof item === "object" && !Array.isArray(item)) {
    const id = (item as Record<string, unknown>).id;
    if (typeof id === "string" || typeof id === "number") return String(id);
  }
  return null;
}

/**
 * When scorePredictions will pair by id (every record on both sides has one), puts the
 * references in prediction order so that its record numbers on the reference side (which count
 * pairs) name the right reference line. Left as is when the ids do not pair up: then
 * scorePredictions reports the problem with the index of the record at fault.
 */
export function alignReferences(preds: EvalRecords, refs: EvalRecords): EvalRecords {
  const predIds = preds.records.map(idOf);
  const refIds = refs.records.map(idOf);
  if (!preds.records.length || !refs.records.length) return refs;
  if (predIds.some((x) => x === null) || refIds.some((x) => x === null)) return refs;
  const at = new Map<string, number>();
  for (let i = 0; i < refIds.length; i++) {
    if (at.has(refIds[i]!)) return refs;
    at.set(refIds[i]!, i);
  }
  const order = predIds.map((id) => at.get(id!));
  if (order.some((k) => k === undefined)) return refs;
  return {
    path: refs.path,
    records: order.map((k) => refs.records[k!]),
    lines: order.map((k) => refs.lines[k!]),
  };
}
