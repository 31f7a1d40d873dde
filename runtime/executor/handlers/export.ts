/**
 * Export handlers for data: a dataset's `write` block (every split as JSON Lines or JSON, plus
 * clean-report.json) and `export d.train to "train.jsonl"`. Files are written in a temporary
 * folder beside the destination and renamed into place, so a failed export leaves nothing
 * half-written. Model, detector and report exports are registered by their own modules.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import type { IrNodeOf } from "../../../compiler/ir/schema.js";
import {
  isDatasetValue,
  isSplitsValue,
  readJson,
  recordToRow,
  writeJson,
  writeJsonl,
  type DatasetValue,
} from "../dataset-value.js";
import type { CacheCodec, Handler } from "../types.js";

type ExportNode = IrNodeOf<"export">;

/** The value of an export node: the files it wrote. */
export interface FilesValue {
  kind: "files";
  files: string[];
}

export const filesCodec: CacheCodec = {
  save: (v, dir) => writeJson(join(dir, "files.json"), v.value),
  load: async (dir) => ({
    value: await readJson<FilesValue>(join(dir, "files.json")),
    outputs: {},
  }),
};

/**
 * Writes files into `dir` atomically as a group: `write(tmp)` fills a temporary folder with
 * the files (flat names), which are then renamed into `dir`. Returns their final paths.
 */
export async function writeFilesAtomically(
  dir: string,
  write: (tmp: string) => Promise<string[]>,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-export-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(tmp);
  try {
    const names = await write(tmp);
    const out: string[] = [];
    for (const name of names) {
      await rename(join(tmp, name), join(dir, name));
      out.push(join(dir, name));
    }
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Fills a fresh folder and puts it at `dest` (replacing what was there). Returns its files. */
export async function writeDirAtomically(
  dest: string,
  fill: (dir: string) => Promise<void>,
): Promise<string[]> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await mkdir(tmp);
    await fill(tmp);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return readdirSync(dest).map((f) => join(dest, f));
}

async function writeRecords(
  path: string,
  ds: DatasetValue,
  format: "jsonl" | "json",
): Promise<void> {
  if (format === "jsonl") await writeJsonl(path, ds.records.map(recordToRow));
  else await writeJson(path, ds.records.map(recordToRow));
}

const cleanedSplits: Handler = {
  op: "export",
  group: "export",
  accepts: (n) => (n as ExportNode).settings.what === "cleaned-splits",
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as ExportNode;
    const s = node.settings;
    if (s.what !== "cleaned-splits") throw new Error("not a write block");
    const dest = ctx.paths.destination(s.destination);
    const reportPath = ctx.paths.destination(join(s.destination, s.report));
    const target = await ctx.input("target");
    const parts: Record<string, DatasetValue> = isSplitsValue(target)
      ? target.parts
      : isDatasetValue(target)
        ? { [node.stage]: target }
        : {};
    if (Object.keys(parts).length === 0) throw new Error(`export ${node.id}: nothing to write`);
    const report = isSplitsValue(target) ? target.report : (target as DatasetValue).report;
    const ext = s.format === "jsonl" ? "jsonl" : "json";
    const files = await writeFilesAtomically(dest, async (tmp) => {
      const names: string[] = [];
      for (const [name, ds] of Object.entries(parts)) {
        await writeRecords(join(tmp, `${name}.${ext}`), ds, s.format);
        names.push(`${name}.${ext}`);
      }
      if (dirname(reportPath) === dest) {
        await writeJson(join(tmp, s.report), report);
        names.push(s.report);
      }
      return names;
    });
    if (dirname(reportPath) !== dest) {
      files.push(
        ...(await writeFilesAtomically(dirname(reportPath), async (tmp) => {
          const name = reportPath.slice(dirname(reportPath).length + 1);
          await writeJson(join(tmp, name), report);
          return [name];
        })),
      );
    }
    const sizes = Object.entries(parts).map(([n, d]) => `${n} ${d.records.length}`);
    return {
      value: { kind: "files", files } satisfies FilesValue,
      files,
      notes: [
        `wrote ${sizes.join(", ")} rows as ${ext} and ${s.report} to ${ctx.paths.display(dest)}`,
      ],
      data: { files: files.map((f) => ctx.paths.display(f)) },
    };
  },
};

const datasetExport: Handler = {
  op: "export",
  group: "export",
  accepts: (n) => ["data", "text-data"].includes((n as ExportNode).settings.what),
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as ExportNode;
    const s = node.settings;
    const target = await ctx.input("target");
    const parts: Record<string, DatasetValue> = isSplitsValue(target)
      ? target.parts
      : isDatasetValue(target)
        ? { data: target }
        : {};
    if (Object.keys(parts).length === 0) throw new Error(`export ${node.id}: not a dataset`);
    const format = s.format === "json" ? "json" : "jsonl";
    const dest = ctx.paths.destination(s.destination);
    const asFile = Object.keys(parts).length === 1 && [".jsonl", ".json"].includes(extname(dest));
    const files = asFile
      ? await writeFilesAtomically(dirname(dest), async (tmp) => {
          const name = dest.slice(dirname(dest).length + 1);
          await writeRecords(
            join(tmp, name),
            Object.values(parts)[0],
            extname(dest) === ".json" ? "json" : "jsonl",
          );
          return [name];
        })
      : await writeFilesAtomically(dest, async (tmp) => {
          const names: string[] = [];
          for (const [name, ds] of Object.entries(parts)) {
            await writeRecords(join(tmp, `${name}.${format}`), ds, format);
            names.push(`${name}.${format}`);
          }
          return names;
        });
    const rows = Object.values(parts).reduce((n, d) => n + d.records.length, 0);
    return {
      value: { kind: "files", files } satisfies FilesValue,
      files,
      notes: [`wrote ${rows} rows to ${files.map((f) => ctx.paths.display(f)).join(", ")}`],
    };
  },
};

export function exportHandlers(): Handler[] {
  return [cleanedSplits, datasetExport];
}
