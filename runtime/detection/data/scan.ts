/**
 * Scan a split: list its images, pair each with its label file, verify both, and report what was
 * found, missing, empty, corrupt or cleaned — with every reason and path. Good images are all
 * kept; one bad file never stops the scan. Optionally cached (see scan-cache.ts).
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import type { DetectionDatasetConfig, SplitName } from "./dataset-yaml.js";
import { labelPathForImage, listImageFiles } from "./image-files.js";
import { verifyImageLabel, type VerifiedImage, type VerifyOptions } from "./verify.js";
import { defaultCachePath, readScanCache, scanFingerprint, writeScanCache } from "./scan-cache.js";

export interface ScanOptions extends Omit<VerifyOptions, "keepImage"> {
  /** A name for the report ("train", "val"). */
  split?: string;
  /**
   * Cache the scan: `true` puts it beside the labels (`labels/<split>.pipewright-cache.json`),
   * a string is the cache file's path. Default off (datasets may be read-only).
   */
  cache?: boolean | string;
  /** Called after each image. */
  onProgress?: (done: number, total: number) => void;
}

export interface ScanReport {
  split: string;
  sources: string[];
  /** Image files found in the sources. */
  images: number;
  /** Images kept (usable), including backgrounds. */
  kept: number;
  /** Images dropped because the image or its label file is bad. */
  corrupt: number;
  labelsFound: number;
  labelsMissing: number;
  labelsEmpty: number;
  /** Kept images without boxes. */
  backgrounds: number;
  duplicatesRemoved: number;
  zeroSizeRemoved: number;
  segmentsConverted: number;
  boxes: number;
  boxesPerClass: number[];
  /** How many images were dropped per reason code. */
  droppedByCode: Record<string, number>;
  /** Every per-file problem and note, in file order. */
  issues: DataIssue[];
  fromCache: boolean;
}

export interface ScanResult {
  items: VerifiedImage[];
  report: ScanReport;
}

export async function scanSplit(
  sources: readonly string[],
  options: ScanOptions,
): Promise<ScanResult> {
  const split = options.split ?? "data";
  const listing = listImageFiles(sources);
  if (listing.files.length === 0) {
    const missing = listing.issues.find((i) => i.code === DET.pathNotFound);
    if (missing)
      throw new PipeError(missing.code, `${split}: ${missing.message}`, { path: missing.path });
    throw new PipeError(
      DET.noImages,
      `${split}: no images found in ${sources.join(", ")}`,
      { path: sources[0] },
      "images are .png or .jpg files in the folder (searched recursively) or lines of a .txt list",
    );
  }
  const pairs = listing.files.map((imagePath) => ({
    imagePath,
    labelPath: labelPathForImage(imagePath),
  }));

  const cachePath =
    options.cache === true
      ? defaultCachePath(pairs[0].labelPath)
      : typeof options.cache === "string"
        ? options.cache
        : undefined;
  const cacheIssues: DataIssue[] = [];
  let fingerprint: string | undefined;
  if (cachePath) {
    fingerprint = scanFingerprint(pairs, options);
    const cached = readScanCache(cachePath, fingerprint);
    if (cached.hit)
      return {
        items: cached.hit.items,
        report: {
          ...cached.hit.report,
          issues: [...listing.issues, ...cached.hit.report.issues],
          fromCache: true,
        },
      };
    if (cached.issue) cacheIssues.push(cached.issue);
  }

  const report: ScanReport = {
    split,
    sources: [...sources],
    images: pairs.length,
    kept: 0,
    corrupt: 0,
    labelsFound: 0,
    labelsMissing: 0,
    labelsEmpty: 0,
    backgrounds: 0,
    duplicatesRemoved: 0,
    zeroSizeRemoved: 0,
    segmentsConverted: 0,
    boxes: 0,
    boxesPerClass: new Array(options.nc).fill(0),
    droppedByCode: {},
    issues: [],
    fromCache: false,
  };
  const items: VerifiedImage[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const { imagePath, labelPath } = pairs[i];
    const o = await verifyImageLabel(imagePath, labelPath, options);
    report.issues.push(...o.issues);
    if (o.label === "found" || o.label === "empty") report.labelsFound++;
    if (o.label === "missing") report.labelsMissing++;
    if (o.label === "empty") report.labelsEmpty++;
    if (o.corrupt || !o.item) {
      report.corrupt++;
      const first = o.issues.find((x) => x.code !== DET.labelMissing && x.code !== DET.labelEmpty);
      const code = first?.code ?? DET.imageCorrupt;
      report.droppedByCode[code] = (report.droppedByCode[code] ?? 0) + 1;
    } else {
      items.push(o.item);
      report.kept++;
      report.duplicatesRemoved += o.duplicatesRemoved;
      report.zeroSizeRemoved += o.zeroSizeRemoved;
      report.segmentsConverted += o.segmentsConverted;
      if (o.item.boxes.length === 0) report.backgrounds++;
      report.boxes += o.item.boxes.length;
      for (const b of o.item.boxes) report.boxesPerClass[b.cls]++;
    }
    options.onProgress?.(i + 1, pairs.length);
  }

  if (cachePath && fingerprint) {
    const issue = writeScanCache(cachePath, fingerprint, items, report);
    if (issue) cacheIssues.push(issue);
  }
  report.issues = [...listing.issues, ...cacheIssues, ...report.issues];
  return { items, report };
}

/** Scan the splits of a dataset.yaml (train and val by default; test when it is declared). */
export async function scanDataset(
  config: DetectionDatasetConfig,
  options: Omit<ScanOptions, "nc" | "split"> & { splits?: SplitName[] } = {},
): Promise<Partial<Record<SplitName, ScanResult>>> {
  const splits =
    options.splits ?? (["train", "val", ...(config.test.length ? ["test"] : [])] as SplitName[]);
  const out: Partial<Record<SplitName, ScanResult>> = {};
  for (const split of splits) {
    if (config[split].length === 0) continue;
    out[split] = await scanSplit(config[split], { ...options, nc: config.nc, split });
  }
  return out;
}

/** A one-line summary in the style of Ultralytics' scan line. */
export function formatScanSummary(r: ScanReport): string {
  const parts = [
    `${r.images} images`,
    `${r.kept} kept`,
    `${r.labelsFound} labels found`,
    `${r.labelsMissing} missing`,
    `${r.labelsEmpty} empty`,
    `${r.corrupt} corrupt`,
  ];
  if (r.duplicatesRemoved) parts.push(`${r.duplicatesRemoved} duplicate rows removed`);
  if (r.zeroSizeRemoved) parts.push(`${r.zeroSizeRemoved} zero-size boxes removed`);
  return `${r.split}: ${parts.join(", ")}; ${r.boxes} boxes${r.fromCache ? " (cached)" : ""}`;
}
