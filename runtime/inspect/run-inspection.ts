/**
 * Inspection over a set of images (`pipe inspect`, the pipeline's inspect stage): detect, judge
 * each image, and write under `outDir`
 *   reports/<stem>.json      the per-image report (verdict, defects, recommendation, VLM status)
 *   annotated/<stem>.png     the annotated picture (when `annotate`)
 *   <report>                 (default inspection.json) the summary and every image's report
 * Images that cannot be read are listed with their path and reason; nothing stops the run.
 * File names come from the image names, so every output stays inside `outDir`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { DataIssue } from "../../compiler/diagnostics/diagnostic.js";
import { encodePng } from "../image/encode.js";
import type { Detector } from "../detection/model/detector.js";
import { detectFiles, outputStems } from "../detection/infer/detect-files.js";
import type { PostprocessOptions } from "../detection/infer/postprocess.js";
import { annotateInspection } from "./annotate.js";
import { inspectDetections, type ImageInspection, type InspectionPolicy } from "./inspector.js";
import { summarizeInspections, type InspectionSummary } from "./summary.js";

export interface InspectImagesOptions extends PostprocessOptions {
  /** Write annotated PNGs (default true). */
  annotate?: boolean;
  /** Summary file name inside outDir (default inspection.json); a bare file name. */
  report?: string;
  batch?: number;
  onImage?: (r: ImageInspection, done: number, total: number) => void;
}

export interface InspectImagesResult {
  summary: InspectionSummary;
  images: ImageInspection[];
  errors: DataIssue[];
  files: { report: string; reports: string[]; annotated: string[] };
}

/** The seed inspects with a confidence threshold of 0.5 (`detect_defects(conf_threshold=0.5)`). */
export const INSPECT_DEFAULT_CONF = 0.5;

export async function inspectImages(
  detector: Detector,
  files: readonly string[],
  policy: InspectionPolicy,
  outDir: string,
  options: InspectImagesOptions = {},
): Promise<InspectImagesResult> {
  const annotate = options.annotate ?? true;
  const reportName = basename(options.report ?? "inspection.json");
  const reportsDir = join(outDir, "reports");
  const annotatedDir = join(outDir, "annotated");
  await mkdir(reportsDir, { recursive: true });
  if (annotate) await mkdir(annotatedDir, { recursive: true });
  const stems = outputStems(files);
  const images: ImageInspection[] = [];
  const written = { reports: [] as string[], annotated: [] as string[] };
  const run = await detectFiles(detector, files, {
    conf: options.conf ?? INSPECT_DEFAULT_CONF,
    iou: options.iou,
    maxDet: options.maxDet,
    batch: options.batch,
    onImage: async (r, image) => {
      const result = await inspectDetections(
        r.path,
        { width: r.width, height: r.height },
        r.detections,
        policy,
      );
      images.push(result);
      const stem = stems.get(r.path)!;
      const reportFile = join(reportsDir, `${stem}.json`);
      await writeFile(reportFile, JSON.stringify(result, null, 2) + "\n");
      written.reports.push(reportFile);
      if (annotate) {
        const png = join(annotatedDir, `${stem}.png`);
        await writeFile(png, encodePng(annotateInspection(image, result), { level: 6 }));
        written.annotated.push(png);
      }
      options.onImage?.(result, images.length, files.length);
    },
  });
  const summary = summarizeInspections(images, policy.names, run.errors.length);
  const report = join(outDir, reportName);
  await writeFile(
    report,
    JSON.stringify(
      {
        summary,
        policy: {
          severity: policy.severity,
          rules: policy.rules.rules,
          recommendations: policy.recommendations,
          vlm_analysis: policy.vlm.setting,
        },
        images,
        errors: run.errors,
      },
      null,
      2,
    ) + "\n",
  );
  return { summary, images, errors: run.errors, files: { report, ...written } };
}
