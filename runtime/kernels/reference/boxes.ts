/** CPU references for box decoding, the IoU matrix and the IoU-family metrics (float64). */
import type { BoxDecodeShape } from "../box-decode.js";
import { BOX_IOU_EPS, type IouKind } from "../box-iou-loss.js";

type Num = ArrayLike<number>;

function predIndex(shape: BoxDecodeShape, b: number, a: number, k: number): number {
  return shape.layout === "channels-first"
    ? (b * 4 + k) * shape.anchors + a
    : (b * shape.anchors + a) * 4 + k;
}

export function boxDecodeRef(
  shape: BoxDecodeShape,
  pred: Num,
  points: Num,
  strides: Num,
): Float64Array {
  const out = new Float64Array(shape.batch * shape.anchors * 4);
  for (let b = 0; b < shape.batch; b++) {
    for (let a = 0; a < shape.anchors; a++) {
      const v = [0, 1, 2, 3].map((k) => pred[predIndex(shape, b, a, k)]);
      const [ax, ay, s] = [points[2 * a], points[2 * a + 1], strides[a]];
      const o = (b * shape.anchors + a) * 4;
      if (shape.mode === "ltrb") {
        out.set([(ax - v[0]) * s, (ay - v[1]) * s, (ax + v[2]) * s, (ay + v[3]) * s], o);
      } else {
        const cx = (ax + v[0]) * s;
        const cy = (ay + v[1]) * s;
        const w = Math.exp(v[2]) * s;
        const h = Math.exp(v[3]) * s;
        out.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], o);
      }
    }
  }
  return out;
}

export function boxDecodeBackwardRef(
  shape: BoxDecodeShape,
  pred: Num,
  strides: Num,
  dBoxes: Num,
): Float64Array {
  const d = new Float64Array(shape.batch * shape.anchors * 4);
  for (let b = 0; b < shape.batch; b++) {
    for (let a = 0; a < shape.anchors; a++) {
      const o = (b * shape.anchors + a) * 4;
      const [g0, g1, g2, g3] = [dBoxes[o], dBoxes[o + 1], dBoxes[o + 2], dBoxes[o + 3]];
      const s = strides[a];
      let r: number[];
      if (shape.mode === "ltrb") {
        r = [-g0 * s, -g1 * s, g2 * s, g3 * s];
      } else {
        const w = Math.exp(pred[predIndex(shape, b, a, 2)]) * s;
        const h = Math.exp(pred[predIndex(shape, b, a, 3)]) * s;
        r = [(g0 + g2) * s, (g1 + g3) * s, ((g2 - g0) / 2) * w, ((g3 - g1) / 2) * h];
      }
      r.forEach((v, k) => (d[predIndex(shape, b, a, k)] = v));
    }
  }
  return d;
}

/** IoU of two xyxy boxes (torchvision arithmetic; 0 where the union is not positive). */
export function boxIou(a: Num, ai: number, b: Num, bi: number): number {
  const areaA = (a[ai + 2] - a[ai]) * (a[ai + 3] - a[ai + 1]);
  const areaB = (b[bi + 2] - b[bi]) * (b[bi + 3] - b[bi + 1]);
  const w = Math.max(Math.min(a[ai + 2], b[bi + 2]) - Math.max(a[ai], b[bi]), 0);
  const h = Math.max(Math.min(a[ai + 3], b[bi + 3]) - Math.max(a[ai + 1], b[bi + 1]), 0);
  const inter = w * h;
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

export function boxIouMatrixRef(a: Num, b: Num): Float64Array {
  const n = a.length / 4;
  const m = b.length / 4;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) out[i * m + j] = boxIou(a, 4 * i, b, 4 * j);
  return out;
}

const K = 4 / (Math.PI * Math.PI);

/** One pair: the metric (Ultralytics bbox_iou arithmetic) and, optionally, ∂metric/∂pred. */
function metricPair(
  kind: IouKind,
  a: number[],
  b: number[],
  eps: number,
  g: number | null,
  frozenAlpha?: number,
) {
  const w1 = a[2] - a[0];
  const h1 = a[3] - a[1] + eps;
  const w2 = b[2] - b[0];
  const h2 = b[3] - b[1] + eps;
  const iwRaw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ihRaw = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const iw = Math.max(iwRaw, 0);
  const ih = Math.max(ihRaw, 0);
  const inter = iw * ih;
  const union = w1 * h1 + w2 * h2 - inter + eps;
  const iou = inter / union;
  const cw = Math.max(a[2], b[2]) - Math.min(a[0], b[0]);
  const ch = Math.max(a[3], b[3]) - Math.min(a[1], b[1]);
  let m = iou;
  let alpha = 0;
  let dAt = 0;
  let v = 0;
  const c2 = cw * cw + ch * ch + eps;
  const dx = b[0] + b[2] - a[0] - a[2];
  const dy = b[1] + b[3] - a[1] - a[3];
  const rho2 = (dx * dx + dy * dy) / 4;
  const cArea = cw * ch + eps;
  if (kind === "giou") m = iou - (cArea - union) / cArea;
  if (kind === "diou" || kind === "ciou") m = iou - rho2 / c2;
  if (kind === "ciou") {
    dAt = Math.atan(w2 / h2) - Math.atan(w1 / h1);
    v = K * dAt * dAt;
    alpha = frozenAlpha ?? v / (v - iou + (1 + eps));
    m -= v * alpha;
  }
  if (g === null) return { m, grad: null };
  const dMin = (p: number, q: number) => (p < q ? 1 : p === q ? 0.5 : 0);
  const dMax = (p: number, q: number) => (p > q ? 1 : p === q ? 0.5 : 0);
  const gA = [0, 0, 0, 0];
  let gUnion = 0;
  let gW1 = 0;
  let gH1 = 0;
  let gCw = 0;
  let gCh = 0;
  if (kind === "giou") {
    gUnion += g / cArea;
    const gC = (-g * union) / (cArea * cArea);
    gCw += gC * ch;
    gCh += gC * cw;
  } else if (kind === "diou" || kind === "ciou") {
    const gRho2 = -g / c2;
    const gC2 = (g * rho2) / (c2 * c2);
    gCw += gC2 * 2 * cw;
    gCh += gC2 * 2 * ch;
    const gDx = gRho2 * dx * 0.5;
    const gDy = gRho2 * dy * 0.5;
    gA[0] -= gDx;
    gA[2] -= gDx;
    gA[1] -= gDy;
    gA[3] -= gDy;
    if (kind === "ciou") {
      const gAt1 = -g * alpha * (-2 * K * dAt);
      const r2 = w1 * w1 + h1 * h1;
      gW1 += (gAt1 * h1) / r2;
      gH1 -= (gAt1 * w1) / r2;
    }
  }
  let gInter = g / union;
  gUnion -= (g * iou) / union;
  gW1 += gUnion * h1;
  gH1 += gUnion * w1;
  gInter -= gUnion;
  const gIw = iwRaw >= 0 ? gInter * ih : 0;
  const gIh = ihRaw >= 0 ? gInter * iw : 0;
  gA[2] += gIw * dMin(a[2], b[2]) + gCw * dMax(a[2], b[2]) + gW1;
  gA[0] -= gIw * dMax(a[0], b[0]) + gCw * dMin(a[0], b[0]) + gW1;
  gA[3] += gIh * dMin(a[3], b[3]) + gCh * dMax(a[3], b[3]) + gH1;
  gA[1] -= gIh * dMax(a[1], b[1]) + gCh * dMin(a[1], b[1]) + gH1;
  return { m, grad: gA };
}

function pair(x: Num, i: number): number[] {
  return [x[4 * i], x[4 * i + 1], x[4 * i + 2], x[4 * i + 3]];
}

/** The metric per pair; `frozenAlpha` replaces CIoU's α (for finite-difference checks). */
export function boxIouMetricRef(
  kind: IouKind,
  pred: Num,
  target: Num,
  eps = BOX_IOU_EPS,
  frozenAlpha?: Num,
): Float64Array {
  const n = pred.length / 4;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = metricPair(kind, pair(pred, i), pair(target, i), eps, null, frozenAlpha?.[i]).m;
  return out;
}

/** CIoU's trade-off weight α = v/(v − iou + 1 + eps) per pair. */
export function ciouAlphaRef(pred: Num, target: Num, eps = BOX_IOU_EPS): Float64Array {
  const n = pred.length / 4;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b] = [pair(pred, i), pair(target, i)];
    const iou = metricPair("iou", a, b, eps, null).m;
    const dAt =
      Math.atan((b[2] - b[0]) / (b[3] - b[1] + eps)) -
      Math.atan((a[2] - a[0]) / (a[3] - a[1] + eps));
    const v = K * dAt * dAt;
    out[i] = v / (v - iou + (1 + eps));
  }
  return out;
}

/** ∂metric/∂pred · dMetric with α held constant (the kernel's definition). */
export function boxIouMetricBackwardRef(
  kind: IouKind,
  pred: Num,
  target: Num,
  dMetric: Num,
  eps = BOX_IOU_EPS,
): Float64Array {
  const n = pred.length / 4;
  const out = new Float64Array(n * 4);
  for (let i = 0; i < n; i++)
    out.set(metricPair(kind, pair(pred, i), pair(target, i), eps, dMetric[i]).grad!, 4 * i);
  return out;
}
