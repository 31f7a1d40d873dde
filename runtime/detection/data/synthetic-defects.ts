/**
 * The synthetic defect data generator: textured surfaces (metal, fabric, wood, plastic) with
 * scratches, cracks, stains and dents of varied size, angle, contrast and count — some images
 * defect-free — written as a YOLO dataset (PNG images, label files, dataset.yaml). The same seed
 * gives the same bytes; each image has its own seed derived from (seed, split, index), so the
 * validation images do not change when the training set grows.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import { createRng, type Rng } from "../../util/random.js";
import { encodePng } from "../../image/encode.js";
import type { RgbImage } from "../../image/rgb-image.js";
import { boxIou, formatYoloLabels, pixelToYolo, type PixelBox } from "./boxes.js";
import { formatDatasetYaml } from "./dataset-yaml.js";
import { DEFECT_CLASSES, DEFECT_DRAWERS, type DefectDraft } from "./synthetic-defect-shapes.js";
import { renderTexture, TEXTURE_KINDS, type TextureKind } from "./synthetic-textures.js";

export { DEFECT_CLASSES } from "./synthetic-defect-shapes.js";

export interface DefectImageOptions {
  /** Image side in pixels (default 160). */
  imgsz: number;
  /** Share of images with no defect (default 0.15). */
  defectFreeFraction: number;
  /** Most defects on one image (default 4). */
  maxDefects: number;
  /** Surfaces to draw from (default all four). */
  textures: readonly TextureKind[];
  /** Per-pixel sensor noise σ range in grey levels (default [1.5, 4]). */
  noise: readonly [number, number];
}

export const DEFAULT_DEFECT_IMAGE_OPTIONS: Readonly<DefectImageOptions> = {
  imgsz: 160,
  defectFreeFraction: 0.15,
  maxDefects: 4,
  textures: TEXTURE_KINDS,
  noise: [1.5, 4],
};

export interface GeneratedDefectImage {
  image: RgbImage;
  boxes: PixelBox[];
  texture: TextureKind;
}

/** One image with its tight boxes, all randomness from `rng`. */
export function renderDefectImage(
  rng: Rng,
  options: Partial<DefectImageOptions> = {},
): GeneratedDefectImage {
  const o = { ...DEFAULT_DEFECT_IMAGE_OPTIONS, ...options };
  const size = o.imgsz;
  const s = size / 160;
  const texture = o.textures[rng.int(o.textures.length)];
  const surface = renderTexture(rng, texture, size, size);
  // Count: defect-free with the given share, else 1..max with fewer defects more likely.
  let count = 0;
  if (rng.next() >= o.defectFreeFraction) {
    const weights = Array.from({ length: o.maxDefects }, (_, i) => 1 / (i + 1));
    let r = rng.next() * weights.reduce((a, b) => a + b, 0);
    count = 1;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r <= 0) {
        count = i + 1;
        break;
      }
    }
  }
  const placed: DefectDraft[] = [];
  const margin = Math.max(2, Math.round(2 * s));
  for (let n = 0; n < count; n++) {
    const cls = rng.int(DEFECT_CLASSES.length);
    for (let attempt = 0; attempt < 30; attempt++) {
      const cx = margin + rng.next() * (size - 2 * margin);
      const cy = margin + rng.next() * (size - 2 * margin);
      const draft = DEFECT_DRAWERS[cls](rng, size, size, cx, cy, s);
      if (!draft) continue;
      const b = draft.box;
      const inside =
        b.x1 >= margin && b.y1 >= margin && b.x2 <= size - margin && b.y2 <= size - margin;
      // Defects never touch: a box shared by two objects would be ambiguous ground truth.
      const grown = { ...b, x1: b.x1 - 2, y1: b.y1 - 2, x2: b.x2 + 2, y2: b.y2 + 2 };
      if (!inside || placed.some((p) => boxIou(p.box, grown) > 0)) continue;
      placed.push(draft);
      break;
    }
  }
  for (const d of placed) d.apply(surface);
  const sigma = o.noise[0] + (o.noise[1] - o.noise[0]) * rng.next();
  // Sensor noise: triangular (sum of two 16-bit uniforms) with standard deviation sigma — one
  // 32-bit draw per value, far cheaper than Box–Muller and indistinguishable at this scale.
  const k = (sigma * Math.sqrt(6)) / 65536;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) {
    const u = rng.nextUint32();
    const v = surface.data[i] + k * ((u & 0xffff) + (u >>> 16) - 65535);
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return { image: { width: size, height: size, data }, boxes: placed.map((p) => p.box), texture };
}

export interface DefectDatasetOptions extends Partial<DefectImageOptions> {
  outDir: string;
  seed: number;
  train: number;
  val: number;
  test?: number;
  /** PNG deflate level (default 6). */
  pngLevel?: number;
}

export interface DefectDatasetSummary {
  outDir: string;
  yamlPath: string;
  names: string[];
  images: Record<"train" | "val" | "test", number>;
  boxesPerClass: Record<"train" | "val" | "test", number[]>;
  defectFree: Record<"train" | "val" | "test", number>;
  seconds: number;
}

const MARKER = "pipewright-defects.json";
const SPLIT_ID = { train: 1, val: 2, test: 3 } as const;

/** The seed of image `index` of `split`: a hash, so splits and indices never share a stream. */
export function defectImageSeed(
  seed: number,
  split: "train" | "val" | "test",
  index: number,
): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (SPLIT_ID[split] * 0x27d4eb2f), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (index + 0x165667b1), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** Check the options; throws a PipeError (PW7050) naming the bad one. */
export function checkDefectDatasetOptions(o: DefectDatasetOptions): void {
  const fail = (what: string, hint?: string) => {
    throw new PipeError(DET.generatorOption, `defect generator: ${what}`, {}, hint);
  };
  const count = (k: "train" | "val" | "test", v: number | undefined) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 1_000_000))
      fail(`\`${k}\` must be a whole number of images ≥ 0, got ${v}`);
  };
  count("train", o.train);
  count("val", o.val);
  count("test", o.test);
  if (o.train + o.val + (o.test ?? 0) === 0)
    fail("nothing to generate: train, val and test are all 0");
  if (!Number.isInteger(o.seed)) fail(`\`seed\` must be an integer, got ${o.seed}`);
  if (o.imgsz !== undefined && (!Number.isInteger(o.imgsz) || o.imgsz < 32 || o.imgsz > 4096))
    fail(`\`imgsz\` must be an integer in 32..4096, got ${o.imgsz}`);
  if (
    o.defectFreeFraction !== undefined &&
    !(o.defectFreeFraction >= 0 && o.defectFreeFraction <= 1)
  )
    fail(`\`defectFreeFraction\` must be in [0, 1], got ${o.defectFreeFraction}`);
  if (
    o.maxDefects !== undefined &&
    (!Number.isInteger(o.maxDefects) || o.maxDefects < 1 || o.maxDefects > 20)
  )
    fail(`\`maxDefects\` must be in 1..20, got ${o.maxDefects}`);
  if (o.textures !== undefined) {
    const bad = o.textures.filter((t) => !TEXTURE_KINDS.includes(t));
    if (bad.length > 0 || o.textures.length === 0)
      fail(
        `unknown texture ${bad.join(", ") || "(none given)"}`,
        `textures: ${TEXTURE_KINDS.join(", ")}`,
      );
  }
}

/**
 * Write the dataset. An existing output folder is reused only when this generator made it (it
 * holds `pipewright-defects.json`); then its images/ and labels/ are replaced. Any other
 * non-empty folder is refused rather than mixed into.
 */
export async function generateDefectDataset(
  o: DefectDatasetOptions,
): Promise<DefectDatasetSummary> {
  checkDefectDatasetOptions(o);
  const started = performance.now();
  const outDir = resolve(o.outDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!existsSync(join(outDir, MARKER))) {
      throw new PipeError(
        DET.generatorOption,
        `defect generator: output folder ${outDir} is not empty and was not made by the generator`,
        { path: outDir },
        "choose an empty or new folder",
      );
    }
    await rm(join(outDir, "images"), { recursive: true, force: true });
    await rm(join(outDir, "labels"), { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
  const imageOptions: Partial<DefectImageOptions> = {
    ...(o.imgsz !== undefined ? { imgsz: o.imgsz } : {}),
    ...(o.defectFreeFraction !== undefined ? { defectFreeFraction: o.defectFreeFraction } : {}),
    ...(o.maxDefects !== undefined ? { maxDefects: o.maxDefects } : {}),
    ...(o.textures !== undefined ? { textures: o.textures } : {}),
    ...(o.noise !== undefined ? { noise: o.noise } : {}),
  };
  const names = [...DEFECT_CLASSES];
  const zero = () => new Array(names.length).fill(0);
  const summary: DefectDatasetSummary = {
    outDir,
    yamlPath: join(outDir, "dataset.yaml"),
    names,
    images: { train: 0, val: 0, test: 0 },
    boxesPerClass: { train: zero(), val: zero(), test: zero() },
    defectFree: { train: 0, val: 0, test: 0 },
    seconds: 0,
  };
  const splits = (["train", "val", "test"] as const).filter((sp) => (o[sp] ?? 0) > 0);
  for (const split of splits) {
    const n = o[split] ?? 0;
    const imgDir = join(outDir, "images", split);
    const lblDir = join(outDir, "labels", split);
    await mkdir(imgDir, { recursive: true });
    await mkdir(lblDir, { recursive: true });
    const digits = Math.max(4, String(n - 1).length);
    for (let i = 0; i < n; i++) {
      const rng = createRng(defectImageSeed(o.seed, split, i));
      const { image, boxes } = renderDefectImage(rng, imageOptions);
      const stem = `${split}_${String(i).padStart(digits, "0")}`;
      await writeFile(join(imgDir, `${stem}.png`), encodePng(image, { level: o.pngLevel ?? 6 }));
      await writeFile(
        join(lblDir, `${stem}.txt`),
        formatYoloLabels(boxes.map((b) => pixelToYolo(b, image.width, image.height))),
      );
      summary.images[split]++;
      if (boxes.length === 0) summary.defectFree[split]++;
      for (const b of boxes) summary.boxesPerClass[split][b.cls]++;
    }
  }
  const has = (sp: "train" | "val" | "test") => (o[sp] ?? 0) > 0;
  await writeFile(
    summary.yamlPath,
    `# Synthetic surface-defect data (Pipewright generator, seed ${o.seed}).\n` +
      formatDatasetYaml({
        train: has("train") ? "images/train" : "images/val",
        val: has("val") ? "images/val" : "images/train",
        ...(has("test") ? { test: "images/test" } : {}),
        names,
      }),
  );
  summary.seconds = (performance.now() - started) / 1000;
  const { outDir: _o, yamlPath: _y, seconds: _s, ...record } = summary;
  await writeFile(
    join(outDir, MARKER),
    JSON.stringify(
      {
        generator: "pipewright-defects",
        version: 1,
        seed: o.seed,
        options: imageOptions,
        ...record,
      },
      null,
      2,
    ) + "\n",
  );
  return summary;
}
