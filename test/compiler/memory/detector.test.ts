import { describe, expect, it } from "vitest";
import {
  describeDetector,
  estimateDetectorMemory,
  yoloV8Config,
} from "../../../compiler/memory/detector.js";

describe("YOLO-style detector", () => {
  it("reproduces the published YOLOv8 parameter counts (80 classes)", () => {
    // Ultralytics model summaries: n 3,157,200; s 11,166,560; m 25,902,640; l 43,691,520; x 68,229,648
    const counts = (["n", "s", "m", "l", "x"] as const).map(
      (s) => describeDetector(yoloV8Config(s, 80), 640).params,
    );
    expect(counts).toEqual([3_157_200, 11_166_560, 25_902_640, 43_691_520, 68_229_648]);
    expect(describeDetector(yoloV8Config("n", 80), 640).trainableParams).toBe(3_157_184); // DFL is fixed
  });

  it("derives widths and depths from the YOLOv8 scales", () => {
    expect(yoloV8Config("n", 3)).toEqual({
      numClasses: 3,
      widths: [16, 32, 64, 128, 256],
      depths: [1, 2, 2, 1],
      neckDepth: 1,
      regMax: 16,
    });
    expect(yoloV8Config("m", 3).widths).toEqual([48, 96, 192, 384, 576]);
    expect(yoloV8Config("m", 3).depths).toEqual([2, 4, 4, 2]);
  });

  it("activations scale with image area; imgsz rounds up to a multiple of 32", () => {
    const cfg = yoloV8Config("n", 3);
    const a320 = describeDetector(cfg, 320).activationsPerImage;
    const a640 = describeDetector(cfg, 640).activationsPerImage;
    expect(a640).toBe(4 * a320);
    expect(describeDetector(cfg, 630).imgsz).toBe(640);
    // the largest tensor is a P1 conv output: 16 channels × 320 × 320
    expect(describeDetector(cfg, 640).largestTensorPerImage).toBe(16 * 320 * 320);
  });

  it("estimates training memory: weights, gradients, AdamW, activations × batch", () => {
    const cfg = yoloV8Config("n", 3);
    const e = estimateDetectorMemory({
      config: cfg,
      imgsz: 640,
      batch: 16,
      compute: "fp16",
      optimizer: "adamw",
    });
    const s = e.summary;
    const by = Object.fromEntries(e.components.map((c) => [c.key, c.bytes]));
    expect(by.weights).toBe(4 * (s.params + s.bufferElements));
    expect(by.gradients).toBe(4 * s.trainableParams);
    expect(by.optimizer).toBe(8 * s.trainableParams);
    expect(by.activations).toBe(16 * s.activationsPerImage * 2);
    expect(e.totalBytes).toBe(Object.values(by).reduce((a, b) => a + b, 0));
    const e32 = estimateDetectorMemory({
      config: cfg,
      imgsz: 640,
      batch: 32,
      compute: "fp16",
      optimizer: "adamw",
    });
    expect(e32.components.find((c) => c.key === "activations")!.bytes).toBe(2 * by.activations);
  });
});
