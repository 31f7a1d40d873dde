/**
 * Ultralytics' detection confusion matrix (`utils/metrics.py` `ConfusionMatrix`, task
 * "detect"): (nc + 1) × (nc + 1), rows = predicted class, columns = true class, the last
 * row and column = background. Per image: detections with confidence > conf (0.25) are
 * matched to ground truth of any class by IoU > iouThreshold (0.45), one match per
 * detection and per ground truth, highest IoU first. A matched pair counts at
 * [predicted, true]; an unmatched ground truth at [background, true]; an unmatched
 * detection at [predicted, background] — but, as in Ultralytics, only when the image had at
 * least one match.
 */
import { ultralyticsBoxIou, type Box, type IouPrecision } from "./detection-match.js";

export interface ConfusionOptions {
  /** Detections with confidence strictly above this count (Ultralytics: 0.25). */
  conf?: number;
  /** Pairs with IoU strictly above this match (Ultralytics: 0.45). */
  iouThreshold?: number;
  precision?: IouPrecision;
}

export interface ConfusionMatrixResult {
  /** matrix[predicted][true], background last. */
  matrix: number[][];
  /** Per class: diagonal (TP) and row sum minus diagonal (FP), background excluded. */
  tp: number[];
  fp: number[];
}

function stableArgsortDescending(values: readonly number[]): number[] {
  const ascending = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  return ascending.reverse();
}

function uniqueFirst<T>(rows: readonly T[], key: (row: T) => number): T[] {
  const first = new Map<number, T>();
  for (const row of rows) {
    const k = key(row);
    if (!first.has(k)) first.set(k, row);
  }
  return [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

export class DetectionConfusionMatrix {
  readonly nc: number;
  readonly matrix: number[][];
  private readonly conf: number;
  private readonly iouThreshold: number;
  private readonly precision: IouPrecision;

  constructor(nc: number, options: ConfusionOptions = {}) {
    this.nc = nc;
    this.matrix = Array.from({ length: nc + 1 }, () => new Array<number>(nc + 1).fill(0));
    this.conf = options.conf ?? 0.25;
    this.iouThreshold = options.iouThreshold ?? 0.45;
    this.precision = options.precision ?? "float32";
  }

  private checkClass(cls: number): void {
    if (!Number.isInteger(cls) || cls < 0 || cls >= this.nc) {
      throw new RangeError(`confusion matrix: class ${cls} is outside 0..${this.nc - 1}`);
    }
  }

  /** Ultralytics' `process_batch` for one image. */
  addImage(
    detections: readonly { box: Box; cls: number; conf: number }[],
    groundTruth: readonly { box: Box; cls: number }[],
  ): void {
    const nc = this.nc;
    const kept = detections.filter((d) => d.conf > this.conf);
    for (const d of kept) this.checkClass(d.cls);
    for (const g of groundTruth) this.checkClass(g.cls);
    if (groundTruth.length === 0) {
      for (const d of kept) this.matrix[d.cls][nc] += 1;
      return;
    }
    const iou = ultralyticsBoxIou(
      groundTruth.map((g) => g.box),
      kept.map((d) => d.box),
      this.precision,
    );
    let matches: [number, number, number][] = [];
    iou.forEach((row, g) =>
      row.forEach((v, d) => {
        if (v > this.iouThreshold) matches.push([g, d, v]);
      }),
    );
    if (matches.length > 1) {
      matches = stableArgsortDescending(matches.map((m) => m[2])).map((i) => matches[i]);
      matches = uniqueFirst(matches, (m) => m[1]);
      matches = stableArgsortDescending(matches.map((m) => m[2])).map((i) => matches[i]);
      matches = uniqueFirst(matches, (m) => m[0]);
    }
    const anyMatch = matches.length > 0;
    groundTruth.forEach((g, gi) => {
      const m = matches.find((row) => row[0] === gi);
      if (anyMatch && m) this.matrix[kept[m[1]].cls][g.cls] += 1;
      else this.matrix[nc][g.cls] += 1;
    });
    if (anyMatch) {
      kept.forEach((d, di) => {
        if (!matches.some((row) => row[1] === di)) this.matrix[d.cls][nc] += 1;
      });
    }
  }

  result(): ConfusionMatrixResult {
    const tp: number[] = [];
    const fp: number[] = [];
    for (let c = 0; c < this.nc; c++) {
      const diag = this.matrix[c][c];
      tp.push(diag);
      fp.push(this.matrix[c].reduce((s, v) => s + v, 0) - diag);
    }
    return { matrix: this.matrix.map((row) => [...row]), tp, fp };
  }
}
