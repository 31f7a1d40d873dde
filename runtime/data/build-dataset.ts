/**
 * The data stage in one call, as the executor runs it: read every source (streamed), validate
 * and normalise rows to records, clean, split. Returns the records per split and the cleaning
 * report; `writeCleanReport` saves the report as clean-report.json.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { readRecords } from "./format/read-records.js";
import type { DataRecord, DatasetFormat } from "./format/record.js";
import type { ReadOptions } from "./read/row.js";
import { Cleaner, type CleanOptions } from "./clean/cleaner.js";
import type { CleanReport } from "./clean/clean-report.js";
import { splitRecords, type SplitOptions, type SplitReport } from "./split.js";

export interface DatasetSource {
  path: string;
  /** Per-source read options (format, CSV columns), over the dataset's `read`. */
  read?: ReadOptions;
}

export interface BuildDatasetOptions {
  format: DatasetFormat;
  sources: readonly (string | DatasetSource)[];
  /** Read options for every source (`onMalformed`, chunk size...). */
  read?: ReadOptions;
  clean?: Omit<CleanOptions, "seed">;
  split?: Omit<SplitOptions, "seed">;
  seed: number;
}

export interface BuiltDataset {
  /** Every kept record, in order (files in order, then synthetic rows). */
  records: DataRecord[];
  /** Records per split; `{}` when no split was asked for. */
  splits: Record<string, DataRecord[]>;
  report: CleanReport;
  splitReport?: SplitReport;
}

export async function buildDataset(options: BuildDatasetOptions): Promise<BuiltDataset> {
  const cleaner = new Cleaner({ ...options.clean, seed: options.seed });
  const format = options.format;
  async function* allRecords(): AsyncGenerator<DataRecord> {
    for (const src of options.sources) {
      const { path, read } = typeof src === "string" ? { path: src, read: undefined } : src;
      const reader = readRecords(path, format, { ...options.read, ...read });
      yield* reader;
      cleaner.addSource(reader.report);
    }
  }
  const records: DataRecord[] = [];
  for await (const r of cleaner.clean(allRecords())) records.push(r);
  const report = cleaner.report;
  if (!options.split) return { records, splits: {}, report };
  const { splits, report: splitReport } = splitRecords(records, {
    ...options.split,
    seed: options.seed,
  });
  report.splits = splitReport.sizes;
  return { records, splits, report, splitReport };
}

/** Writes JSON atomically (temporary file, then rename), creating the folder. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + "\n", "utf8");
  await rename(tmp, path);
}

export async function writeCleanReport(report: CleanReport, path: string): Promise<void> {
  await writeJsonAtomic(path, report);
}
