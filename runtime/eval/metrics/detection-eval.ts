/**
 * Detection validation over a set of images: P, R, F1 (at the max-mean-F1 confidence, as
 * Ultralytics reports them), AP per class at IoU 0.50:0.05:0.95, mAP50, mAP75, mAP50-95,
 * and the confusion matrix.
 *
 * `style: "ultralytics"` (default) reproduces `DetectionValidator` + `DetMetrics`:
 * Ultralytics matching, float32 IoU with eps, AP by 101-point interpolation and trapezoid.
 * `style: "coco"` reproduces `COCOeval` (bbox, area "all", maxDets 100): COCO matching and
 * the mean of 101 precision samples; P/R/F1 are still read Ultralytics' way from the
 * COCO-matched detections at IoU 0.50.
 */
import { apPerClass, cocoPrecisionSamples, rankedCurves } from "./detection-ap.js";
import { DetectionConfusionMatrix, type ConfusionOptions } from "./detection-confusion.js";
import {
  cocoIouThresholds,
  cocoMatchImage,
  ultralyticsBoxIou,
  ultralyticsIouThresholds,
  ultralyticsMatchPredictions,
  type Box,
  type IouPrecision,
} from "./detection-match.js";
import { npSum } from "./numeric.js";

export interface GroundTruthBox {
  box: Box;
  cls: number;
}

export interface PredictedBox {
  box: Box;
  cls: number;
  conf: number;
}

export interface DetectionImage {
  /** For messages only. */
  id?: string;
  groundTruth: readonly GroundTruthBox[];
  predictions: readonly PredictedBox[];
}

export interface DetectionEvalOptions {
  style?: "ultralytics" | "coco";
  /** Number of classes; needed for the confusion matrix (default: 1 + the largest class seen). */
  nc?: number;
  names?: readonly string[];
  /** IoU arithmetic for the Ultralytics style (default float32, as Ultralytics). */
  iouPrecision?: IouPrecision;
  /** Confusion-matrix settings, or false to skip it. */
  confusion?: ConfusionOptions | false;
  /** COCO's maxDets (per image and class). */
  maxDets?: number;
}

export interface DetectionClassMetrics {
  cls: number;
  name?: string;
  groundTruth: number;
  predictions: number;
  precision: number;
  recall: number;
  f1: number;
  ap50: number;
  ap75: number;
  ap50_95: number;
  /** AP at each of `iouThresholds`. */
  ap: number[];
}

export interface DetectionMetrics {
  style: "ultralytics" | "coco";
  iouThresholds: number[];
  /** Mean over classes with ground truth. */
  precision: number;
  recall: number;
  map50: number;
  map75: number;
  map50_95: number;
  /** The confidence at which P/R/F1 were read. */
  confidence: number;
  classes: DetectionClassMetrics[];
  confusion?: { matrix: number[][]; tp: number[]; fp: number[] };
  images: number;
  instances: number;
}

function mean(values: readonly number[]): number {
  return values.length ? npSum(values) / values.length : 0;
}

export function evaluateDetections(
  images: readonly DetectionImage[],
  options: DetectionEvalOptions = {},
): DetectionMetrics {
  const style = options.style ?? "ultralytics";
  const thresholds = style === "coco" ? cocoIouThresholds() : ultralyticsIouThresholds();
  const tp: boolean[][] = [];
  const conf: number[] = [];
  const predCls: number[] = [];
  const targetCls: number[] = [];
  let maxClass = -1;

  for (const image of images) {
    for (const g of image.groundTruth) {
      targetCls.push(g.cls);
      maxClass = Math.max(maxClass, g.cls);
    }
    for (const p of image.predictions) maxClass = Math.max(maxClass, p.cls);
    if (style === "ultralytics") {
      // Predictions in confidence order, as they leave NMS.
      const preds = [...image.predictions].sort((a, b) => b.conf - a.conf);
      const iou = ultralyticsBoxIou(
        image.groundTruth.map((g) => g.box),
        preds.map((p) => p.box),
        options.iouPrecision ?? "float32",
      );
      const correct = ultralyticsMatchPredictions(
        preds.map((p) => p.cls),
        image.groundTruth.map((g) => g.cls),
        iou,
        thresholds,
      );
      preds.forEach((p, i) => {
        tp.push(correct[i]);
        conf.push(options.iouPrecision === "float64" ? p.conf : Math.fround(p.conf));
        predCls.push(p.cls);
      });
    } else {
      const classes = new Set([...image.groundTruth, ...image.predictions].map((b) => b.cls));
      for (const c of [...classes].sort((a, b) => a - b)) {
        const gts = image.groundTruth.filter((g) => g.cls === c).map((g) => g.box);
        const dets = image.predictions
          .filter((p) => p.cls === c)
          .map((p) => ({ box: p.box, score: p.conf }));
        const match = cocoMatchImage(gts, dets, thresholds, options.maxDets ?? 100);
        match.detIndices.forEach((d, k) => {
          tp.push(thresholds.map((_, t) => match.matched[t][k]));
          conf.push(dets[d].score);
          predCls.push(c);
        });
      }
    }
  }

  const stats = apPerClass(tp, conf, predCls, targetCls, style);
  const samples =
    style === "coco"
      ? cocoSamples(tp, conf, predCls, stats.classes, stats.groundTruthCounts, thresholds.length)
      : null;
  const ap = samples ? samples.map((row) => row.map((q) => npSum(q) / q.length)) : stats.ap;
  // Ultralytics only processes the statistics when some prediction is a TP somewhere.
  const anyTp = tp.some((row) => row.some(Boolean));
  const zeroed = style === "ultralytics" && !anyTp;
  const names = options.names;
  const classes: DetectionClassMetrics[] = stats.classes.map((cls, ci) => ({
    cls,
    ...(names?.[cls] !== undefined ? { name: names[cls] } : {}),
    groundTruth: stats.groundTruthCounts[ci],
    predictions: stats.predictionCounts[ci],
    precision: zeroed ? 0 : stats.precision[ci],
    recall: zeroed ? 0 : stats.recall[ci],
    f1: zeroed ? 0 : stats.f1[ci],
    ap50: zeroed ? 0 : ap[ci][0],
    ap75: zeroed ? 0 : ap[ci][5],
    ap50_95: zeroed ? 0 : mean(ap[ci]),
    ap: zeroed ? ap[ci].map(() => 0) : ap[ci],
  }));
  const result: DetectionMetrics = {
    style,
    iouThresholds: thresholds,
    precision: mean(classes.map((c) => c.precision)),
    recall: mean(classes.map((c) => c.recall)),
    map50: samples ? cocoSummarize(samples, [0]) : mean(classes.map((c) => c.ap50)),
    map75: samples ? cocoSummarize(samples, [5]) : mean(classes.map((c) => c.ap75)),
    map50_95: samples
      ? cocoSummarize(
          samples,
          thresholds.map((_, t) => t),
        )
      : mean(classes.flatMap((c) => c.ap)),
    confidence: stats.confidence,
    classes,
    images: images.length,
    instances: targetCls.length,
  };
  if (options.confusion !== false) {
    const nc = options.nc ?? maxClass + 1;
    const cm = new DetectionConfusionMatrix(nc, {
      precision: options.iouPrecision,
      ...(options.confusion ?? {}),
    });
    for (const image of images) {
      // In confidence order, as detections leave NMS (the order breaks IoU ties).
      const preds = [...image.predictions].sort((a, b) => b.conf - a.conf);
      cm.addImage(preds, image.groundTruth);
    }
    result.confusion = cm.result();
  }
  return result;
}

/**
 * pycocotools' `accumulate` per class: detections of all images ranked by score (stable,
 * image order first), then 101 precision samples per IoU threshold: samples[class][t].
 */
function cocoSamples(
  tp: readonly (readonly boolean[])[],
  conf: readonly number[],
  predCls: readonly number[],
  classes: readonly number[],
  groundTruthCounts: readonly number[],
  nThresholds: number,
): Float64Array[][] {
  return classes.map((c, ci) => {
    const idx = conf
      .map((_, i) => i)
      .filter((i) => predCls[i] === c)
      .sort((a, b) => conf[b] - conf[a] || a - b);
    const row: Float64Array[] = [];
    for (let t = 0; t < nThresholds; t++) {
      const hits = idx.map((i) => tp[i][t]);
      const { recall, precision } = rankedCurves(hits, groundTruthCounts[ci]);
      row.push(cocoPrecisionSamples(recall, precision));
    }
    return row;
  });
}

/** pycocotools' `summarize`: mean of s[s > -1] over the thresholds, in (t, r, k) order. */
function cocoSummarize(
  samples: readonly Float64Array[][],
  thresholdIndices: readonly number[],
): number {
  const flat: number[] = [];
  for (const t of thresholdIndices) {
    for (let r = 0; r < 101; r++) for (const perClass of samples) flat.push(perClass[t][r]);
  }
  return flat.length ? npSum(flat) / flat.length : 0;
}
