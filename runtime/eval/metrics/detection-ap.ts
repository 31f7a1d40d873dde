/**
 * Average precision from a ranked list of detections, as Ultralytics and pycocotools
 * integrate it:
 * - Ultralytics (`utils/metrics.py` `compute_ap`, method "interp"): sentinels (0, 1) and
 *   (1, 0), the precision envelope, `np.interp` at 101 recall points, `np.trapz` — so a
 *   perfect class scores 0.995, not 1.
 * - COCO (`cocoeval.py` `accumulate`): the precision envelope sampled at 101 recall
 *   thresholds by `np.searchsorted(rc, recThrs, side="left")` (0 past the last recall),
 *   then the mean of the 101 samples.
 * And Ultralytics' `ap_per_class`: AP per class and IoU threshold, plus precision, recall
 * and F1 at the confidence that maximises the (box-filtered) mean F1 over classes.
 */
import { interp, linspace, npSum, reverseCumulativeMax, trapz } from "./numeric.js";

export type ApMethod = "ultralytics" | "coco";

const X101 = linspace(0, 1, 101);

/** Ultralytics' `compute_ap(recall, precision)` (101-point interpolation + trapezoid). */
export function ultralyticsAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  const n = recall.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  mrec[0] = 0;
  mpre[0] = 1;
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i];
    mpre[i + 1] = precision[i];
  }
  mrec[n + 1] = 1;
  mpre[n + 1] = 0;
  return trapz(interp(X101, mrec, reverseCumulativeMax(mpre)), X101);
}

/** `np.searchsorted(sorted, value, side="left")`: first index with sorted[i] >= value. */
function searchLeft(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** pycocotools' 101 recall samples of the precision envelope (`q` in `accumulate`). */
export function cocoPrecisionSamples(
  recall: ArrayLike<number>,
  precision: ArrayLike<number>,
): Float64Array {
  const pr = Float64Array.from(precision);
  for (let i = pr.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  const q = new Float64Array(X101.length);
  for (let r = 0; r < X101.length; r++) {
    const index = searchLeft(recall, X101[r]);
    if (index >= pr.length) break; // pycocotools' bare `except: pass` leaves the rest 0
    q[r] = pr[index];
  }
  return q;
}

/** COCO AP of one class at one IoU threshold: the mean of the 101 samples. */
export function cocoAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  return npSum(cocoPrecisionSamples(recall, precision)) / X101.length;
}

/** AP from recall/precision curves (detections in ranked order). */
export function averagePrecision(
  recall: ArrayLike<number>,
  precision: ArrayLike<number>,
  method: ApMethod = "ultralytics",
): number {
  return method === "coco" ? cocoAp(recall, precision) : ultralyticsAp(recall, precision);
}

/**
 * Recall and precision after each detection of a ranked list of TP/FP flags, as pycocotools
 * computes them (tp / nGt, tp / (tp + fp + ε) with ε = np.spacing(1)); Ultralytics' differ
 * only by ε, which cannot change the AP.
 */
export function rankedCurves(
  isTruePositive: readonly boolean[],
  groundTruthCount: number,
): { recall: Float64Array; precision: Float64Array } {
  const recall = new Float64Array(isTruePositive.length);
  const precision = new Float64Array(isTruePositive.length);
  let tp = 0;
  let fp = 0;
  isTruePositive.forEach((hit, i) => {
    if (hit) tp++;
    else fp++;
    recall[i] = tp / groundTruthCount;
    precision[i] = tp / (fp + tp + Number.EPSILON);
  });
  return { recall, precision };
}

/** Ultralytics' `smooth(y, f)`: a box filter of odd width round(n·f·2)//2 + 1, edge-padded. */
export function boxSmooth(y: ArrayLike<number>, fraction: number): Float64Array {
  const nf = Math.floor(roundHalfEven(y.length * fraction * 2) / 2) + 1;
  const pad = Math.floor(nf / 2);
  const padded = new Float64Array(y.length + 2 * pad);
  for (let i = 0; i < padded.length; i++) {
    padded[i] = i < pad ? y[0] : i >= pad + y.length ? y[y.length - 1] : y[i - pad];
  }
  const weight = 1 / nf;
  const out = new Float64Array(padded.length - nf + 1);
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let m = 0; m < nf; m++) sum += padded[k + m] * weight;
    out[k] = sum;
  }
  return out;
}

/** NumPy's `np.round` / Python's `round`: half to even. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function argmaxFirst(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface ApPerClassResult {
  /** Classes that have ground truth, ascending: the rows of every other field. */
  classes: number[];
  /** Ground-truth count per class. */
  groundTruthCounts: number[];
  /** Prediction count per class. */
  predictionCounts: number[];
  /** ap[c][t]: AP of class c at IoU threshold t. */
  ap: number[][];
  /** Precision, recall and F1 per class at the max-mean-F1 confidence. */
  precision: number[];
  recall: number[];
  f1: number[];
  /** Estimated TP and FP counts there (rounded half to even, as Ultralytics). */
  tp: number[];
  fp: number[];
  /** The confidence (on Ultralytics' 1000-point grid) where those are read. */
  confidence: number;
}

const EPS = 1e-16;

/**
 * Ultralytics' `ap_per_class(tp, conf, pred_cls, target_cls)`. `tp[i][t]`: whether
 * prediction i is a true positive at IoU threshold t. Predictions are ranked by confidence,
 * ties keeping their input order (a stable sort; NumPy's default sort is stable only for up
 * to 16 elements). Classes without ground truth are left out; a class with ground truth and
 * no predictions has AP 0.
 */
export function apPerClass(
  tp: readonly (readonly boolean[])[],
  conf: readonly number[],
  predCls: readonly number[],
  targetCls: readonly number[],
  method: ApMethod = "ultralytics",
): ApPerClassResult {
  const nThresholds = tp.length ? tp[0].length : 1;
  const order = conf.map((_, i) => i).sort((a, b) => conf[b] - conf[a] || a - b);
  const counts = new Map<number, number>();
  for (const c of targetCls) counts.set(c, (counts.get(c) ?? 0) + 1);
  const classes = [...counts.keys()].sort((a, b) => a - b);
  const nt = classes.map((c) => counts.get(c)!);
  const x = linspace(0, 1, 1000);
  const negX = x.map((v) => -v);
  const ap = classes.map(() => new Array<number>(nThresholds).fill(0));
  const pCurve: Float64Array[] = classes.map(() => new Float64Array(1000));
  const rCurve: Float64Array[] = classes.map(() => new Float64Array(1000));
  const predictionCounts = classes.map(() => 0);

  classes.forEach((c, ci) => {
    const idx = order.filter((i) => predCls[i] === c);
    predictionCounts[ci] = idx.length;
    const nL = nt[ci];
    if (idx.length === 0 || nL === 0) return;
    const negConf = idx.map((i) => -conf[i]);
    for (let t = 0; t < nThresholds; t++) {
      const recall = new Float64Array(idx.length);
      const precision = new Float64Array(idx.length);
      let tpc = 0;
      let fpc = 0;
      idx.forEach((i, k) => {
        if (tp[i][t]) tpc++;
        else fpc++;
        recall[k] = tpc / (nL + EPS);
        precision[k] = tpc / (tpc + fpc);
      });
      if (t === 0) {
        rCurve[ci] = interp(negX, negConf, recall, 0);
        pCurve[ci] = interp(negX, negConf, precision, 1);
      }
      ap[ci][t] = averagePrecision(recall, precision, method);
    }
  });

  // Mean F1 over classes (a sequential sum over rows, as NumPy reduces axis 0), smoothed.
  const f1Curve = classes.map((_, ci) =>
    pCurve[ci].map((p, k) => (2 * p * rCurve[ci][k]) / (p + rCurve[ci][k] + EPS)),
  );
  const meanF1 = new Float64Array(1000);
  for (let k = 0; k < 1000; k++) {
    let sum = 0;
    for (const row of f1Curve) sum += row[k];
    meanF1[k] = sum / Math.max(classes.length, 1);
  }
  const best = classes.length ? argmaxFirst(boxSmooth(meanF1, 0.1)) : 0;
  const precision = classes.map((_, ci) => pCurve[ci][best]);
  const recall = classes.map((_, ci) => rCurve[ci][best]);
  const f1 = classes.map((_, ci) => f1Curve[ci][best]);
  const tpAt = recall.map((r, ci) => roundHalfEven(r * nt[ci]));
  const fpAt = tpAt.map((t, ci) => roundHalfEven(t / (precision[ci] + EPS) - t));
  return {
    classes,
    groundTruthCounts: nt,
    predictionCounts,
    ap,
    precision,
    recall,
    f1,
    tp: tpAt,
    fp: fpAt,
    confidence: x[best],
  };
}
