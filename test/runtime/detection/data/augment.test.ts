import { describe, expect, it } from "vitest";
import { createRng } from "../../../../runtime/util/random.js";
import {
  createImage,
  PAD_GREY,
  type Rgb,
  type RgbImage,
} from "../../../../runtime/image/rgb-image.js";
import { fillRect } from "../../../../runtime/image/draw.js";
import type { DetectionSample, PixelBox } from "../../../../runtime/detection/data/boxes.js";
import {
  flipHorizontal,
  flipVertical,
  randomFlip,
} from "../../../../runtime/detection/data/augment/flip.js";
import {
  applyAffine,
  drawRandomAffine,
  isBoxCandidate,
  type RandomAffineDraw,
} from "../../../../runtime/detection/data/augment/affine.js";
import { mosaic4 } from "../../../../runtime/detection/data/augment/mosaic.js";
import { applyHsvMultipliers, randomHsv } from "../../../../runtime/detection/data/augment/hsv.js";
import {
  augmentSample,
  checkAugmentOptions,
  DEFAULT_AUGMENT,
  NO_AUGMENT,
  letterboxSample,
} from "../../../../runtime/detection/data/augment/pipeline.js";

const BG: Rgb = [60, 60, 60];
const COLORS: Rgb[] = [
  [230, 20, 20],
  [20, 230, 20],
  [20, 20, 230],
  [230, 230, 20],
  [230, 20, 230],
  [20, 230, 230],
];

/** An image with one solid rectangle per box, colour i for box i (class = i). */
function scene(
  w: number,
  h: number,
  rects: [number, number, number, number][],
  colorOffset = 0,
): DetectionSample {
  const image = createImage(w, h, BG);
  const boxes: PixelBox[] = rects.map(([x1, y1, x2, y2], i) => {
    fillRect(image, x1, y1, x2, y2, COLORS[i + colorOffset]);
    return { cls: i + colorOffset, x1, y1, x2, y2 };
  });
  return { image, boxes };
}

/** Bounding box of the pixels (inside `win`, default all) whose nearest reference colour is `c`. */
function colorBox(
  img: RgbImage,
  c: Rgb,
  win?: [number, number, number, number],
): [number, number, number, number] | undefined {
  const refs = [BG, PAD_GREY, ...COLORS];
  let x1 = Infinity, y1 = Infinity, x2 = -1, y2 = -1; // prettier-ignore
  const [wx1, wy1, wx2, wy2] = win ?? [0, 0, img.width, img.height];
  for (let y = Math.max(0, Math.floor(wy1)); y < Math.min(img.height, Math.ceil(wy2)); y++) {
    for (let x = Math.max(0, Math.floor(wx1)); x < Math.min(img.width, Math.ceil(wx2)); x++) {
      const i = (y * img.width + x) * 3;
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < refs.length; k++) {
        const r = refs[k];
        const d =
          (img.data[i] - r[0]) ** 2 + (img.data[i + 1] - r[1]) ** 2 + (img.data[i + 2] - r[2]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      if (refs[best] === c) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return x2 < 0 ? undefined : [x1, y1, x2, y2];
}

/**
 * Every kept box must fit its colour's pixels (searched in the box grown by 4 px) within `tol`
 * px; every dropped class's colour must be gone or a small remnant.
 */
function expectBoxesFollowPixels(s: DetectionSample, allClasses: number[], tol = 1.5): void {
  for (const b of s.boxes) {
    const found = colorBox(s.image, COLORS[b.cls], [b.x1 - 4, b.y1 - 4, b.x2 + 4, b.y2 + 4]);
    expect(found, `class ${b.cls} has no pixels`).toBeDefined();
    const [x1, y1, x2, y2] = found!;
    expect(Math.abs(x1 - b.x1), `x1 of class ${b.cls}`).toBeLessThanOrEqual(tol);
    expect(Math.abs(y1 - b.y1), `y1 of class ${b.cls}`).toBeLessThanOrEqual(tol);
    expect(Math.abs(x2 - b.x2), `x2 of class ${b.cls}`).toBeLessThanOrEqual(tol);
    expect(Math.abs(y2 - b.y2), `y2 of class ${b.cls}`).toBeLessThanOrEqual(tol);
  }
  for (const cls of allClasses) {
    if (s.boxes.some((b) => b.cls === cls)) continue;
    const left = colorBox(s.image, COLORS[cls]);
    if (left) {
      // A dropped box may leave a sliver (≤ 2 px) or a small remnant (< 10 % of its area).
      const [x1, y1, x2, y2] = left;
      expect(
        Math.min(x2 - x1, y2 - y1),
        `dropped class ${cls} is still visible`,
      ).toBeLessThanOrEqual(12);
    }
  }
  for (const b of s.boxes) {
    expect(b.x1).toBeGreaterThanOrEqual(0);
    expect(b.y1).toBeGreaterThanOrEqual(0);
    expect(b.x2).toBeLessThanOrEqual(s.image.width);
    expect(b.y2).toBeLessThanOrEqual(s.image.height);
    expect(b.x2).toBeGreaterThan(b.x1);
    expect(b.y2).toBeGreaterThan(b.y1);
  }
}

const RECTS: [number, number, number, number][] = [
  [10, 10, 40, 30],
  [60, 20, 90, 70],
  [20, 50, 45, 90],
  [100, 60, 125, 95],
];

describe("flips", () => {
  it("move boxes with the pixels, exactly", () => {
    const s = scene(128, 100, RECTS);
    for (const f of [flipHorizontal, flipVertical]) {
      const out = f(s);
      expectBoxesFollowPixels(out, [0, 1, 2, 3], 0);
      expect(f(out).image.data).toEqual(s.image.data);
    }
    const h = flipHorizontal(s);
    expect(h.boxes[0]).toEqual({ cls: 0, x1: 88, y1: 10, x2: 118, y2: 30 });
  });

  it("flip with the given probabilities", () => {
    const s = scene(64, 64, [[5, 5, 20, 20]]);
    const never = randomFlip(s, createRng(1), { fliplr: 0, flipud: 0 });
    expect(never.boxes).toEqual(s.boxes);
    const always = randomFlip(s, createRng(1), { fliplr: 1, flipud: 1 });
    expect(always.boxes[0]).toEqual({ cls: 0, x1: 44, y1: 44, x2: 59, y2: 59 });
  });
});

describe("random affine (translate, scale, rotate)", () => {
  it("keeps boxes on their pixels over many random draws", () => {
    const s = scene(128, 100, RECTS);
    const rng = createRng(7);
    for (let k = 0; k < 30; k++) {
      const draw = drawRandomAffine(128, 100, rng, { translate: 0.25, scale: 0.5 });
      expectBoxesFollowPixels(applyAffine(s, draw), [0, 1, 2, 3]);
    }
  });

  it("gives rotated objects the box around their turned corners", () => {
    const s = scene(128, 128, [[44, 54, 84, 74]]);
    const rng = createRng(3);
    for (let k = 0; k < 10; k++) {
      const out = applyAffine(
        s,
        drawRandomAffine(128, 128, rng, { degrees: 30, scale: 0.2, translate: 0.05 }),
      );
      expectBoxesFollowPixels(out, [0], 2);
    }
  });

  it("shrinks a 2s×2s input to s×s with a negative border (the mosaic step)", () => {
    const s = scene(128, 128, RECTS);
    const draw = drawRandomAffine(128, 128, createRng(2), {
      border: [-32, -32],
      translate: 0,
      scale: 0,
    });
    expect([draw.width, draw.height]).toEqual([64, 64]);
    const out = applyAffine(s, draw);
    expect([out.image.width, out.image.height]).toEqual([64, 64]);
    expectBoxesFollowPixels(out, [0, 1, 2, 3]);
  });

  it("drops boxes pushed (mostly) out of the picture, keeps clipped ones that still show", () => {
    const s = scene(100, 100, [
      [2, 40, 22, 60],
      [70, 40, 98, 60],
    ]);
    // Shift left by 18 px: box 0 keeps 4 of 20 columns (20 % → kept); by 20.5 it keeps a
    // 1.5-px sliver (≤ 2 px → dropped).
    const shift = (dx: number): RandomAffineDraw => ({
      matrix: [1, 0, -dx, 0, 1, 0],
      scale: 1,
      width: 100,
      height: 100,
    });
    const a = applyAffine(s, shift(18));
    expect(a.boxes.map((b) => b.cls)).toEqual([0, 1]);
    expect(a.boxes[0]).toMatchObject({ x1: 0, x2: 4 });
    const b = applyAffine(s, shift(20.5));
    expect(b.boxes.map((x) => x.cls)).toEqual([1]);
    expectBoxesFollowPixels(b, [0, 1]);
  });

  it("implements Ultralytics' box_candidates", () => {
    const before: PixelBox = { cls: 0, x1: 0, y1: 0, x2: 10, y2: 10 };
    expect(isBoxCandidate(before, { cls: 0, x1: 0, y1: 0, x2: 10, y2: 10 }, 1)).toBe(true);
    expect(isBoxCandidate(before, { cls: 0, x1: 0, y1: 0, x2: 2, y2: 10 }, 1)).toBe(false); // side ≤ 2 px
    expect(isBoxCandidate(before, { cls: 0, x1: 0, y1: 0, x2: 3, y2: 3 }, 1)).toBe(false); // 9 % of the area
    expect(isBoxCandidate(before, { cls: 0, x1: 0, y1: 0, x2: 6, y2: 6 }, 2)).toBe(false); // 9 % of the scaled area
    expect(
      isBoxCandidate(
        { cls: 0, x1: 0, y1: 0, x2: 1000, y2: 3 },
        { cls: 0, x1: 0, y1: 0, x2: 1000, y2: 3 },
        1,
      ),
    ).toBe(false); // aspect ≥ 100
  });
});

describe("mosaic", () => {
  const tiles = [0, 1, 2, 3].map((i) => scene(64, 48 + 4 * i, [[8 + i, 6, 40 + i, 30]], i));

  it("places four images around the centre and keeps boxes on their pixels", () => {
    for (const center of [
      [64, 64],
      [40, 90],
      [95, 33],
    ] as [number, number][]) {
      const m = mosaic4(tiles, 64, center);
      expect([m.image.width, m.image.height]).toEqual([128, 128]);
      expectBoxesFollowPixels(m, [0, 1, 2, 3], 0);
    }
  });

  it("clips boxes cut by the canvas edge and drops empty ones", () => {
    const m = mosaic4(tiles, 64, [32, 32]);
    // Tile 0 sits at x ∈ [−32, 32): its box [8, 40) lands at [−24, 8) → clipped to [0, 8).
    const b0 = m.boxes.find((b) => b.cls === 0)!;
    expect([b0.x1, b0.x2]).toEqual([0, 8]);
    expectBoxesFollowPixels(m, [0, 1, 2, 3], 0);
  });
});

describe("HSV", () => {
  it("leaves greys grey and scales value", () => {
    const img = createImage(4, 1, [100, 100, 100]);
    applyHsvMultipliers(img, [1.2, 1.5, 1]);
    expect(Array.from(img.data)).toEqual(new Array(12).fill(100));
    applyHsvMultipliers(img, [1, 1, 0.5]);
    expect(Array.from(img.data)).toEqual(new Array(12).fill(50));
  });

  it("rotates hue: red with hue gain moves toward yellow", () => {
    const img = createImage(1, 1, [255, 0, 0]);
    applyHsvMultipliers(img, [1, 1, 1]);
    expect(Array.from(img.data)).toEqual([255, 0, 0]);
    const orange = createImage(1, 1, [255, 64, 0]);
    applyHsvMultipliers(orange, [2, 1, 1]);
    expect(orange.data[1]).toBeGreaterThan(100);
  });

  it("is a no-op with zero gains and seeded otherwise", () => {
    const a = scene(32, 32, [[4, 4, 20, 20]]).image;
    const before = a.data.slice();
    randomHsv(a, createRng(1), { h: 0, s: 0, v: 0 });
    expect(a.data).toEqual(before);
    const b = scene(32, 32, [[4, 4, 20, 20]]).image;
    const c = scene(32, 32, [[4, 4, 20, 20]]).image;
    randomHsv(b, createRng(9), { h: 0.015, s: 0.7, v: 0.4 });
    randomHsv(c, createRng(9), { h: 0.015, s: 0.7, v: 0.4 });
    expect(b.data).toEqual(c.data);
    expect(b.data).not.toEqual(before);
  });
});

describe("training pipeline", () => {
  const dataset = [0, 1, 2, 3, 4].map((i) =>
    scene(
      96,
      64 + 8 * i,
      [
        [10 + 3 * i, 8, 40 + 3 * i, 30],
        [50, 30, 80, 60],
      ].map((r) => r as [number, number, number, number]),
      (i % 3) * 2,
    ),
  );
  const load = (i: number) => dataset[i];

  it("keeps boxes on pixels through mosaic + affine + flips (HSV off)", () => {
    const rng = createRng(11);
    const opts = { ...DEFAULT_AUGMENT, hsvH: 0, hsvS: 0, hsvV: 0, flipud: 0.5, degrees: 5 };
    let boxes = 0;
    for (let k = 0; k < 12; k++) {
      const s = augmentSample(load, k % 5, 5, 96, rng, opts);
      expect([s.image.width, s.image.height]).toEqual([96, 96]);
      expectBoxesFollowPixels(s, [], 2);
      boxes += s.boxes.length;
    }
    expect(boxes).toBeGreaterThan(12);
  });

  it("reduces to a letterbox with augmentation off", () => {
    const s = augmentSample(load, 2, 5, 96, createRng(1), NO_AUGMENT);
    const lb = letterboxSample(load(2), 96);
    expect(s.image.data).toEqual(lb.image.data);
    expect(s.boxes).toEqual(lb.boxes);
    expectBoxesFollowPixels(s, [4, 5], 1);
  });

  it("is deterministic for a seed", () => {
    const a = augmentSample(load, 1, 5, 96, createRng(5), DEFAULT_AUGMENT);
    const b = augmentSample(load, 1, 5, 96, createRng(5), DEFAULT_AUGMENT);
    const c = augmentSample(load, 1, 5, 96, createRng(6), DEFAULT_AUGMENT);
    expect(a).toEqual(b);
    expect(c.image.data).not.toEqual(a.image.data);
    // Sources are never modified in place.
    expect(dataset[1].image.data).toEqual(
      scene(
        96,
        72,
        [
          [13, 8, 43, 30],
          [50, 30, 80, 60],
        ],
        2,
      ).image.data,
    );
    expect(dataset[4].image.data).toEqual(
      scene(
        96,
        96,
        [
          [22, 8, 52, 30],
          [50, 30, 80, 60],
        ],
        2,
      ).image.data,
    );
  });

  it("checks option values", () => {
    expect(checkAugmentOptions(DEFAULT_AUGMENT)).toEqual([]);
    expect(
      checkAugmentOptions({
        fliplr: 1.5,
        scale: 1,
        degrees: -1,
        mosaic: Number.NaN,
        hsvX: 1,
      } as never),
    ).toEqual([
      "`fliplr` must be in [0, 1], got 1.5",
      "`scale` must be in [0, 1), got 1",
      "`degrees` must be in 0..180 degrees, got -1",
      "`mosaic` must be a number",
      "unknown augmentation `hsvX`",
    ]);
  });
});
