/** Horizontal and vertical flips of an image and its pixel boxes (Ultralytics `RandomFlip`). */
import type { Rng } from "../../../util/random.js";
import type { DetectionSample, PixelBox } from "../boxes.js";
import type { RgbImage } from "../../../image/rgb-image.js";

export function flipImageHorizontal(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const s = row + x * 3;
      const d = row + (w - 1 - x) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { width: w, height: h, data: out };
}

export function flipImageVertical(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(data.length);
  const stride = w * 3;
  for (let y = 0; y < h; y++)
    out.set(data.subarray(y * stride, (y + 1) * stride), (h - 1 - y) * stride);
  return { width: w, height: h, data: out };
}

export function flipHorizontal(s: DetectionSample): DetectionSample {
  const w = s.image.width;
  return {
    image: flipImageHorizontal(s.image),
    boxes: s.boxes.map((b): PixelBox => ({
      cls: b.cls,
      x1: w - b.x2,
      y1: b.y1,
      x2: w - b.x1,
      y2: b.y2,
    })),
  };
}

export function flipVertical(s: DetectionSample): DetectionSample {
  const h = s.image.height;
  return {
    image: flipImageVertical(s.image),
    boxes: s.boxes.map((b): PixelBox => ({
      cls: b.cls,
      x1: b.x1,
      y1: h - b.y2,
      x2: b.x2,
      y2: h - b.y1,
    })),
  };
}

/** Flip with probabilities `fliplr` and `flipud` (one rng draw each; vertical first, as Ultralytics). */
export function randomFlip(
  s: DetectionSample,
  rng: Rng,
  p: { fliplr: number; flipud: number },
): DetectionSample {
  let out = s;
  if (rng.next() < p.flipud) out = flipVertical(out);
  if (rng.next() < p.fliplr) out = flipHorizontal(out);
  return out;
}
