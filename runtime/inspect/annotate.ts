/**
 * The annotated inspection picture: the image (scaled up so that small inputs stay legible),
 * each defect's box in its severity's colour with a "class 0.87" tab, and a verdict banner in
 * a strip above the image ("FAIL  2 defects"), so the banner never hides a defect.
 */
import { createImage, copyBlock, type Rgb, type RgbImage } from "../image/rgb-image.js";
import { resizeImage } from "../image/resize.js";
import { drawBanner, drawLabeledBox, textSize, VERDICT_COLORS } from "../image/draw.js";
import type { ImageInspection } from "./inspector.js";
import type { Severity } from "./severity.js";

export const SEVERITY_COLORS: Readonly<Record<Severity, Rgb>> = {
  high: [220, 38, 38],
  medium: [255, 140, 0],
  low: [250, 204, 21],
  unknown: [150, 150, 150],
};

export interface AnnotateOptions {
  /** Scale the image up by an integer factor until its short side reaches this (default 320). */
  minSide?: number;
}

/** Height of the banner strip for an image `width` wide at text scale `scale`. */
export function bannerHeight(scale: number): number {
  return textSize("X", scale).height + 4 * scale;
}

export function bannerText(r: Pick<ImageInspection, "verdict" | "defect_count">): string {
  return `${r.verdict}  ${r.defect_count} defect${r.defect_count === 1 ? "" : "s"}`;
}

export function annotateInspection(
  image: RgbImage,
  result: ImageInspection,
  options: AnnotateOptions = {},
): RgbImage {
  const minSide = options.minSide ?? 320;
  const factor = Math.max(1, Math.ceil(minSide / Math.max(1, Math.min(image.width, image.height))));
  const scaled =
    factor > 1
      ? resizeImage(image, image.width * factor, image.height * factor, "bilinear")
      : image;
  const textScale = Math.max(1, Math.floor(scaled.width / 320));
  const strip = bannerHeight(textScale + 1);
  const canvas = createImage(scaled.width, scaled.height + strip, [255, 255, 255]);
  copyBlock(scaled, 0, 0, scaled.width, scaled.height, canvas, 0, strip);
  const body: RgbImage = {
    width: scaled.width,
    height: scaled.height,
    data: canvas.data.subarray(strip * scaled.width * 3),
  };
  const thickness = Math.max(2, Math.round((scaled.width + scaled.height) * 0.003));
  // Low severity first, so the most severe boxes are drawn on top.
  const order = [...result.defects].sort((a, b) => rank(a.severity) - rank(b.severity));
  for (const d of order) {
    const box = d.bbox.map((v) => v * factor) as [number, number, number, number];
    drawLabeledBox(
      body,
      box,
      `${d.class} ${d.confidence.toFixed(2)}`,
      SEVERITY_COLORS[d.severity],
      { thickness, textScale },
    );
  }
  const bannerImage: RgbImage = {
    width: canvas.width,
    height: strip,
    data: canvas.data.subarray(0, strip * canvas.width * 3),
  };
  drawBanner(bannerImage, bannerText(result), VERDICT_COLORS[result.verdict], {
    position: "top",
    textScale: textScale + 1,
  });
  return canvas;
}

function rank(s: Severity): number {
  return s === "high" ? 3 : s === "medium" ? 2 : s === "low" ? 1 : 0;
}
