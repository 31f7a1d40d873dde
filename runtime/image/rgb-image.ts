/**
 * The one in-memory image type of the runtime: 8-bit RGB, row-major, interleaved (3 bytes per
 * pixel, no alpha, no stride padding). Decoders drop alpha like OpenCV's `IMREAD_COLOR`; the
 * detector's input tensor is made from this with `toChwFloat32`.
 */

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes: R, G, B of pixel (0,0), then (1,0), ... */
  readonly data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

/** The Ultralytics letterbox / border grey. */
export const PAD_GREY: Rgb = [114, 114, 114];

export function createImage(width: number, height: number, fill: Rgb | number = 0): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new Error(`internal: bad image size ${width}x${height}`);
  }
  const data = new Uint8Array(width * height * 3);
  const [r, g, b] = typeof fill === "number" ? [fill, fill, fill] : fill;
  if (r !== 0 || g !== 0 || b !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  return { width, height, data };
}

export function cloneImage(img: RgbImage): RgbImage {
  return { width: img.width, height: img.height, data: img.data.slice() };
}

export function getPixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

export function setPixel(img: RgbImage, x: number, y: number, [r, g, b]: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 3;
  img.data[i] = r;
  img.data[i + 1] = g;
  img.data[i + 2] = b;
}

/**
 * Copy the `w×h` block at (sx, sy) of `src` to (dx, dy) of `dst`. The caller keeps both
 * rectangles inside their images (mosaic computes exact in-bounds rectangles).
 */
export function copyBlock(
  src: RgbImage,
  sx: number,
  sy: number,
  w: number,
  h: number,
  dst: RgbImage,
  dx: number,
  dy: number,
): void {
  if (w <= 0 || h <= 0) return;
  for (let row = 0; row < h; row++) {
    const s = ((sy + row) * src.width + sx) * 3;
    const d = ((dy + row) * dst.width + dx) * 3;
    dst.data.set(src.data.subarray(s, s + w * 3), d);
  }
}

/** Crop a rectangle (clamped to the image). */
export function cropImage(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const x0 = Math.max(0, Math.min(img.width, Math.floor(x)));
  const y0 = Math.max(0, Math.min(img.height, Math.floor(y)));
  const x1 = Math.max(x0, Math.min(img.width, Math.floor(x + w)));
  const y1 = Math.max(y0, Math.min(img.height, Math.floor(y + h)));
  const out = createImage(x1 - x0, y1 - y0);
  copyBlock(img, x0, y0, x1 - x0, y1 - y0, out, 0, 0);
  return out;
}

/**
 * Planar float32 `[3, H, W]` in [0, 1] (RGB order), written at `offset` of `out` — the layout
 * a batch tensor `[B, 3, H, W]` wants (offset = b·3·H·W).
 */
export function toChwFloat32(img: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const plane = img.width * img.height;
  const dst = out ?? new Float32Array(3 * plane);
  if (dst.length < offset + 3 * plane) throw new Error("internal: toChwFloat32 target too small");
  const src = img.data;
  const inv = 1 / 255;
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    dst[offset + p] = src[i] * inv;
    dst[offset + plane + p] = src[i + 1] * inv;
    dst[offset + 2 * plane + p] = src[i + 2] * inv;
  }
  return dst;
}
