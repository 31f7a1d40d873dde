/**
 * Matching detections to ground truth, two ways:
 * - Ultralytics (`BaseValidator.match_predictions`, ultralytics 8.x): per IoU threshold, all
 *   same-class pairs with IoU ≥ t, sorted by IoU descending, then one match per prediction
 *   and one per ground truth through two `np.unique(..., return_index=True)` passes. Note
 *   the second pass keeps, for each ground truth, the pair with the *lowest prediction
 *   index* among the survivors (the first pass re-sorts by prediction), which is what
 *   Ultralytics does; predictions arrive sorted by confidence, so that is the most confident.
 *   IoU as `box_iou` computes it: float32, with eps = 1e-7 in the denominator.
 * - COCO (`pycocotools.cocoeval.COCOeval.evaluateImg`): detections in score order (stable),
 *   each takes the best still-free ground truth with IoU ≥ min(t, 1 − 1e−10) (ties → the
 *   later ground truth), IoU in float64 without eps, at most 100 detections per image and
 *   class.
 */

/** [x1, y1, x2, y2] in pixels (or any consistent unit). */
export type Box = readonly [number, number, number, number];

/** Which arithmetic the IoU follows: Ultralytics' float32 tensors, or float64. */
export type IouPrecision = "float32" | "float64";

const f32 = Math.fround;
const EPS_F32 = Math.fround(1e-7);

/** Ultralytics' `box_iou(box1, box2, eps=1e-7)`: matrix [box1.length][box2.length]. */
export function ultralyticsBoxIou(
  boxes1: readonly Box[],
  boxes2: readonly Box[],
  precision: IouPrecision = "float32",
): number[][] {
  const r = precision === "float32" ? f32 : (v: number) => v;
  const eps = precision === "float32" ? EPS_F32 : 1e-7;
  const area = (b: Box): number => r(r(r(b[2]) - r(b[0])) * r(r(b[3]) - r(b[1])));
  const areas2 = boxes2.map(area);
  return boxes1.map((a) => {
    const areaA = area(a);
    return boxes2.map((b, j) => {
      const w = Math.max(r(Math.min(r(a[2]), r(b[2])) - Math.max(r(a[0]), r(b[0]))), 0);
      const h = Math.max(r(Math.min(r(a[3]), r(b[3])) - Math.max(r(a[1]), r(b[1]))), 0);
      const inter = r(w * h);
      return r(inter / r(r(r(areaA + areas2[j]) - inter) + eps));
    });
  });
}

/**
 * `torch.linspace(0.5, 0.95, 10)` in float32, as Ultralytics' `iouv`: torch fills the first
 * half as start + step·i and the second half as end − step·(n − 1 − i).
 */
export function ultralyticsIouThresholds(): number[] {
  const start = f32(0.5);
  const end = f32(0.95);
  const steps = 10;
  const step = f32(f32(end - start) / (steps - 1));
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    out.push(i < steps / 2 ? f32(start + f32(step * i)) : f32(end - f32(step * (steps - i - 1))));
  }
  return out;
}

/** pycocotools' `iouThrs = np.linspace(.5, 0.95, 10)` (float64). */
export function cocoIouThresholds(): number[] {
  const step = (0.95 - 0.5) / 9;
  const out: number[] = [];
  for (let i = 0; i < 10; i++) out.push(i * step + 0.5);
  out[9] = 0.95;
  return out;
}

/** Indices of `values` sorted ascending, stable (ties keep their order). */
function stableArgsort(values: readonly number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
}

/** `np.unique(keys, return_index=True)[1]`: first index of each distinct key, by key. */
function uniqueFirstIndices(keys: readonly number[]): number[] {
  const first = new Map<number, number>();
  keys.forEach((k, i) => {
    if (!first.has(k)) first.set(k, i);
  });
  return [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, i]) => i);
}

/**
 * Ultralytics' `match_predictions`: `correct[p][t]` for prediction p at threshold t.
 * `iou[g][p]` is ground truth × prediction. Ties in IoU are broken as a stable ascending
 * sort then reversal would (NumPy's default sort is stable for up to 16 candidate pairs).
 */
export function ultralyticsMatchPredictions(
  predClasses: readonly number[],
  trueClasses: readonly number[],
  iou: readonly (readonly number[])[],
  thresholds: readonly number[],
): boolean[][] {
  const correct = predClasses.map(() => thresholds.map(() => false));
  thresholds.forEach((threshold, t) => {
    let matches: [number, number, number][] = [];
    trueClasses.forEach((gc, g) => {
      predClasses.forEach((pc, p) => {
        const v = gc === pc ? iou[g][p] : 0;
        if (v >= threshold) matches.push([g, p, v]);
      });
    });
    if (matches.length > 1) {
      const ascending = stableArgsort(matches.map((m) => m[2]));
      matches = ascending.reverse().map((i) => matches[i]);
      matches = uniqueFirstIndices(matches.map((m) => m[1])).map((i) => matches[i]);
      matches = uniqueFirstIndices(matches.map((m) => m[0])).map((i) => matches[i]);
    }
    for (const [, p] of matches) correct[p][t] = true;
  });
  return correct;
}

/** pycocotools' `maskApi.c` bbIou for boxes in [x, y, w, h] (float64, no eps). */
export function cocoBoxIou(det: readonly number[], gt: readonly number[]): number {
  const w = Math.min(det[2] + det[0], gt[2] + gt[0]) - Math.max(det[0], gt[0]);
  if (w <= 0) return 0;
  const h = Math.min(det[3] + det[1], gt[3] + gt[1]) - Math.max(det[1], gt[1]);
  if (h <= 0) return 0;
  const i = w * h;
  return i / (det[2] * det[3] + gt[2] * gt[3] - i);
}

/** [x1, y1, x2, y2] → COCO's [x, y, w, h]. */
export function toXywh(box: Box): [number, number, number, number] {
  return [box[0], box[1], box[2] - box[0], box[3] - box[1]];
}

export interface CocoImageMatch {
  /** Indices (into the given detections) kept: score order, at most maxDets. */
  detIndices: number[];
  /** matched[t][d]: whether kept detection d matched a ground truth at threshold t. */
  matched: boolean[][];
}

/**
 * pycocotools' `evaluateImg` for one image and one class, no crowd or ignored regions,
 * area range "all". `gts` and `dets` hold boxes already restricted to the class.
 */
export function cocoMatchImage(
  gts: readonly Box[],
  dets: readonly { box: Box; score: number }[],
  thresholds: readonly number[],
  maxDets = 100,
): CocoImageMatch {
  const order = dets
    .map((_, i) => i)
    .sort((a, b) => -dets[a].score - -dets[b].score || a - b)
    .slice(0, maxDets);
  const g = gts.map(toXywh);
  const ious = order.map((d) => {
    const db = toXywh(dets[d].box);
    return g.map((gb) => cocoBoxIou(db, gb));
  });
  const matched = thresholds.map((t) => {
    const gtTaken = gts.map(() => false);
    return order.map((_, d) => {
      let best = Math.min(t, 1 - 1e-10);
      let m = -1;
      for (let gi = 0; gi < gts.length; gi++) {
        if (gtTaken[gi]) continue;
        if (ious[d][gi] < best) continue;
        best = ious[d][gi];
        m = gi;
      }
      if (m === -1) return false;
      gtTaken[m] = true;
      return true;
    });
  });
  return { detIndices: order, matched };
}
