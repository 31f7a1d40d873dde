/**
 * Parameters and training memory of a small YOLO-style detector (the YOLOv8 layout: Conv–BN–SiLU
 * blocks, C2f stages, SPPF, a PAN neck and an anchor-free decoupled head with DFL), from its
 * widths, depths and image size. `yoloV8Config("n", 80)` reproduces YOLOv8n's 3,157,200
 * parameters exactly (tested), so the layout is the one the seed's chapter 4 trains.
 *
 * Activation count, per training image (elements kept for backward):
 *   Conv (conv → BN → SiLU):  3 × c_out × H × W   (conv output, BN output, SiLU output)
 *   C2f concat / SPPF concat / Detect concat: their output;  bottleneck residual add: its output
 *   SPPF max-pools: their outputs;  the input image 3 × imgsz².
 * Upsample outputs feed only a concat (whose backward needs nothing) and are not kept.
 * BatchNorm's per-channel statistics and the loss's target tensors are small and not counted.
 */
import {
  FLOAT_BYTES,
  optimizerStateBytes,
  type FloatPrecision,
  type OptimizerKind,
} from "./precision.js";
import type { BufferNeed, MemoryComponent } from "./estimate.js";
import { groupThousands } from "../text/format-number.js";

export interface DetectorConfig {
  numClasses: number;
  /** Channels at strides 2, 4, 8, 16, 32 (P1…P5). */
  widths: [number, number, number, number, number];
  /** C2f repeats in the backbone stages at strides 4, 8, 16, 32. */
  depths: [number, number, number, number];
  /** C2f repeats in each of the neck's four C2f blocks. */
  neckDepth: number;
  /** DFL bins per box side (default 16). */
  regMax?: number;
}

export type YoloScale = "n" | "s" | "m" | "l" | "x";

const SCALES: Record<YoloScale, [depth: number, width: number, maxChannels: number]> = {
  n: [0.33, 0.25, 1024],
  s: [0.33, 0.5, 1024],
  m: [0.67, 0.75, 768],
  l: [1.0, 1.0, 512],
  x: [1.0, 1.25, 512],
};

/** The Ultralytics YOLOv8 scales (yolov8.yaml), as a DetectorConfig. */
export function yoloV8Config(scale: YoloScale, numClasses: number): DetectorConfig {
  const [d, w, maxCh] = SCALES[scale];
  const width = (c: number): number => Math.ceil((Math.min(c, maxCh) * w) / 8) * 8;
  const depth = (n: number): number => Math.max(Math.round(n * d), 1);
  return {
    numClasses,
    widths: [width(64), width(128), width(256), width(512), width(1024)],
    depths: [depth(3), depth(6), depth(6), depth(3)],
    neckDepth: depth(3),
    regMax: 16,
  };
}

export interface DetectorModule {
  name: string;
  params: number;
  /** Elements kept for backward per image. */
  activations: number;
  /** Largest single tensor (elements per image) this module produces. */
  largestTensor: number;
}

class Builder {
  modules: DetectorModule[] = [];
  /** Output channels of every Conv block: each has one BatchNorm (2 running statistics). */
  bnChannels = 0;
  private cur: DetectorModule | undefined;
  begin(name: string): void {
    this.cur = { name, params: 0, activations: 0, largestTensor: 0 };
    this.modules.push(this.cur);
  }
  params(n: number): void {
    this.cur!.params += n;
  }
  keep(elements: number): void {
    this.cur!.activations += elements;
    this.cur!.largestTensor = Math.max(this.cur!.largestTensor, elements);
  }
  /** Conv2d (no bias) + BatchNorm2d + SiLU at output size hw. */
  conv(c1: number, c2: number, k: number, hw: number): void {
    this.params(c1 * c2 * k * k + 2 * c2);
    this.bnChannels += c2;
    this.keep(c2 * hw);
    this.keep(c2 * hw);
    this.keep(c2 * hw);
  }
  c2f(c1: number, c2: number, n: number, shortcut: boolean, hw: number): void {
    const c = Math.floor(c2 * 0.5);
    this.conv(c1, 2 * c, 1, hw);
    for (let i = 0; i < n; i++) {
      this.conv(c, c, 3, hw);
      this.conv(c, c, 3, hw);
      if (shortcut) this.keep(c * hw);
    }
    this.keep((2 + n) * c * hw); // concat
    this.conv((2 + n) * c, c2, 1, hw);
  }
  sppf(c1: number, c2: number, hw: number): void {
    const c = Math.floor(c1 / 2);
    this.conv(c1, c, 1, hw);
    for (let i = 0; i < 3; i++) this.keep(c * hw);
    this.keep(4 * c * hw);
    this.conv(4 * c, c2, 1, hw);
  }
}

export interface DetectorSummary {
  config: DetectorConfig;
  /** Image size used (rounded up to a multiple of the largest stride, 32). */
  imgsz: number;
  modules: DetectorModule[];
  params: number;
  /** Parameters that train (all but the fixed DFL projection). */
  trainableParams: number;
  /** BatchNorm running mean/var (not parameters, but stored). */
  bufferElements: number;
  /** Elements kept for backward per image, including the input image. */
  activationsPerImage: number;
  largestTensorPerImage: number;
}

/** Walks the YOLOv8 layout for `config` at `imgsz`. */
export function describeDetector(config: DetectorConfig, imgsz: number): DetectorSummary {
  const size = Math.ceil(imgsz / 32) * 32;
  const [w1, w2, w3, w4, w5] = config.widths;
  const [d2, d3, d4, d5] = config.depths;
  const n = config.neckDepth;
  const reg = config.regMax ?? 16;
  const hw = (stride: number): number => (size / stride) ** 2;
  const b = new Builder();
  // Backbone
  b.begin("backbone.P1 conv");
  b.conv(3, w1, 3, hw(2));
  b.begin("backbone.P2 conv+c2f");
  b.conv(w1, w2, 3, hw(4));
  b.c2f(w2, w2, d2, true, hw(4));
  b.begin("backbone.P3 conv+c2f");
  b.conv(w2, w3, 3, hw(8));
  b.c2f(w3, w3, d3, true, hw(8));
  b.begin("backbone.P4 conv+c2f");
  b.conv(w3, w4, 3, hw(16));
  b.c2f(w4, w4, d4, true, hw(16));
  b.begin("backbone.P5 conv+c2f");
  b.conv(w4, w5, 3, hw(32));
  b.c2f(w5, w5, d5, true, hw(32));
  b.begin("backbone.SPPF");
  b.sppf(w5, w5, hw(32));
  // PAN neck: top-down, then bottom-up
  b.begin("neck.top-down P4");
  b.c2f(w5 + w4, w4, n, false, hw(16));
  b.begin("neck.top-down P3");
  b.c2f(w4 + w3, w3, n, false, hw(8));
  b.begin("neck.bottom-up P4");
  b.conv(w3, w3, 3, hw(16));
  b.c2f(w3 + w4, w4, n, false, hw(16));
  b.begin("neck.bottom-up P5");
  b.conv(w4, w4, 3, hw(32));
  b.c2f(w4 + w5, w5, n, false, hw(32));
  // Decoupled head on P3, P4, P5
  const c2 = Math.max(16, Math.floor(w3 / 4), reg * 4);
  const c3 = Math.max(w3, Math.min(config.numClasses, 100));
  const levels: [number, number][] = [
    [w3, 8],
    [w4, 16],
    [w5, 32],
  ];
  for (const [ch, stride] of levels) {
    b.begin(`head.P${Math.log2(stride)}`);
    const s = hw(stride);
    b.conv(ch, c2, 3, s);
    b.conv(c2, c2, 3, s);
    b.params(c2 * 4 * reg + 4 * reg);
    b.keep(4 * reg * s);
    b.conv(ch, c3, 3, s);
    b.conv(c3, c3, 3, s);
    b.params(c3 * config.numClasses + config.numClasses);
    b.keep(config.numClasses * s);
    b.keep((4 * reg + config.numClasses) * s); // concat of box and class outputs
  }
  b.begin("head.DFL (fixed)");
  b.params(reg);
  const modules = b.modules;
  const params = modules.reduce((x, m) => x + m.params, 0);
  const input = 3 * size * size;
  return {
    config,
    imgsz: size,
    modules,
    params,
    trainableParams: params - reg,
    bufferElements: 2 * b.bnChannels,
    activationsPerImage: modules.reduce((x, m) => x + m.activations, 0) + input,
    largestTensorPerImage: Math.max(input, ...modules.map((m) => m.largestTensor)),
  };
}

export interface DetectorMemoryInput {
  config: DetectorConfig;
  imgsz: number;
  batch: number;
  /** Activation dtype (Ultralytics trains with AMP: fp16). */
  compute: FloatPrecision;
  optimizer: OptimizerKind;
}

export interface DetectorMemoryEstimate {
  summary: DetectorSummary;
  components: MemoryComponent[];
  totalBytes: number;
  buffers: BufferNeed[];
}

/**
 * Training memory: fp32 weights + BN statistics, fp32 gradients, optimizer states, activations
 * for `batch` images, the fp32 input batch, and a backward workspace of two of the largest
 * activation tensor (the gradient flowing in and out of one layer).
 */
export function estimateDetectorMemory(input: DetectorMemoryInput): DetectorMemoryEstimate {
  const s = describeDetector(input.config, input.imgsz);
  const a = FLOAT_BYTES[input.compute];
  const b = input.batch;
  const components: MemoryComponent[] = [
    {
      key: "weights",
      label: "weights + BN statistics (f32)",
      bytes: (s.params + s.bufferElements) * 4,
      detail: `${groupThousands(s.params)} params + ${groupThousands(s.bufferElements)} running stats × 4 B`,
    },
    {
      key: "gradients",
      label: "gradients (f32)",
      bytes: s.trainableParams * 4,
      detail: `${groupThousands(s.trainableParams)} trainable params × 4 B`,
    },
    {
      key: "optimizer",
      label: `optimizer states (${input.optimizer})`,
      bytes: optimizerStateBytes(s.trainableParams, input.optimizer),
      detail: "over all trainable parameters",
    },
    {
      key: "activations",
      label: "activations",
      bytes: b * s.activationsPerImage * a,
      detail: `${groupThousands(s.activationsPerImage)} elements per ${s.imgsz}² image × b=${b} × ${a} B`,
    },
    {
      key: "workspace",
      label: "backward workspace",
      bytes: 2 * b * s.largestTensorPerImage * a,
      detail: "2 × the largest activation tensor",
    },
  ];
  return {
    summary: s,
    components,
    totalBytes: components.reduce((x, c) => x + c.bytes, 0),
    buffers: [
      { name: "largest activation tensor", bytes: b * s.largestTensorPerImage * a },
      { name: "input batch (f32)", bytes: b * 3 * s.imgsz * s.imgsz * 4 },
    ].sort((x, y) => y.bytes - x.bytes),
  };
}
