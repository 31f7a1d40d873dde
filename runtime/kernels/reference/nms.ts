/**
 * CPU reference NMS with torchvision's semantics and float32 arithmetic (every operation is
 * rounded with Math.fround, which gives IEEE single-precision results for + − × ÷), so it makes
 * the same decisions as torchvision's CPU kernel even for IoUs a rounding error from the
 * threshold. Scores are ordered descending, ties by ascending index (stable sort).
 */
const f = Math.fround;

export interface NmsRefOptions {
  iouThreshold: number;
  maxDetections?: number;
  scoreThreshold?: number;
  /** Category per box: boxes of different categories never suppress each other. */
  classes?: ArrayLike<number>;
}

/** Indices ordered by descending score, ties by index; NaN and ≤ threshold dropped. */
export function sortByScoreRef(scores: ArrayLike<number>, scoreThreshold?: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (Number.isNaN(s) || (scoreThreshold !== undefined && !(s > scoreThreshold))) continue;
    order.push(i);
  }
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

/** Kept indices in descending score order. */
export function nmsRef(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: NmsRefOptions,
): number[] {
  const n = scores.length;
  let b: Float32Array = Float32Array.from(boxes);
  if (options.classes) {
    // torchvision's coordinate trick, in float32: boxes + class · (max coordinate + 1).
    let maxCoord = -Infinity;
    for (let k = 0; k < 4 * n; k++) maxCoord = Math.max(maxCoord, b[k]);
    const step = f(maxCoord + 1);
    const shifted = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const offset = f(options.classes[i] * step);
      for (let k = 0; k < 4; k++) shifted[4 * i + k] = f(b[4 * i + k] + offset);
    }
    b = shifted;
  }
  const areas = new Float32Array(n);
  for (let i = 0; i < n; i++)
    areas[i] = f(f(b[4 * i + 2] - b[4 * i]) * f(b[4 * i + 3] - b[4 * i + 1]));
  const order = sortByScoreRef(scores, options.scoreThreshold);
  const maxDet = options.maxDetections ?? n;
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let oi = 0; oi < order.length && keep.length < maxDet; oi++) {
    const i = order[oi];
    if (suppressed[i]) continue;
    keep.push(i);
    const [x1, y1, x2, y2] = [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]];
    for (let oj = oi + 1; oj < order.length; oj++) {
      const j = order[oj];
      if (suppressed[j]) continue;
      const w = Math.max(0, f(Math.min(x2, b[4 * j + 2]) - Math.max(x1, b[4 * j])));
      const h = Math.max(0, f(Math.min(y2, b[4 * j + 3]) - Math.max(y1, b[4 * j + 1])));
      const inter = f(w * h);
      const union = f(f(areas[i] + areas[j]) - inter);
      const iou = union > 0 ? f(inter / union) : 0;
      if (iou > options.iouThreshold) suppressed[j] = 1;
    }
  }
  return keep;
}
