/**
 * Letterboxing as Ultralytics' `LetterBox`: scale to fit `size` keeping the aspect ratio, pad the
 * rest with grey 114, image centred. The returned geometry maps boxes both ways:
 * letterboxed = original·scale + pad, original = (letterboxed − pad)/scale.
 */
import { copyBlock, createImage, PAD_GREY, type Rgb, type RgbImage } from "./rgb-image.js";
import { resizeImage, type ResizeMethod } from "./resize.js";

export interface LetterboxOptions {
  /** Target size: a square side or [width, height]. */
  size: number | readonly [number, number];
  /** Pad colour; Ultralytics uses 114 grey. */
  pad?: Rgb;
  /** Allow enlarging small images (Ultralytics `scaleup`, default true). */
  scaleup?: boolean;
  /** Centre the image (default) or put it top-left. */
  center?: boolean;
  method?: ResizeMethod;
}

export interface LetterboxGeometry {
  /** Ratio applied to the original image (same on both axes, up to rounding of the new size). */
  scale: number;
  /** Exact per-axis ratios after rounding the resized size. */
  scaleX: number;
  scaleY: number;
  padLeft: number;
  padTop: number;
  /** The resized image's size inside the canvas. */
  innerWidth: number;
  innerHeight: number;
  originalWidth: number;
  originalHeight: number;
  width: number;
  height: number;
}

export function letterboxGeometry(
  originalWidth: number,
  originalHeight: number,
  options: Pick<LetterboxOptions, "size" | "scaleup" | "center">,
): LetterboxGeometry {
  const [width, height] =
    typeof options.size === "number" ? [options.size, options.size] : options.size;
  let r = Math.min(width / originalWidth, height / originalHeight);
  if (options.scaleup === false) r = Math.min(r, 1);
  // Python's round (half to even), as in Ultralytics.
  const innerWidth = roundHalfEven(originalWidth * r);
  const innerHeight = roundHalfEven(originalHeight * r);
  let dw = width - innerWidth;
  let dh = height - innerHeight;
  const center = options.center ?? true;
  if (center) {
    dw /= 2;
    dh /= 2;
  }
  // Ultralytics: top = round(dh − 0.1), so an odd pad puts the extra pixel at the bottom/right.
  const padTop = center ? Math.max(0, Math.round(dh - 0.1)) : 0;
  const padLeft = center ? Math.max(0, Math.round(dw - 0.1)) : 0;
  return {
    scale: r,
    scaleX: innerWidth / originalWidth,
    scaleY: innerHeight / originalHeight,
    padLeft,
    padTop,
    innerWidth,
    innerHeight,
    originalWidth,
    originalHeight,
    width,
    height,
  };
}

export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function letterbox(
  img: RgbImage,
  options: LetterboxOptions,
): { image: RgbImage; geometry: LetterboxGeometry } {
  const g = letterboxGeometry(img.width, img.height, options);
  const inner =
    g.innerWidth === img.width && g.innerHeight === img.height
      ? img
      : resizeImage(img, g.innerWidth, g.innerHeight, options.method ?? "bilinear");
  const out = createImage(g.width, g.height, options.pad ?? PAD_GREY);
  copyBlock(inner, 0, 0, g.innerWidth, g.innerHeight, out, g.padLeft, g.padTop);
  return { image: out, geometry: g };
}

/** Map an xyxy pixel box from the original image into the letterboxed one. */
export function boxToLetterbox(
  box: readonly [number, number, number, number],
  g: LetterboxGeometry,
): [number, number, number, number] {
  return [
    box[0] * g.scaleX + g.padLeft,
    box[1] * g.scaleY + g.padTop,
    box[2] * g.scaleX + g.padLeft,
    box[3] * g.scaleY + g.padTop,
  ];
}

/**
 * Map an xyxy pixel box predicted on the letterboxed image back to the original image, clipped
 * to it (Ultralytics `scale_boxes`).
 */
export function boxFromLetterbox(
  box: readonly [number, number, number, number],
  g: LetterboxGeometry,
): [number, number, number, number] {
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return [
    clip((box[0] - g.padLeft) / g.scaleX, g.originalWidth),
    clip((box[1] - g.padTop) / g.scaleY, g.originalHeight),
    clip((box[2] - g.padLeft) / g.scaleX, g.originalWidth),
    clip((box[3] - g.padTop) / g.scaleY, g.originalHeight),
  ];
}
