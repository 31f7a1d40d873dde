/**
 * The training-time augmentation pipeline, in Ultralytics' order (`v8_transforms`):
 *   mosaic (probability `mosaic`) → random affine (translate/scale/degrees/shear)
 *   | or letterbox to imgsz → random affine
 *   → HSV jitter → vertical flip → horizontal flip.
 * Every random choice comes from the given Rng, so a seed reproduces a batch exactly. The option
 * names are the seed course's knobs in camelCase.
 */
import type { Rng } from "../../../util/random.js";
import { letterbox } from "../../../image/letterbox.js";
import type { DetectionSample, PixelBox } from "../boxes.js";
import { drawRandomAffine, applyAffine } from "./affine.js";
import { randomFlip } from "./flip.js";
import { randomHsv } from "./hsv.js";
import { drawMosaicCenter, mosaic4 } from "./mosaic.js";

export interface AugmentOptions {
  hsvH: number;
  hsvS: number;
  hsvV: number;
  degrees: number;
  translate: number;
  scale: number;
  shear: number;
  flipud: number;
  fliplr: number;
  /** Probability of a 4-image mosaic. */
  mosaic: number;
}

/** Ultralytics' defaults (also the seed's `model.train(...)` values). */
export const DEFAULT_AUGMENT: Readonly<AugmentOptions> = {
  hsvH: 0.015,
  hsvS: 0.7,
  hsvV: 0.4,
  degrees: 0,
  translate: 0.1,
  scale: 0.5,
  shear: 0,
  flipud: 0,
  fliplr: 0.5,
  mosaic: 1,
};

/** Everything off: the training pipeline reduces to a letterbox. */
export const NO_AUGMENT: Readonly<AugmentOptions> = {
  hsvH: 0,
  hsvS: 0,
  hsvV: 0,
  degrees: 0,
  translate: 0,
  scale: 0,
  shear: 0,
  flipud: 0,
  fliplr: 0,
  mosaic: 0,
};

const NAMES = Object.keys(DEFAULT_AUGMENT) as (keyof AugmentOptions)[];

/**
 * Check option values; returns one message per bad value (the compiler reports them against the
 * `.pipe` text). Probabilities and gains in [0, 1]; degrees and shear ≥ 0.
 */
export function checkAugmentOptions(o: Partial<AugmentOptions>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(o) as (keyof AugmentOptions)[]) {
    if (!NAMES.includes(k)) {
      out.push(`unknown augmentation \`${k}\``);
      continue;
    }
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v)) out.push(`\`${k}\` must be a number`);
    else if (k === "degrees" || k === "shear") {
      if (v < 0 || v > 180) out.push(`\`${k}\` must be in 0..180 degrees, got ${v}`);
    } else if (k === "scale") {
      if (v < 0 || v >= 1) out.push(`\`scale\` must be in [0, 1), got ${v}`);
    } else if (v < 0 || v > 1) out.push(`\`${k}\` must be in [0, 1], got ${v}`);
  }
  return out;
}

/**
 * One training sample of side `imgsz`. `load(i)` gives image `i` resized so its long side is
 * `imgsz` (see `resizeLongSide`), with pixel boxes; `count` is the dataset size (mosaic picks
 * three more images at random).
 */
export function augmentSample(
  load: (index: number) => DetectionSample,
  index: number,
  count: number,
  imgsz: number,
  rng: Rng,
  options: Readonly<AugmentOptions>,
): DetectionSample {
  let sample: DetectionSample;
  let border: [number, number] = [0, 0];
  if (options.mosaic > 0 && rng.next() < options.mosaic) {
    const others = [rng.int(count), rng.int(count), rng.int(count)];
    const center = drawMosaicCenter(imgsz, rng);
    sample = mosaic4([load(index), ...others.map(load)], imgsz, center);
    border = [-imgsz / 2, -imgsz / 2];
  } else {
    sample = letterboxSample(load(index), imgsz);
  }
  sample = applyAffine(
    sample,
    drawRandomAffine(sample.image.width, sample.image.height, rng, { ...options, border }),
  );
  // In place is safe: mosaic and letterbox always make a new image, never the cached source.
  randomHsv(sample.image, rng, { h: options.hsvH, s: options.hsvS, v: options.hsvV });
  return randomFlip(sample, rng, options);
}

/** Letterbox a sample (boxes follow) to `imgsz`×`imgsz`. */
export function letterboxSample(sample: DetectionSample, imgsz: number): DetectionSample {
  const { image, geometry: g } = letterbox(sample.image, { size: imgsz });
  const boxes = sample.boxes.map((b): PixelBox => ({
    cls: b.cls,
    x1: b.x1 * g.scaleX + g.padLeft,
    y1: b.y1 * g.scaleY + g.padTop,
    x2: b.x2 * g.scaleX + g.padLeft,
    y2: b.y2 * g.scaleY + g.padTop,
  }));
  return { image, boxes };
}
