import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../../../runtime/util/random.js";
import { createImage } from "../../../../runtime/image/rgb-image.js";
import { fillRect } from "../../../../runtime/image/draw.js";
import { writePng } from "../../../../runtime/image/encode.js";
import { boxFromLetterbox } from "../../../../runtime/image/letterbox.js";
import {
  collateBatch,
  DetectionDataset,
  epochOrder,
} from "../../../../runtime/detection/data/detection-dataset.js";
import type { VerifiedImage } from "../../../../runtime/detection/data/verify.js";

describe("DetectionDataset", () => {
  const items: VerifiedImage[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-ds-"));
    for (let i = 0; i < 3; i++) {
      const w = 200 + 40 * i;
      const h = 120;
      const img = createImage(w, h, [60, 60, 60]);
      fillRect(img, 20, 30, 80, 90, [230, 20, 20]);
      const imagePath = join(dir, `images/${i}.png`);
      await writePng(imagePath, img);
      items.push({
        imagePath,
        labelPath: join(dir, `labels/${i}.txt`),
        width: w,
        height: h,
        boxes: [{ cls: 0, xc: 50 / w, yc: 60 / h, w: 60 / w, h: 60 / h }],
      });
    }
  });

  it("loads images resized to the long side with boxes in pixels", () => {
    const ds = new DetectionDataset(items, { imgsz: 64 });
    const s = ds.loadResized(0);
    expect([s.image.width, s.image.height]).toEqual([64, Math.ceil(120 * 0.32)]);
    expect(s.boxes[0].x1).toBeCloseTo(20 * 0.32, 6);
    expect(ds.loadResized(0)).toBe(s); // cached
  });

  it("letterboxes evaluation samples and maps boxes back to the original", () => {
    const ds = new DetectionDataset(items, { imgsz: 64, cacheImages: false });
    const e = ds.evalSample(1);
    expect([e.sample.image.width, e.sample.image.height]).toEqual([64, 64]);
    const t = e.truth[0];
    [t.x1, t.y1, t.x2, t.y2].forEach((v, i) => expect(v).toBeCloseTo([20, 30, 80, 90][i], 9));
    const b = e.sample.boxes[0];
    const back = boxFromLetterbox([b.x1, b.y1, b.x2, b.y2], e.geometry);
    [20, 30, 80, 90].forEach((v, i) => expect(back[i]).toBeCloseTo(v, 6));
  });

  it("produces augmented training samples of side imgsz, reproducibly", () => {
    const ds = new DetectionDataset(items, { imgsz: 64, augment: { mosaic: 1 } });
    const a = ds.trainSample(0, createRng(3));
    const b = ds.trainSample(0, createRng(3));
    expect([a.image.width, a.image.height]).toEqual([64, 64]);
    expect(a).toEqual(b);
  });

  it("collates a batch in [B, 3, S, S] and (batch, cls, xc, yc, w, h) rows", () => {
    const ds = new DetectionDataset(items, { imgsz: 64 });
    const samples = [ds.evalSample(0).sample, ds.evalSample(2).sample];
    const batch = collateBatch(samples, 64);
    expect(batch.images.length).toBe(2 * 3 * 64 * 64);
    expect(batch.count).toBe(2);
    expect(batch.targets[0]).toBe(0);
    expect(batch.targets[6]).toBe(1);
    const b = samples[1].boxes[0];
    expect(batch.targets[8]).toBeCloseTo((b.x1 + b.x2) / 2 / 64, 6);
    expect(batch.targets[10]).toBeCloseTo((b.x2 - b.x1) / 64, 6);
    // Pixel (x, y) of sample 1, red channel, at [1, 0, y, x].
    const x = Math.round((b.x1 + b.x2) / 2);
    const y = Math.round((b.y1 + b.y2) / 2);
    expect(batch.images[3 * 64 * 64 + y * 64 + x]).toBeCloseTo(230 / 255, 2);
    expect(() => collateBatch([createImageSample(32)], 64)).toThrow(/internal/);
  });

  it("shuffles an epoch from the seed", () => {
    const a = epochOrder(10, createRng(1));
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochOrder(10, createRng(1))).toEqual(a);
  });

  it("refuses bad options as internal errors (the compiler checks user values)", () => {
    expect(() => new DetectionDataset(items, { imgsz: 10 })).toThrow(/imgsz/);
    expect(() => new DetectionDataset(items, { imgsz: 64, augment: { fliplr: 2 } })).toThrow(
      /fliplr/,
    );
  });
});

function createImageSample(size: number) {
  return { image: createImage(size, size), boxes: [] };
}
