/**
 * The scan cache: the verified items and report of a split, keyed by a fingerprint of every
 * image and label file's path, size and modification time plus the scan options (Ultralytics
 * keys its `.cache` by file sizes the same way). Any change to any file rescans. The file is
 * JSON, written atomically; a cache that cannot be read or written is noted, never fatal.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import type { ScanReport } from "./scan.js";
import type { VerifiedImage, VerifyOptions } from "./verify.js";

const CACHE_VERSION = 1;

/** `…/labels/train/x.txt` → `…/labels/train.pipewright-cache.json` (beside Ultralytics' own). */
export function defaultCachePath(firstLabelPath: string): string {
  return `${dirname(firstLabelPath)}.pipewright-cache.json`;
}

export function scanFingerprint(
  pairs: readonly { imagePath: string; labelPath: string }[],
  options: Pick<
    VerifyOptions,
    "nc" | "coordTolerance" | "segments" | "maxMegapixels" | "exifOrientation"
  >,
): string {
  const h = createHash("sha256");
  h.update(
    JSON.stringify({
      v: CACHE_VERSION,
      nc: options.nc,
      tol: options.coordTolerance ?? null,
      seg: options.segments ?? null,
      mp: options.maxMegapixels ?? null,
      exif: options.exifOrientation ?? null,
    }),
  );
  const stamp = (p: string) => {
    try {
      const s = statSync(p);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return "-";
    }
  };
  for (const { imagePath, labelPath } of pairs)
    h.update(`${imagePath}|${stamp(imagePath)}|${labelPath}|${stamp(labelPath)}\n`);
  return h.digest("hex");
}

interface CacheFile {
  version: number;
  fingerprint: string;
  items: VerifiedImage[];
  report: ScanReport;
}

export function readScanCache(
  path: string,
  fingerprint: string,
): { hit?: { items: VerifiedImage[]; report: ScanReport }; issue?: DataIssue } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {}; // no cache yet
  }
  try {
    const c = JSON.parse(text) as CacheFile;
    if (
      c.version === CACHE_VERSION &&
      c.fingerprint === fingerprint &&
      Array.isArray(c.items) &&
      c.report
    )
      return { hit: { items: c.items, report: c.report } };
    return {}; // stale: files changed
  } catch (err) {
    return {
      issue: {
        code: DET.scanCache,
        path,
        message: `scan cache is unreadable and was rebuilt: ${String(err)}`,
      },
    };
  }
}

export function writeScanCache(
  path: string,
  fingerprint: string,
  items: VerifiedImage[],
  report: ScanReport,
): DataIssue | undefined {
  const body: CacheFile = {
    version: CACHE_VERSION,
    fingerprint,
    items,
    report: { ...report, fromCache: false },
  };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, JSON.stringify(body));
    renameSync(tmp, path);
    return undefined;
  } catch (err) {
    return {
      code: DET.scanCache,
      path,
      message: `cannot write the scan cache (scans will not be cached): ${String(err)}`,
    };
  }
}
