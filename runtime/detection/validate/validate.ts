/**
 * Validation on a scanned split: letterbox each image (DetectionDataset.evalSample), detect with
 * Ultralytics' validation settings (conf 0.001, NMS IoU 0.7, max 300 per image), map boxes back
 * to the original pixels, and score with runtime/eval/metrics: P, R, AP per class, mAP50,
 * mAP50-95 (Ultralytics' interpolation by default, COCO's 101-point as an option) and the
 * confusion matrix. The per-image predictions are returned for PR curves and reports.
 */
import { DetectionDataset } from "../data/detection-dataset.js";
import type { VerifiedImage } from "../data/verify.js";
import {
  evaluateDetections,
  type DetectionImage,
  type DetectionMetrics,
} from "../../eval/metrics/detection-eval.js";
import type { Detector } from "../model/detector.js";
import { detectPrepared, mapToOriginal } from "../infer/predict.js";
import type { Detection } from "../infer/postprocess.js";

export interface ValidateOptions {
  /** Default 0.001 (Ultralytics' validation). */
  conf?: number;
  /** Default 0.7. */
  iou?: number;
  /** Default 300. */
  maxDet?: number;
  batch?: number;
  style?: "ultralytics" | "coco";
  /** Reuse a dataset (and its image cache) across validations. */
  dataset?: DetectionDataset;
  onProgress?: (done: number, total: number) => void;
}

export interface ValidationResult {
  metrics: DetectionMetrics;
  /** Ultralytics' fitness: 0.1·mAP50 + 0.9·mAP50-95. */
  fitness: number;
  images: DetectionImage[];
  /** Paths, aligned with `images`. */
  paths: string[];
  seconds: number;
}

export const VAL_DEFAULTS = { conf: 0.001, iou: 0.7, maxDet: 300 } as const;

export function fitnessOf(m: Pick<DetectionMetrics, "map50" | "map50_95">): number {
  return 0.1 * m.map50 + 0.9 * m.map50_95;
}

export async function validateDetector(
  detector: Detector,
  items: readonly VerifiedImage[],
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const started = performance.now();
  const imgsz = detector.config.imgsz;
  const dataset = options.dataset ?? new DetectionDataset(items, { imgsz, augment: {} });
  const batch = Math.max(1, options.batch ?? 16);
  const images: DetectionImage[] = [];
  const paths: string[] = [];
  for (let i = 0; i < items.length; i += batch) {
    const samples = [];
    for (let k = i; k < Math.min(items.length, i + batch); k++) samples.push(dataset.evalSample(k));
    const raw = await detectPrepared(
      detector,
      samples.map((s) => s.sample.image),
      {
        conf: options.conf ?? VAL_DEFAULTS.conf,
        iou: options.iou ?? VAL_DEFAULTS.iou,
        maxDet: options.maxDet ?? VAL_DEFAULTS.maxDet,
      },
    );
    samples.forEach((s, k) => {
      const dets: Detection[] = mapToOriginal(raw[k], s.geometry);
      images.push({
        id: s.item.imagePath,
        groundTruth: s.truth.map((b) => ({ box: [b.x1, b.y1, b.x2, b.y2] as const, cls: b.cls })),
        predictions: dets.map((d) => ({ box: d.box, cls: d.cls, conf: d.conf })),
      });
      paths.push(s.item.imagePath);
    });
    options.onProgress?.(Math.min(items.length, i + batch), items.length);
  }
  const names = detector.config.names;
  const metrics = evaluateDetections(images, {
    style: options.style ?? "ultralytics",
    nc: names.length,
    names,
  });
  return {
    metrics,
    fitness: fitnessOf(metrics),
    images,
    paths,
    seconds: (performance.now() - started) / 1000,
  };
}
