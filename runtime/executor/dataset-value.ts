/**
 * What flows between the data nodes: records with their running cleaning report, and how they
 * are stored in a cache entry (records as JSON Lines, the rest as JSON). A split produces one
 * `DatasetValue` per part plus a `SplitsValue` holding them all (the default output).
 */
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import type { CleanReport } from "../data/clean/clean-report.js";
import type { SourceReport } from "../data/format/read-records.js";
import type { DataRecord, DatasetFormat } from "../data/format/record.js";

export interface DatasetValue {
  kind: "dataset";
  format: DatasetFormat;
  records: DataRecord[];
  /** Every row read so far is kept or dropped for a reason here. */
  report: CleanReport;
  /** The readers' reports (a clean node folds them into its own report). */
  sources: SourceReport[];
}

export interface SplitsValue {
  kind: "splits";
  format: DatasetFormat;
  parts: Record<string, DatasetValue>;
  report: CleanReport;
  /** The split report: targets, groups, warnings. */
  split: Record<string, unknown>;
}

export function isDatasetValue(v: unknown): v is DatasetValue {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "dataset";
}

export function isSplitsValue(v: unknown): v is SplitsValue {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "splits";
}

/** Writes records as JSON Lines (one record per line), streaming. */
export async function writeJsonl(path: string, rows: Iterable<unknown>): Promise<void> {
  const out = createWriteStream(path, { encoding: "utf8" });
  const done = new Promise<void>((resolve, reject) => {
    out.on("error", reject);
    out.on("finish", resolve);
  });
  for (const row of rows) {
    if (!out.write(JSON.stringify(row) + "\n")) await once(out, "drain");
  }
  out.end();
  await done;
}

export async function readJsonl<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  for await (const line of lines) if (line) out.push(JSON.parse(line) as T);
  return out;
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value) + "\n", "utf8");
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

/** Stores a dataset as `<name>.jsonl` + `<name>.json` in a cache folder. */
export async function saveDataset(dir: string, name: string, ds: DatasetValue): Promise<void> {
  await writeJsonl(join(dir, `${name}.jsonl`), ds.records);
  await writeJson(join(dir, `${name}.json`), {
    format: ds.format,
    report: ds.report,
    sources: ds.sources,
    count: ds.records.length,
  });
}

export async function loadDataset(dir: string, name: string): Promise<DatasetValue> {
  const meta = await readJson<{
    format: DatasetFormat;
    report: CleanReport;
    sources: SourceReport[];
    count: number;
  }>(join(dir, `${name}.json`));
  const records = await readJsonl<DataRecord>(join(dir, `${name}.jsonl`));
  if (records.length !== meta.count)
    throw new Error(`${name}.jsonl holds ${records.length} records, expected ${meta.count}`);
  return {
    kind: "dataset",
    format: meta.format,
    records,
    report: meta.report,
    sources: meta.sources,
  };
}

/** A record as a row of its dataset format (what an export writes). */
export function recordToRow(record: DataRecord): Record<string, unknown> {
  switch (record.kind) {
    case "instruction":
      return { instruction: record.instruction, input: record.input, output: record.output };
    case "chat":
      return {
        conversations: record.messages.map((m) => ({
          from: m.role === "user" ? "human" : m.role === "assistant" ? "gpt" : "system",
          value: m.content,
        })),
      };
    case "preference":
      return { prompt: record.prompt, chosen: record.chosen, rejected: record.rejected };
    case "text":
      return { text: record.text };
  }
}
