/**
 * The two box forms detection data moves between: YOLO label rows (class, normalised centre and
 * size — what files hold) and pixel corner boxes (what augmentation and drawing work in).
 */
import type { RgbImage } from "../../image/rgb-image.js";

/** One label row: class index and centre/size normalised by the image size. */
export interface YoloBox {
  cls: number;
  xc: number;
  yc: number;
  w: number;
  h: number;
}

/** A box in pixel corners, x ∈ [x1, x2], y ∈ [y1, y2]. */
export interface PixelBox {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** An image with its boxes in pixels: the unit augmentation works on. */
export interface DetectionSample {
  image: RgbImage;
  boxes: PixelBox[];
}

export function yoloToPixel(b: YoloBox, width: number, height: number): PixelBox {
  return {
    cls: b.cls,
    x1: (b.xc - b.w / 2) * width,
    y1: (b.yc - b.h / 2) * height,
    x2: (b.xc + b.w / 2) * width,
    y2: (b.yc + b.h / 2) * height,
  };
}

export function pixelToYolo(b: PixelBox, width: number, height: number): YoloBox {
  return {
    cls: b.cls,
    xc: (b.x1 + b.x2) / 2 / width,
    yc: (b.y1 + b.y2) / 2 / height,
    w: (b.x2 - b.x1) / width,
    h: (b.y2 - b.y1) / height,
  };
}

/** `cls xc yc w h` with fixed decimals, the way label files are written. */
export function formatYoloLine(b: YoloBox, digits = 6): string {
  return `${b.cls} ${b.xc.toFixed(digits)} ${b.yc.toFixed(digits)} ${b.w.toFixed(digits)} ${b.h.toFixed(digits)}`;
}

export function formatYoloLabels(boxes: readonly YoloBox[], digits = 6): string {
  return boxes.map((b) => formatYoloLine(b, digits) + "\n").join("");
}

export function clipPixelBox(b: PixelBox, width: number, height: number): PixelBox {
  return {
    cls: b.cls,
    x1: Math.min(width, Math.max(0, b.x1)),
    y1: Math.min(height, Math.max(0, b.y1)),
    x2: Math.min(width, Math.max(0, b.x2)),
    y2: Math.min(height, Math.max(0, b.y2)),
  };
}

export function boxArea(b: PixelBox): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function boxIou(a: PixelBox, b: PixelBox): number {
  const iw = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const ih = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}
