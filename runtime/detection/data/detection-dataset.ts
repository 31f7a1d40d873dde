/**
 * The detector's view of a scanned split: images loaded on demand (and kept, if asked),
 * training samples through the augmentation pipeline, evaluation samples letterboxed with the
 * geometry to map predictions back, and batches collated into the tensors the model takes:
 * images `[B, 3, S, S]` in [0, 1] and targets `[N, 6]` = (batch index, class, xc, yc, w, h)
 * normalised — Ultralytics' `collate_fn` layout.
 */
import type { Rng } from "../../util/random.js";
import { readImageSync } from "../../image/decode.js";
import { letterbox, type LetterboxGeometry } from "../../image/letterbox.js";
import { resizeLongSide } from "../../image/resize.js";
import { toChwFloat32, type RgbImage } from "../../image/rgb-image.js";
import { type DetectionSample, type PixelBox, yoloToPixel } from "./boxes.js";
import {
  augmentSample,
  checkAugmentOptions,
  DEFAULT_AUGMENT,
  type AugmentOptions,
} from "./augment/pipeline.js";
import type { VerifiedImage } from "./verify.js";

export interface DetectionDatasetOptions {
  /** Square input side (multiple of 32 for a stride-32 detector). */
  imgsz: number;
  /** Augmentation for `trainSample`; missing keys take Ultralytics' defaults. */
  augment?: Partial<AugmentOptions>;
  /** Keep decoded, resized images in memory (default true: small datasets, many epochs). */
  cacheImages?: boolean;
}

export interface EvalSample {
  sample: DetectionSample;
  /** Maps letterboxed pixels back to the original image (`boxFromLetterbox`). */
  geometry: LetterboxGeometry;
  /** Ground truth in original-image pixels. */
  truth: PixelBox[];
  item: VerifiedImage;
}

export interface DetectionBatch {
  size: number;
  imgsz: number;
  /** `[size, 3, imgsz, imgsz]`, RGB, values in [0, 1]. */
  images: Float32Array;
  /** `[count, 6]` rows of (batch index, class, xc, yc, w, h), normalised to imgsz. */
  targets: Float32Array;
  count: number;
}

export class DetectionDataset {
  readonly items: readonly VerifiedImage[];
  readonly imgsz: number;
  readonly augment: Readonly<AugmentOptions>;
  private readonly cacheImages: boolean;
  private readonly trainCache = new Map<number, DetectionSample>();
  private readonly evalCache = new Map<number, { image: RgbImage; geometry: LetterboxGeometry }>();

  constructor(items: readonly VerifiedImage[], options: DetectionDatasetOptions) {
    if (!Number.isInteger(options.imgsz) || options.imgsz < 32)
      throw new Error(`internal: imgsz must be an integer ≥ 32, got ${options.imgsz}`);
    const problems = checkAugmentOptions(options.augment ?? {});
    if (problems.length > 0)
      throw new Error(`internal: bad augmentation options: ${problems.join("; ")}`);
    this.items = items;
    this.imgsz = options.imgsz;
    this.augment = { ...DEFAULT_AUGMENT, ...options.augment };
    this.cacheImages = options.cacheImages ?? true;
  }

  get length(): number {
    return this.items.length;
  }

  /** Image `i` with its long side resized to imgsz (bilinear, as for augmentation), pixel boxes. */
  loadResized(i: number): DetectionSample {
    const hit = this.trainCache.get(i);
    if (hit) return hit;
    const item = this.items[i];
    const original = readImageSync(item.imagePath);
    const { image } = resizeLongSide(original, this.imgsz, true);
    const sample: DetectionSample = {
      image,
      boxes: item.boxes.map((b) => yoloToPixel(b, image.width, image.height)),
    };
    if (this.cacheImages) this.trainCache.set(i, sample);
    return sample;
  }

  /** An augmented imgsz×imgsz training sample. */
  trainSample(i: number, rng: Rng): DetectionSample {
    return augmentSample(
      (k) => this.loadResized(k),
      i,
      this.items.length,
      this.imgsz,
      rng,
      this.augment,
    );
  }

  /** A letterboxed imgsz×imgsz evaluation sample (area-resampled when shrinking, as Ultralytics). */
  evalSample(i: number): EvalSample {
    const item = this.items[i];
    let entry = this.evalCache.get(i);
    if (!entry) {
      const original = readImageSync(item.imagePath);
      const shrink = Math.max(original.width, original.height) > this.imgsz;
      const { image, geometry } = letterbox(original, {
        size: this.imgsz,
        method: shrink ? "area" : "bilinear",
      });
      entry = { image, geometry };
      if (this.cacheImages) this.evalCache.set(i, entry);
    }
    const g = entry.geometry;
    const truth = item.boxes.map((b) => yoloToPixel(b, item.width, item.height));
    const boxes = truth.map((b) => ({
      cls: b.cls,
      x1: b.x1 * g.scaleX + g.padLeft,
      y1: b.y1 * g.scaleY + g.padTop,
      x2: b.x2 * g.scaleX + g.padLeft,
      y2: b.y2 * g.scaleY + g.padTop,
    }));
    return { sample: { image: entry.image, boxes }, geometry: g, truth, item };
  }
}

/** Collate same-size samples into a batch. */
export function collateBatch(samples: readonly DetectionSample[], imgsz: number): DetectionBatch {
  const plane = 3 * imgsz * imgsz;
  const images = new Float32Array(samples.length * plane);
  let count = 0;
  for (const s of samples) count += s.boxes.length;
  const targets = new Float32Array(count * 6);
  let t = 0;
  samples.forEach((s, b) => {
    if (s.image.width !== imgsz || s.image.height !== imgsz)
      throw new Error(
        `internal: sample ${b} is ${s.image.width}x${s.image.height}, batch wants ${imgsz}`,
      );
    toChwFloat32(s.image, images, b * plane);
    for (const box of s.boxes) {
      targets.set(
        [
          b,
          box.cls,
          (box.x1 + box.x2) / 2 / imgsz,
          (box.y1 + box.y2) / 2 / imgsz,
          (box.x2 - box.x1) / imgsz,
          (box.y2 - box.y1) / imgsz,
        ],
        t * 6,
      );
      t++;
    }
  });
  return { size: samples.length, imgsz, images, targets, count };
}

/** The index order of one epoch: a seeded shuffle. */
export function epochOrder(n: number, rng: Rng): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i));
}
