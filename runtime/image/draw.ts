/**
 * Drawing for annotated outputs: rectangles with a line thickness, filled (optionally
 * translucent) boxes, text in the built-in 5×7 font scaled by an integer factor, labelled
 * detection boxes in the Ultralytics style, and a verdict banner. Everything clips to the image.
 */
import { FONT_5X7_HEIGHT, FONT_5X7_WIDTH, glyphPixel } from "./font-5x7.js";
import type { Rgb, RgbImage } from "./rgb-image.js";

/** Ultralytics' class palette, so our pictures read like theirs. */
const PALETTE_HEX = [
  "FF3838", "FF9D97", "FF701F", "FFB21D", "CFD231", "48F90A", "92CC17", "3DDB86", "1A9334", "00D4BB",
  "2C99A8", "00C2FF", "344593", "6473FF", "0018EC", "8438FF", "520085", "CB38FF", "FF95C8", "FF37C7",
]; // prettier-ignore

export function classColor(index: number): Rgb {
  const hex = PALETTE_HEX[((index % PALETTE_HEX.length) + PALETTE_HEX.length) % PALETTE_HEX.length];
  return [
    parseInt(hex.slice(0, 2), 16),
    parseInt(hex.slice(2, 4), 16),
    parseInt(hex.slice(4, 6), 16),
  ];
}

export const VERDICT_COLORS = {
  PASS: [40, 167, 69] as Rgb,
  WARNING: [255, 160, 0] as Rgb,
  FAIL: [220, 38, 38] as Rgb,
} as const;

/** Black or white, whichever reads better on `bg` (Rec. 601 luma). */
export function textColorOn(bg: Rgb): Rgb {
  const luma = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2];
  return luma > 150 ? [0, 0, 0] : [255, 255, 255];
}

/** Fill pixels x ∈ [x1, x2), y ∈ [y1, y2) (rounded, clipped); `alpha` < 1 blends. */
export function fillRect(
  img: RgbImage,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  color: Rgb,
  alpha = 1,
): void {
  const xa = Math.max(0, Math.round(Math.min(x1, x2)));
  const ya = Math.max(0, Math.round(Math.min(y1, y2)));
  const xb = Math.min(img.width, Math.round(Math.max(x1, x2)));
  const yb = Math.min(img.height, Math.round(Math.max(y1, y2)));
  const d = img.data;
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const i = (y * img.width + x) * 3;
      if (alpha >= 1) {
        d[i] = color[0];
        d[i + 1] = color[1];
        d[i + 2] = color[2];
      } else {
        d[i] = Math.round(d[i] + (color[0] - d[i]) * alpha);
        d[i + 1] = Math.round(d[i + 1] + (color[1] - d[i + 1]) * alpha);
        d[i + 2] = Math.round(d[i + 2] + (color[2] - d[i + 2]) * alpha);
      }
    }
  }
}

/**
 * Outline of the box [x1, x2) × [y1, y2), `thickness` pixels drawn inward so that the line stays
 * on the object and inside the image.
 */
export function drawRect(
  img: RgbImage,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  color: Rgb,
  thickness = 1,
): void {
  const xa = Math.round(Math.min(x1, x2));
  const ya = Math.round(Math.min(y1, y2));
  const xb = Math.round(Math.max(x1, x2));
  const yb = Math.round(Math.max(y1, y2));
  const t = Math.max(
    1,
    Math.min(Math.round(thickness), Math.ceil((xb - xa) / 2), Math.ceil((yb - ya) / 2)),
  );
  fillRect(img, xa, ya, xb, ya + t, color); // top
  fillRect(img, xa, yb - t, xb, yb, color); // bottom
  fillRect(img, xa, ya + t, xa + t, yb - t, color); // left
  fillRect(img, xb - t, ya + t, xb, yb - t, color); // right
}

/** Width and height in pixels of `text` at integer `scale` (1 px gap between characters). */
export function textSize(text: string, scale = 1): { width: number; height: number } {
  const s = Math.max(1, Math.round(scale));
  const n = text.length;
  return { width: n === 0 ? 0 : (n * (FONT_5X7_WIDTH + 1) - 1) * s, height: FONT_5X7_HEIGHT * s };
}

/** Draw `text` with its top-left corner at (x, y). Non-ASCII characters print as '?'. */
export function drawText(
  img: RgbImage,
  text: string,
  x: number,
  y: number,
  color: Rgb,
  scale = 1,
): void {
  const s = Math.max(1, Math.round(scale));
  let cx = Math.round(x);
  const cy = Math.round(y);
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    for (let col = 0; col < FONT_5X7_WIDTH; col++) {
      for (let row = 0; row < FONT_5X7_HEIGHT; row++) {
        if (glyphPixel(code, col, row))
          fillRect(img, cx + col * s, cy + row * s, cx + (col + 1) * s, cy + (row + 1) * s, color);
      }
    }
    cx += (FONT_5X7_WIDTH + 1) * s;
  }
}

export interface LabeledBoxStyle {
  thickness?: number;
  textScale?: number;
}

/**
 * A detection box with its label ("crack 0.87") on a filled tab in the box colour: above the box
 * when there is room, else inside its top edge.
 */
export function drawLabeledBox(
  img: RgbImage,
  box: readonly [number, number, number, number],
  label: string,
  color: Rgb,
  style: LabeledBoxStyle = {},
): void {
  const thickness = style.thickness ?? Math.max(1, Math.round((img.width + img.height) * 0.002));
  const scale = style.textScale ?? 1;
  const [x1, y1, x2, y2] = box;
  drawRect(img, x1, y1, x2, y2, color, thickness);
  if (!label) return;
  const { width, height } = textSize(label, scale);
  const padX = 2 * scale;
  const padY = 1 * scale;
  const tabH = height + 2 * padY;
  const tabW = width + 2 * padX;
  let tx = Math.round(Math.min(x1, x2));
  tx = Math.max(0, Math.min(tx, img.width - tabW));
  const above = Math.round(Math.min(y1, y2)) - tabH >= 0;
  const ty = above
    ? Math.round(Math.min(y1, y2)) - tabH
    : Math.max(0, Math.round(Math.min(y1, y2)));
  fillRect(img, tx, ty, tx + tabW, ty + tabH, color);
  drawText(img, label, tx + padX, ty + padY, textColorOn(color), scale);
}

/** A full-width filled strip with centred text, at the top or bottom of the image. */
export function drawBanner(
  img: RgbImage,
  text: string,
  background: Rgb,
  options: { position?: "top" | "bottom"; textScale?: number; alpha?: number } = {},
): void {
  const scale = options.textScale ?? Math.max(1, Math.floor(img.width / 160));
  const { width, height } = textSize(text, scale);
  const bannerH = height + 4 * scale;
  const y0 = options.position === "bottom" ? img.height - bannerH : 0;
  fillRect(img, 0, y0, img.width, y0 + bannerH, background, options.alpha ?? 1);
  drawText(
    img,
    text,
    Math.max(0, Math.round((img.width - width) / 2)),
    y0 + 2 * scale,
    textColorOn(background),
    scale,
  );
}
