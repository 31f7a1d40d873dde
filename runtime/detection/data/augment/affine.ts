/**
 * Ultralytics' `RandomPerspective` without the perspective part: a random affine transform
 * M = T·S·R·C (centre, rotate+scale, shear, translate) warped with bilinear sampling and a 114
 * grey border; boxes have their four corners transformed, take the enclosing box, are clipped to
 * the output, and are dropped when they became too small, too thin or lost most of their area
 * (`box_candidates`: side > 2 px, area > 10 % of the scaled original, aspect ratio < 100).
 */
import type { Rng } from "../../../util/random.js";
import { createImage, PAD_GREY, type RgbImage } from "../../../image/rgb-image.js";
import type { DetectionSample, PixelBox } from "../boxes.js";

/** Row-major 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = [number, number, number, number, number, number];

export interface AffineOptions {
  /** Rotation range ± degrees (default 0). */
  degrees?: number;
  /** Translation range ± fraction of the output size (Ultralytics default 0.1). */
  translate?: number;
  /** Scale gain range: s ∈ [1 − scale, 1 + scale] (Ultralytics default 0.5). */
  scale?: number;
  /** Shear range ± degrees (default 0). */
  shear?: number;
  /**
   * Border in pixels added to each side of the output (negative crops): the mosaic uses
   * −imgsz/2 so a 2s×2s mosaic comes out s×s.
   */
  border?: readonly [number, number];
}

export interface BoxFilter {
  minSide?: number;
  minAreaRatio?: number;
  maxAspect?: number;
}

function mul(a: Affine, b: Affine): Affine {
  return [
    a[0] * b[0] + a[1] * b[3],
    a[0] * b[1] + a[1] * b[4],
    a[0] * b[2] + a[1] * b[5] + a[2],
    a[3] * b[0] + a[4] * b[3],
    a[3] * b[1] + a[4] * b[4],
    a[3] * b[2] + a[4] * b[5] + a[5],
  ];
}

export function invertAffine(m: Affine): Affine {
  const det = m[0] * m[4] - m[1] * m[3];
  if (Math.abs(det) < 1e-12) throw new Error("internal: singular affine transform");
  const ia = m[4] / det;
  const ib = -m[1] / det;
  const id = -m[3] / det;
  const ie = m[0] / det;
  return [ia, ib, -(ia * m[2] + ib * m[5]), id, ie, -(id * m[2] + ie * m[5])];
}

export interface RandomAffineDraw {
  matrix: Affine;
  /** The scale factor drawn (box_candidates compares against the original box × s). */
  scale: number;
  width: number;
  height: number;
}

/** Draw the transform for an input of `width×height` (four rng draws plus two for shear). */
export function drawRandomAffine(
  width: number,
  height: number,
  rng: Rng,
  o: AffineOptions,
): RandomAffineDraw {
  const [bx, by] = o.border ?? [0, 0];
  const outW = width + 2 * bx;
  const outH = height + 2 * by;
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const C: Affine = [1, 0, -width / 2, 0, 1, -height / 2];
  const deg = o.degrees ?? 0;
  const sc = o.scale ?? 0;
  const a = (uniform(-deg, deg) * Math.PI) / 180;
  const s = uniform(1 - sc, 1 + sc);
  // cv2.getRotationMatrix2D(angle=a, center=0, scale=s): [[αc, αs], [−αs, αc]].
  const R: Affine = [s * Math.cos(a), s * Math.sin(a), 0, -s * Math.sin(a), s * Math.cos(a), 0];
  const sh = o.shear ?? 0;
  const shx = Math.tan((uniform(-sh, sh) * Math.PI) / 180);
  const shy = Math.tan((uniform(-sh, sh) * Math.PI) / 180);
  const S: Affine = [1, shx, 0, shy, 1, 0];
  const tr = o.translate ?? 0;
  const T: Affine = [
    1,
    0,
    uniform(0.5 - tr, 0.5 + tr) * outW,
    0,
    1,
    uniform(0.5 - tr, 0.5 + tr) * outH,
  ];
  return { matrix: mul(T, mul(S, mul(R, C))), scale: s, width: outW, height: outH };
}

/**
 * cv2.warpAffine(INTER_LINEAR, BORDER_CONSTANT): out(x, y) = in(M⁻¹·(x, y)). Source positions
 * are computed in OpenCV's fixed point (10 fractional bits, then 1/32-pixel steps), so our
 * pixels match cv2's to a grey level; outside neighbours take the border colour.
 */
export function warpAffine(
  img: RgbImage,
  m: Affine,
  width: number,
  height: number,
  border = PAD_GREY,
): RgbImage {
  const out = createImage(width, height, border);
  const inv = invertAffine(m);
  const { width: sw, height: sh, data: src } = img;
  const dst = out.data;
  const [b0, b1, b2] = border;
  const AB = 1024; // AB_BITS = 10
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = Math.round(inv[0] * x * AB);
    bdelta[x] = Math.round(inv[3] * x * AB);
  }
  for (let y = 0; y < height; y++) {
    const X0 = Math.round((inv[1] * y + inv[2]) * AB) + 16;
    const Y0 = Math.round((inv[4] * y + inv[5]) * AB) + 16;
    for (let x = 0; x < width; x++) {
      const qx = (X0 + adelta[x]) >> 5; // 1/32-pixel units
      const qy = (Y0 + bdelta[x]) >> 5;
      const x0 = qx >> 5;
      const y0 = qy >> 5;
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) continue;
      const fx = (qx & 31) / 32;
      const fy = (qy & 31) / 32;
      const d = (y * width + x) * 3;
      const inX0 = x0 >= 0, inX1 = x0 + 1 < sw, inY0 = y0 >= 0, inY1 = y0 + 1 < sh; // prettier-ignore
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy; // prettier-ignore
      const p00 = (y0 * sw + x0) * 3;
      for (let c = 0; c < 3; c++) {
        const bc = c === 0 ? b0 : c === 1 ? b1 : b2;
        const v00 = inX0 && inY0 ? src[p00 + c] : bc;
        const v10 = inX1 && inY0 ? src[p00 + 3 + c] : bc;
        const v01 = inX0 && inY1 ? src[p00 + sw * 3 + c] : bc;
        const v11 = inX1 && inY1 ? src[p00 + sw * 3 + 3 + c] : bc;
        dst[d + c] = Math.round(w00 * v00 + w10 * v10 + w01 * v01 + w11 * v11);
      }
    }
  }
  return out;
}

/** Transform boxes by their four corners and take the enclosing box (not yet clipped). */
export function transformBoxes(boxes: readonly PixelBox[], m: Affine): PixelBox[] {
  return boxes.map((b) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [x, y] of [
      [b.x1, b.y1],
      [b.x2, b.y1],
      [b.x1, b.y2],
      [b.x2, b.y2],
    ]) {
      xs.push(m[0] * x + m[1] * y + m[2]);
      ys.push(m[3] * x + m[4] * y + m[5]);
    }
    return {
      cls: b.cls,
      x1: Math.min(...xs),
      y1: Math.min(...ys),
      x2: Math.max(...xs),
      y2: Math.max(...ys),
    };
  });
}

/** Ultralytics `box_candidates`: keep a box that is still a real object after the transform. */
export function isBoxCandidate(
  before: PixelBox,
  after: PixelBox,
  scale: number,
  f: BoxFilter = {},
): boolean {
  const eps = 1e-16;
  const w1 = (before.x2 - before.x1) * scale;
  const h1 = (before.y2 - before.y1) * scale;
  const w2 = after.x2 - after.x1;
  const h2 = after.y2 - after.y1;
  const ar = Math.max(w2 / (h2 + eps), h2 / (w2 + eps));
  return (
    w2 > (f.minSide ?? 2) &&
    h2 > (f.minSide ?? 2) &&
    (w2 * h2) / (w1 * h1 + eps) > (f.minAreaRatio ?? 0.1) &&
    ar < (f.maxAspect ?? 100)
  );
}

/** Apply a drawn transform to a sample: warp, move boxes, clip, filter. */
export function applyAffine(
  sample: DetectionSample,
  draw: RandomAffineDraw,
  filter: BoxFilter = {},
): DetectionSample {
  const { matrix: m, width, height } = draw;
  const identity = m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 0 && m[4] === 1 && m[5] === 0;
  const image =
    identity && width === sample.image.width && height === sample.image.height
      ? sample.image
      : warpAffine(sample.image, m, width, height);
  const moved = transformBoxes(sample.boxes, m);
  const boxes: PixelBox[] = [];
  moved.forEach((b, i) => {
    const clipped: PixelBox = {
      cls: b.cls,
      x1: Math.min(width, Math.max(0, b.x1)),
      y1: Math.min(height, Math.max(0, b.y1)),
      x2: Math.min(width, Math.max(0, b.x2)),
      y2: Math.min(height, Math.max(0, b.y2)),
    };
    if (isBoxCandidate(sample.boxes[i], clipped, draw.scale, filter)) boxes.push(clipped);
  });
  return { image, boxes };
}

export function randomAffine(
  sample: DetectionSample,
  rng: Rng,
  options: AffineOptions,
  filter?: BoxFilter,
): DetectionSample {
  return applyAffine(
    sample,
    drawRandomAffine(sample.image.width, sample.image.height, rng, options),
    filter,
  );
}
