/**
 * Detection over files (what `pipe detect` and `pipe inspect` run): expand the inputs (image
 * files, folders searched recursively, `.txt` lists), decode each image — a missing or corrupt
 * file is recorded with its path and reason and the rest go on — predict in batches, and hand
 * each image's detections (original pixels) to a callback together with the decoded image.
 * Writers for the two prediction formats: one JSON file and Ultralytics-style YOLO txt labels.
 */
import { readFile, mkdir, writeFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import { tryDecodeImage } from "../../image/decode.js";
import type { RgbImage } from "../../image/rgb-image.js";
import { isImagePath, listImageFiles } from "../data/image-files.js";
import type { Detector } from "../model/detector.js";
import type { Detection } from "./postprocess.js";
import { predictImages, type PredictOptions } from "./predict.js";

export interface ImageDetections {
  path: string;
  width: number;
  height: number;
  detections: Detection[];
}

/** Image files named by `inputs` (files, folders, .txt lists), sorted per input, de-duplicated. */
export function expandImageInputs(
  inputs: readonly string[],
  cwd = process.cwd(),
): { files: string[]; issues: DataIssue[] } {
  const files: string[] = [];
  const issues: DataIssue[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  for (const input of inputs) {
    const p = resolve(cwd, input);
    let st;
    try {
      st = statSync(p);
    } catch {
      issues.push({ code: DET.imageUnreadable, path: p, message: `${p} does not exist` });
      continue;
    }
    if (st.isFile() && (isImagePath(p) || extname(p).toLowerCase() !== ".txt")) {
      add(p);
      continue;
    }
    const listing = listImageFiles([p]);
    issues.push(...listing.issues);
    if (listing.files.length === 0 && listing.issues.length === 0) {
      issues.push({ code: DET.noImages, path: p, message: `no images in ${p}` });
    }
    listing.files.forEach(add);
  }
  return { files, issues };
}

export interface DetectFilesOptions extends PredictOptions {
  /** Called per image in input order, with the decoded image (for drawing). */
  onImage?: (result: ImageDetections, image: RgbImage) => void | Promise<void>;
}

export interface DetectFilesResult {
  results: ImageDetections[];
  /** Files that could not be read or decoded (path, code, reason). */
  errors: DataIssue[];
}

export async function detectFiles(
  detector: Detector,
  files: readonly string[],
  options: DetectFilesOptions = {},
): Promise<DetectFilesResult> {
  const batch = Math.max(1, options.batch ?? 16);
  const results: ImageDetections[] = [];
  const errors: DataIssue[] = [];
  for (let i = 0; i < files.length; i += batch) {
    const decoded: { path: string; image: RgbImage }[] = [];
    for (const path of files.slice(i, i + batch)) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        errors.push({
          code: DET.imageUnreadable,
          path,
          message: `cannot read image: ${code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : String(err)}`,
        });
        continue;
      }
      const r = tryDecodeImage(bytes);
      if (!r.ok) {
        errors.push({ code: r.code, path, message: r.reason });
        continue;
      }
      decoded.push({ path, image: r.image });
    }
    if (decoded.length === 0) continue;
    const dets = await predictImages(
      detector,
      decoded.map((d) => d.image),
      { ...options, batch },
    );
    for (let k = 0; k < decoded.length; k++) {
      const { path, image } = decoded[k];
      const result: ImageDetections = {
        path,
        width: image.width,
        height: image.height,
        detections: dets[k],
      };
      results.push(result);
      await options.onImage?.(result, image);
    }
  }
  return { results, errors };
}

/** Unique output stems for input paths (`a.png`, `b/a.png` → `a`, `a_1`). */
export function outputStems(paths: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const p of paths) {
    const base = basename(p, extname(p)).replace(/[^\w.-]/g, "_") || "image";
    let stem = base;
    for (let k = 1; used.has(stem); k++) stem = `${base}_${k}`;
    used.add(stem);
    out.set(p, stem);
  }
  return out;
}

/** YOLO label lines: `cls xc yc w h` normalised (`conf` appended when asked). */
export function yoloPredictionLines(r: ImageDetections, withConf = false): string {
  return r.detections
    .map((d) => {
      const [x1, y1, x2, y2] = d.box;
      const f = (v: number) => v.toFixed(6);
      const row = `${d.cls} ${f((x1 + x2) / 2 / r.width)} ${f((y1 + y2) / 2 / r.height)} ${f((x2 - x1) / r.width)} ${f((y2 - y1) / r.height)}`;
      return withConf ? `${row} ${d.conf.toFixed(6)}` : row;
    })
    .map((l) => l + "\n")
    .join("");
}

/** The JSON record of one image's detections. */
export function detectionsJson(r: ImageDetections, names: readonly string[]) {
  return {
    image: r.path,
    width: r.width,
    height: r.height,
    detections: r.detections.map((d) => ({
      class: names[d.cls] ?? String(d.cls),
      class_id: d.cls,
      confidence: Math.round(d.conf * 1e6) / 1e6,
      box: d.box.map((v) => Math.round(v * 100) / 100),
    })),
  };
}

/** Write `predictions.json` and `labels/<stem>.txt` under `outDir`; returns the files written. */
export async function writePredictions(
  outDir: string,
  run: DetectFilesResult,
  names: readonly string[],
  options: {
    txt?: boolean;
    json?: boolean;
    saveConf?: boolean;
    settings?: Record<string, unknown>;
  } = {},
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  if (options.json ?? true) {
    const file = join(outDir, "predictions.json");
    const body = {
      names,
      ...(options.settings ? { settings: options.settings } : {}),
      images: run.results.map((r) => detectionsJson(r, names)),
      errors: run.errors,
    };
    await writeFile(file, JSON.stringify(body, null, 2) + "\n");
    written.push(file);
  }
  if (options.txt ?? true) {
    const dir = join(outDir, "labels");
    await mkdir(dir, { recursive: true });
    const stems = outputStems(run.results.map((r) => r.path));
    for (const r of run.results) {
      const file = join(dir, `${stems.get(r.path)}.txt`);
      await writeFile(file, yoloPredictionLines(r, options.saveConf));
      written.push(file);
    }
  }
  return written;
}
