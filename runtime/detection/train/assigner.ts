/**
 * Task-aligned assignment (TOOD; Ultralytics' `TaskAlignedAssigner`, topk 10, α 0.5, β 6), on
 * the host for one image. For ground truth g and anchor a whose centre lies inside g:
 *
 *   t(g, a) = s(a, cls_g)^α · CIoU(g, box_a)^β          (CIoU clamped at 0)
 *
 * each g takes its top-k anchors by t (ties: lower anchor index first), restricted to anchors
 * inside it; an anchor claimed by several g keeps the one it overlaps most (ties: lower g). The
 * soft target of a positive anchor is t normalised per g so its best anchor scores that g's
 * best IoU: score = t · max_a IoU(g) / max_a t(g).
 */
export interface AssignerOptions {
  topk?: number;
  alpha?: number;
  beta?: number;
  eps?: number;
}

export interface AssignerInput {
  numClasses: number;
  /** [A, 2] anchor centres in pixels. */
  anchors: ArrayLike<number>;
  /** Predicted class probabilities, channels-first: score of class c at anchor a is [c·A + a]. */
  scores: ArrayLike<number>;
  /** [A, 4] predicted xyxy boxes in pixels. */
  boxes: ArrayLike<number>;
  /** [G, 4] ground-truth xyxy boxes in pixels. */
  gtBoxes: ArrayLike<number>;
  /** [G] ground-truth classes. */
  gtLabels: ArrayLike<number>;
}

export interface Assignment {
  /** [A] 1 for positive anchors. */
  foreground: Uint8Array;
  /** [A] index of the assigned ground truth (−1 for background). */
  gtIndex: Int32Array;
  /** [A] the assigned class (−1 for background). */
  labels: Int32Array;
  /** [A] soft target score of the assigned class (0 for background). */
  scores: Float32Array;
  /** [A, 4] the assigned ground-truth box (zeros for background). */
  boxes: Float32Array;
  positives: number;
}

/** Ultralytics' `bbox_iou(..., CIoU=True)` for two xyxy boxes, eps 1e-7. */
export function ciou(
  a: ArrayLike<number>,
  ai: number,
  b: ArrayLike<number>,
  bi: number,
  eps = 1e-7,
): number {
  const [ax1, ay1, ax2, ay2] = [a[ai], a[ai + 1], a[ai + 2], a[ai + 3]];
  const [bx1, by1, bx2, by2] = [b[bi], b[bi + 1], b[bi + 2], b[bi + 3]];
  const w1 = ax2 - ax1;
  const h1 = ay2 - ay1 + eps;
  const w2 = bx2 - bx1;
  const h2 = by2 - by1 + eps;
  const inter =
    Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1)) *
    Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const union = w1 * h1 + w2 * h2 - inter + eps;
  const iou = inter / union;
  const cw = Math.max(ax2, bx2) - Math.min(ax1, bx1);
  const ch = Math.max(ay2, by2) - Math.min(ay1, by1);
  const c2 = cw * cw + ch * ch + eps;
  const rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4;
  const v = (4 / Math.PI ** 2) * (Math.atan(w2 / h2) - Math.atan(w1 / h1)) ** 2;
  const alpha = v / (v - iou + (1 + eps));
  return iou - (rho2 / c2 + v * alpha);
}

export function assignTaskAligned(input: AssignerInput, options: AssignerOptions = {}): Assignment {
  const topk = options.topk ?? 10;
  const alpha = options.alpha ?? 0.5;
  const beta = options.beta ?? 6;
  const eps = options.eps ?? 1e-9;
  const A = input.anchors.length / 2;
  const G = input.gtLabels.length;
  const nc = input.numClasses;
  const out: Assignment = {
    foreground: new Uint8Array(A),
    gtIndex: new Int32Array(A).fill(-1),
    labels: new Int32Array(A).fill(-1),
    scores: new Float32Array(A),
    boxes: new Float32Array(A * 4),
    positives: 0,
  };
  if (G === 0) return out;

  const { anchors, gtBoxes, gtLabels, scores, boxes } = input;
  // Per (g, a): overlap and alignment, only for anchors inside g (others stay 0).
  const overlap = new Float64Array(G * A);
  const align = new Float64Array(G * A);
  const inside = new Uint8Array(G * A);
  for (let g = 0; g < G; g++) {
    const cls = gtLabels[g];
    if (!(cls >= 0 && cls < nc))
      throw new Error(`assigner: ground-truth class ${cls} outside 0..${nc - 1}`);
    const [x1, y1, x2, y2] = [
      gtBoxes[4 * g],
      gtBoxes[4 * g + 1],
      gtBoxes[4 * g + 2],
      gtBoxes[4 * g + 3],
    ];
    for (let a = 0; a < A; a++) {
      const ax = anchors[2 * a];
      const ay = anchors[2 * a + 1];
      if (Math.min(ax - x1, ay - y1, x2 - ax, y2 - ay) <= eps) continue;
      const k = g * A + a;
      inside[k] = 1;
      const iou = Math.max(0, ciou(gtBoxes, 4 * g, boxes, 4 * a));
      overlap[k] = iou;
      align[k] = Math.pow(scores[cls * A + a], alpha) * Math.pow(iou, beta);
    }
  }
  // Top-k anchors per ground truth (over all anchors, as torch.topk over the masked metric),
  // kept only where the anchor is inside the box.
  const claimed = new Uint8Array(G * A);
  const order = new Int32Array(A);
  for (let g = 0; g < G; g++) {
    for (let a = 0; a < A; a++) order[a] = a;
    const row = align.subarray(g * A, (g + 1) * A);
    const picked = partialTopK(order, row, Math.min(topk, A));
    for (const a of picked) if (inside[g * A + a]) claimed[g * A + a] = 1;
  }
  // Resolve anchors claimed by several ground truths: the largest overlap wins.
  for (let a = 0; a < A; a++) {
    let count = 0;
    let only = -1;
    for (let g = 0; g < G; g++) {
      if (claimed[g * A + a]) {
        count++;
        only = g;
      }
    }
    if (count === 0) continue;
    let best = only;
    if (count > 1) {
      best = 0;
      for (let g = 1; g < G; g++) if (overlap[g * A + a] > overlap[best * A + a]) best = g;
      for (let g = 0; g < G; g++) claimed[g * A + a] = g === best ? 1 : 0;
    }
    out.foreground[a] = 1;
    out.gtIndex[a] = best;
    out.labels[a] = gtLabels[best];
    for (let k = 0; k < 4; k++) out.boxes[4 * a + k] = gtBoxes[4 * best + k];
    out.positives++;
  }
  // Normalised alignment as the soft class target.
  for (let g = 0; g < G; g++) {
    let maxAlign = 0;
    let maxOverlap = 0;
    for (let a = 0; a < A; a++) {
      if (!claimed[g * A + a]) continue;
      maxAlign = Math.max(maxAlign, align[g * A + a]);
      maxOverlap = Math.max(maxOverlap, overlap[g * A + a]);
    }
    for (let a = 0; a < A; a++) {
      if (!claimed[g * A + a]) continue;
      const norm = (align[g * A + a] * maxOverlap) / (maxAlign + eps);
      out.scores[a] = Math.max(out.scores[a], norm);
    }
  }
  return out;
}

/** The k indices with the largest values (descending; ties → lower index first). */
function partialTopK(order: Int32Array, values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < order.length; i++) {
    const a = order[i];
    const v = values[a];
    if (best.length === k && v <= values[best[k - 1]]) continue;
    let pos = best.length;
    while (pos > 0 && values[best[pos - 1]] < v) pos--;
    best.splice(pos, 0, a);
    if (best.length > k) best.pop();
  }
  return best;
}
