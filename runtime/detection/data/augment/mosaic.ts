/**
 * Ultralytics' 4-image `Mosaic`: a 2s×2s grey canvas, a random centre (xc, yc) ∈ [s/2, 3s/2)²,
 * and four images (already resized so their long side is s) placed top-left, top-right,
 * bottom-left and bottom-right of the centre, each cropped where it would leave the canvas.
 * Boxes are shifted by each image's placement, clipped to the canvas, and empty ones dropped.
 * The affine step that follows (border −s/2) brings the result back to s×s.
 */
import type { Rng } from "../../../util/random.js";
import { copyBlock, createImage, PAD_GREY } from "../../../image/rgb-image.js";
import type { DetectionSample, PixelBox } from "../boxes.js";

/** Draw the mosaic centre (two rng draws). */
export function drawMosaicCenter(size: number, rng: Rng): [number, number] {
  const lo = size / 2;
  const hi = 2 * size - size / 2;
  const yc = Math.floor(lo + (hi - lo) * rng.next());
  const xc = Math.floor(lo + (hi - lo) * rng.next());
  return [xc, yc];
}

export function mosaic4(
  samples: readonly DetectionSample[],
  size: number,
  center: readonly [number, number],
): DetectionSample {
  if (samples.length !== 4) throw new Error("internal: mosaic4 needs 4 samples");
  const s = size;
  const [xc, yc] = center;
  const canvas = createImage(2 * s, 2 * s, PAD_GREY);
  const boxes: PixelBox[] = [];
  samples.forEach((sample, i) => {
    const { width: w, height: h } = sample.image;
    let x1a: number, y1a: number, x2a: number, y2a: number, x1b: number, y1b: number;
    if (i === 0) {
      [x1a, y1a, x2a, y2a] = [Math.max(xc - w, 0), Math.max(yc - h, 0), xc, yc];
      [x1b, y1b] = [w - (x2a - x1a), h - (y2a - y1a)];
    } else if (i === 1) {
      [x1a, y1a, x2a, y2a] = [xc, Math.max(yc - h, 0), Math.min(xc + w, 2 * s), yc];
      [x1b, y1b] = [0, h - (y2a - y1a)];
    } else if (i === 2) {
      [x1a, y1a, x2a, y2a] = [Math.max(xc - w, 0), yc, xc, Math.min(2 * s, yc + h)];
      [x1b, y1b] = [w - (x2a - x1a), 0];
    } else {
      [x1a, y1a, x2a, y2a] = [xc, yc, Math.min(xc + w, 2 * s), Math.min(2 * s, yc + h)];
      [x1b, y1b] = [0, 0];
    }
    copyBlock(sample.image, x1b, y1b, x2a - x1a, y2a - y1a, canvas, x1a, y1a);
    const padw = x1a - x1b;
    const padh = y1a - y1b;
    for (const b of sample.boxes) {
      // Clip to the pasted region too: parts of the box that were cropped away are not visible.
      const nb: PixelBox = {
        cls: b.cls,
        x1: Math.max(x1a, b.x1 + padw),
        y1: Math.max(y1a, b.y1 + padh),
        x2: Math.min(x2a, b.x2 + padw),
        y2: Math.min(y2a, b.y2 + padh),
      };
      if (nb.x2 > nb.x1 && nb.y2 > nb.y1) boxes.push(nb);
    }
  });
  return { image: canvas, boxes };
}
