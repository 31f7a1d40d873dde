/**
 * The detector's architecture as data: the YOLOv8 layout (Conv–BN–SiLU with strided convs, C2f
 * stages, SPPF, a PAN neck, a decoupled head on P3–P5) scaled by width and depth multiples, with
 * plain ltrb box regression (regMax 1: no DFL). The same config drives the parameter list, the
 * forward pass, `detector.json` and the memory estimate (compiler/memory/detector.ts walks the
 * same layout, so `describeDetector(toMemoryConfig(c))` counts exactly our parameters).
 */
import type { DetectorConfig } from "../../../compiler/memory/detector.js";

export const DETECTOR_FORMAT = "pipewright-yolo";
export const DETECTOR_FORMAT_VERSION = 1;
/** The pyramid levels the head predicts on. */
export const DETECTOR_STRIDES = [8, 16, 32] as const;
export const MAX_STRIDE = 32;

export interface DetectorModelConfig {
  format: typeof DETECTOR_FORMAT;
  version: number;
  /** Class names; the index is the class id. */
  names: string[];
  /** Square input side, a multiple of 32. */
  imgsz: number;
  /** The multiples the sizes were derived from (informational when sizes were given explicitly). */
  widthMultiple: number;
  depthMultiple: number;
  maxChannels: number;
  /** Channels at strides 2, 4, 8, 16, 32 (P1…P5). */
  widths: [number, number, number, number, number];
  /** C2f repeats in the backbone stages at strides 4, 8, 16, 32. */
  depths: [number, number, number, number];
  /** C2f repeats in each of the neck's four C2f blocks. */
  neckDepth: number;
  /** Head branch widths: box (Ultralytics c2) and class (c3). */
  headBox: number;
  headCls: number;
  /** BatchNorm settings (Ultralytics: eps 1e-3, momentum 0.03). */
  bnEps: number;
  bnMomentum: number;
}

export interface DetectorSizeOptions {
  names: readonly string[];
  imgsz?: number;
  /** Width multiple (YOLOv8n: 0.25). Default 0.25. */
  width?: number;
  /** Depth multiple (YOLOv8n: 0.33). Default 0.33. */
  depth?: number;
  /** Channel cap before the width multiple (YOLOv8 n/s: 1024). */
  maxChannels?: number;
  /** Explicit overrides of the derived sizes (smaller-than-YOLOv8 models for CPU adapters). */
  widths?: DetectorModelConfig["widths"];
  depths?: DetectorModelConfig["depths"];
  neckDepth?: number;
  headBox?: number;
  headCls?: number;
}

/** Ultralytics' `make_divisible(min(c, max) · w, 8)`. */
export function scaledWidth(channels: number, width: number, maxChannels: number): number {
  return Math.max(8, Math.ceil((Math.min(channels, maxChannels) * width) / 8) * 8);
}

/** Ultralytics' `max(round(n · d), 1)`. */
export function scaledDepth(repeats: number, depth: number): number {
  return Math.max(Math.round(repeats * depth), 1);
}

/** A config from the `.pipe` knobs (classes, width, depth, imgsz). Throws on bad values. */
export function detectorConfig(o: DetectorSizeOptions): DetectorModelConfig {
  const width = o.width ?? 0.25;
  const depth = o.depth ?? 0.33;
  const maxChannels = o.maxChannels ?? 1024;
  const imgsz = o.imgsz ?? 640;
  const c: DetectorModelConfig = {
    format: DETECTOR_FORMAT,
    version: DETECTOR_FORMAT_VERSION,
    names: [...o.names],
    imgsz,
    widthMultiple: width,
    depthMultiple: depth,
    maxChannels,
    widths: o.widths
      ? [...o.widths]
      : ([64, 128, 256, 512, 1024].map((ch) =>
          scaledWidth(ch, width, maxChannels),
        ) as DetectorModelConfig["widths"]),
    depths: o.depths
      ? [...o.depths]
      : ([3, 6, 6, 3].map((n) => scaledDepth(n, depth)) as DetectorModelConfig["depths"]),
    neckDepth: o.neckDepth ?? scaledDepth(3, depth),
    headBox: 0,
    headCls: 0,
    bnEps: 1e-3,
    bnMomentum: 0.03,
  };
  // Ultralytics' Detect: c2 = max(16, ch/4, 4·reg_max), c3 = max(ch, min(nc, 100)).
  c.headBox = o.headBox ?? Math.max(16, Math.floor(c.widths[2] / 4), 4);
  c.headCls = o.headCls ?? Math.max(c.widths[2], Math.min(c.names.length, 100));
  const problems = checkDetectorConfig(c);
  if (problems.length) throw new Error(`detector config: ${problems.join("; ")}`);
  return c;
}

export function numClasses(c: DetectorModelConfig): number {
  return c.names.length;
}

/** Head branch widths (box c2, class c3). */
export function headWidths(c: DetectorModelConfig): { box: number; cls: number } {
  return { box: c.headBox, cls: c.headCls };
}

/** Every problem with a config (as read from detector.json), one message each. */
export function checkDetectorConfig(c: unknown): string[] {
  const out: string[] = [];
  if (typeof c !== "object" || c === null || Array.isArray(c))
    return ["the config must be a JSON object"];
  const o = c as Record<string, unknown>;
  const posInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  if (o.format !== DETECTOR_FORMAT)
    out.push(`\`format\` must be "${DETECTOR_FORMAT}", got ${JSON.stringify(o.format)}`);
  if (o.version !== DETECTOR_FORMAT_VERSION)
    out.push(`\`version\` must be ${DETECTOR_FORMAT_VERSION}, got ${JSON.stringify(o.version)}`);
  if (
    !Array.isArray(o.names) ||
    o.names.length === 0 ||
    o.names.some((n) => typeof n !== "string" || n.length === 0)
  ) {
    out.push("`names` must be a non-empty list of class names");
  } else if (new Set(o.names).size !== o.names.length) out.push("`names` has duplicates");
  if (!posInt(o.imgsz) || (o.imgsz as number) % MAX_STRIDE !== 0)
    out.push(
      `\`imgsz\` must be a positive multiple of ${MAX_STRIDE}, got ${JSON.stringify(o.imgsz)}`,
    );
  if (!Array.isArray(o.widths) || o.widths.length !== 5 || !o.widths.every(posInt))
    out.push("`widths` must be 5 positive integers");
  if (!Array.isArray(o.depths) || o.depths.length !== 4 || !o.depths.every(posInt))
    out.push("`depths` must be 4 positive integers");
  if (!posInt(o.neckDepth)) out.push("`neckDepth` must be a positive integer");
  if (!posInt(o.headBox) || !posInt(o.headCls))
    out.push("`headBox` and `headCls` must be positive integers");
  for (const k of ["widthMultiple", "depthMultiple"]) {
    const v = o[k];
    if (typeof v !== "number" || !(v > 0 && v <= 4))
      out.push(`\`${k}\` must be a number in (0, 4], got ${JSON.stringify(v)}`);
  }
  if (!posInt(o.maxChannels)) out.push("`maxChannels` must be a positive integer");
  if (typeof o.bnEps !== "number" || !(o.bnEps > 0)) out.push("`bnEps` must be a positive number");
  if (typeof o.bnMomentum !== "number" || !(o.bnMomentum > 0 && o.bnMomentum <= 1))
    out.push("`bnMomentum` must be in (0, 1]");
  return out;
}

/** The compiler's memory-estimator view of this config (regMax 1: plain ltrb). */
export function toMemoryConfig(c: DetectorModelConfig): DetectorConfig {
  return {
    numClasses: c.names.length,
    widths: [...c.widths],
    depths: [...c.depths],
    neckDepth: c.neckDepth,
    regMax: 1,
  };
}

/** Grid sizes of the head's levels at input side `imgsz`. */
export function pyramidLevels(imgsz: number): { height: number; width: number; stride: number }[] {
  return DETECTOR_STRIDES.map((stride) => ({
    height: imgsz / stride,
    width: imgsz / stride,
    stride,
  }));
}

/** Anchor count at input side `imgsz` (160 → 400 + 100 + 25 = 525). */
export function anchorCount(imgsz: number): number {
  return pyramidLevels(imgsz).reduce((s, l) => s + l.height * l.width, 0);
}
