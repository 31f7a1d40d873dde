/**
 * Precision–recall curves at IoU 0.5 per class (Ultralytics' PR_curve.png): detections matched
 * as the validator does (Ultralytics `match_predictions` at the first threshold), ranked by
 * confidence; the plotted precision is the envelope (monotone, as in `compute_ap`) sampled on
 * 101 recall points. Drawn with runtime/image: axes with ticks, one curve per class, a legend
 * with each class's AP50, and the mean in the title.
 */
import { rankedCurves } from "../../eval/metrics/detection-ap.js";
import {
  ultralyticsBoxIou,
  ultralyticsIouThresholds,
  ultralyticsMatchPredictions,
} from "../../eval/metrics/detection-match.js";
import type { DetectionImage, DetectionMetrics } from "../../eval/metrics/detection-eval.js";
import { createImage, type Rgb, type RgbImage } from "../../image/rgb-image.js";
import { classColor, drawText, fillRect, textSize } from "../../image/draw.js";

export interface PrCurve {
  cls: number;
  name: string;
  groundTruth: number;
  /** 101 recall points 0, 0.01, …, 1. */
  recall: number[];
  /** Envelope precision at those points. */
  precision: number[];
}

export function precisionRecallCurves(
  images: readonly DetectionImage[],
  names: readonly string[],
): PrCurve[] {
  const iou50 = [ultralyticsIouThresholds()[0]];
  const perClass = names.map(() => ({ conf: [] as number[], tp: [] as boolean[], gt: 0 }));
  for (const image of images) {
    for (const g of image.groundTruth) if (perClass[g.cls]) perClass[g.cls].gt++;
    const preds = [...image.predictions].sort((a, b) => b.conf - a.conf);
    const iou = ultralyticsBoxIou(
      image.groundTruth.map((g) => g.box),
      preds.map((p) => p.box),
    );
    const correct = ultralyticsMatchPredictions(
      preds.map((p) => p.cls),
      image.groundTruth.map((g) => g.cls),
      iou,
      iou50,
    );
    preds.forEach((p, i) => {
      if (!perClass[p.cls]) return;
      perClass[p.cls].conf.push(p.conf);
      perClass[p.cls].tp.push(correct[i][0]);
    });
  }
  const grid = Array.from({ length: 101 }, (_, i) => i / 100);
  return perClass.map((c, cls) => {
    const order = c.conf.map((_, i) => i).sort((a, b) => c.conf[b] - c.conf[a] || a - b);
    const { recall, precision } = rankedCurves(
      order.map((i) => c.tp[i]),
      Math.max(c.gt, 1),
    );
    // Envelope with sentinels, as compute_ap.
    const mrec = [0, ...recall, 1];
    const mpre = [1, ...precision, 0];
    for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
    const sampled = grid.map((r) => interp(r, mrec, mpre));
    return {
      cls,
      name: names[cls],
      groundTruth: c.gt,
      recall: grid,
      precision: c.gt > 0 ? sampled : grid.map(() => 0),
    };
  });
}

/** np.interp on an increasing x (repeated x: the last value at that x wins to the right). */
function interp(x: number, xs: readonly number[], ys: readonly number[]): number {
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {
    if (x < xs[i]) {
      const x0 = xs[i - 1];
      const t = xs[i] === x0 ? 1 : (x - x0) / (xs[i] - x0);
      return ys[i - 1] + t * (ys[i] - ys[i - 1]);
    }
  }
  return ys[ys.length - 1];
}

/** Curve colours: the class palette stepped by 7, so neighbouring classes differ in hue. */
export function curveColor(cls: number): Rgb {
  return classColor((cls * 7) % 20);
}

/** A line of width `w` (filled squares along a DDA walk). */
export function drawLine(
  img: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Rgb,
  w = 2,
): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  const h = w / 2;
  for (let k = 0; k <= steps; k++) {
    const x = x0 + ((x1 - x0) * k) / steps;
    const y = y0 + ((y1 - y0) * k) / steps;
    fillRect(img, x - h, y - h, x + h, y + h, color);
  }
}

export interface PrPlotOptions {
  width?: number;
  height?: number;
}

export function drawPrCurves(
  curves: readonly PrCurve[],
  metrics: Pick<DetectionMetrics, "map50" | "classes">,
  options: PrPlotOptions = {},
): RgbImage {
  const W = options.width ?? 640;
  const H = options.height ?? 480;
  const img = createImage(W, H, [255, 255, 255]);
  const black: Rgb = [0, 0, 0];
  const grey: Rgb = [225, 225, 225];
  const s = 2;
  const left = 70;
  const right = W - 200;
  const top = 40;
  const bottom = H - 60;
  const px = (r: number) => left + r * (right - left);
  const py = (p: number) => bottom - p * (bottom - top);
  // Grid, ticks and tick labels.
  for (let t = 0; t <= 5; t++) {
    const v = t / 5;
    drawLine(img, px(v), top, px(v), bottom, grey, 1);
    drawLine(img, left, py(v), right, py(v), grey, 1);
    const label = v.toFixed(1);
    const size = textSize(label, 1);
    drawText(img, label, px(v) - size.width / 2, bottom + 6, black, 1);
    drawText(img, label, left - size.width - 6, py(v) - size.height / 2, black, 1);
  }
  drawLine(img, left, bottom, right, bottom, black, 2);
  drawLine(img, left, top, left, bottom, black, 2);
  const xl = textSize("Recall", s);
  drawText(img, "Recall", (left + right) / 2 - xl.width / 2, bottom + 24, black, s);
  drawText(img, "Precision", 8, top - 16, black, 1);
  const title = `PR curve  mAP@0.5 ${metrics.map50.toFixed(3)}`;
  drawText(img, title, (left + right) / 2 - textSize(title, s).width / 2, 8, black, s);
  // Curves and legend.
  const ap50 = new Map(metrics.classes.map((c) => [c.cls, c.ap50]));
  let ly = top;
  for (const c of curves) {
    const color = curveColor(c.cls);
    if (c.groundTruth > 0) {
      for (let i = 1; i < c.recall.length; i++)
        drawLine(
          img,
          px(c.recall[i - 1]),
          py(c.precision[i - 1]),
          px(c.recall[i]),
          py(c.precision[i]),
          color,
          2,
        );
    }
    fillRect(img, right + 16, ly + 2, right + 34, ly + 12, color);
    const ap = ap50.get(c.cls);
    drawText(
      img,
      `${c.name} ${ap === undefined ? "-" : ap.toFixed(3)}`,
      right + 40,
      ly + 3,
      black,
      1,
    );
    ly += 18;
  }
  return img;
}
