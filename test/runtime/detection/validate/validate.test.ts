/**
 * Validation: PR curves from hand-made detections, the report files (val.json with metrics and
 * the confusion matrix, a PR-curve PNG that decodes), and a full validation pass of a tiny
 * model over generated images.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../../runtime/backend/create-backend.js";
import type { Backend } from "../../../../runtime/backend/backend.js";
import { decodeImage } from "../../../../runtime/image/decode.js";
import { getPixel } from "../../../../runtime/image/rgb-image.js";
import { classColor } from "../../../../runtime/image/draw.js";
import {
  evaluateDetections,
  type DetectionImage,
} from "../../../../runtime/eval/metrics/detection-eval.js";
import {
  precisionRecallCurves,
  drawPrCurves,
} from "../../../../runtime/detection/validate/pr-curve.js";
import {
  fitnessOf,
  validateDetector,
  type ValidationResult,
} from "../../../../runtime/detection/validate/validate.js";
import {
  formatValidationTable,
  writeValidationReport,
} from "../../../../runtime/detection/validate/val-report.js";
import { Detector } from "../../../../runtime/detection/model/detector.js";
import { tempDir, tinyConfig, tinyDefectData } from "../model/tiny-detector.js";

const names = ["a", "b"];
const images: DetectionImage[] = [
  {
    groundTruth: [
      { box: [0, 0, 10, 10], cls: 0 },
      { box: [20, 20, 30, 30], cls: 0 },
      { box: [40, 40, 60, 60], cls: 1 },
    ],
    predictions: [
      { box: [0, 0, 10, 10], cls: 0, conf: 0.9 }, // TP
      { box: [50, 0, 60, 10], cls: 0, conf: 0.8 }, // FP
      { box: [20, 20, 30, 30], cls: 0, conf: 0.7 }, // TP
      { box: [40, 40, 60, 60], cls: 1, conf: 0.6 }, // TP
    ],
  },
];

describe("PR curves", () => {
  it("follow the precision envelope per class at IoU 0.5", () => {
    const [a, b] = precisionRecallCurves(images, names);
    expect(a.groundTruth).toBe(2);
    // Class a ranks TP, FP, TP: precision 1 below recall 0.5, then the envelope 2/3; the last
    // sample is the sentinel 0 at recall 1 (np.interp on compute_ap's arrays, as Ultralytics plots).
    expect(a.precision[0]).toBe(1);
    expect(a.precision[49]).toBeCloseTo(1, 12);
    expect(a.precision[50]).toBeCloseTo(2 / 3, 6);
    expect(a.precision[99]).toBeCloseTo(2 / 3, 6);
    expect(a.precision[100]).toBe(0);
    // Class b is perfect.
    expect(b.precision.slice(0, 100).every((p) => Math.abs(p - 1) < 1e-12)).toBe(true);
  });

  it("draws one curve per class in the class colour", () => {
    const metrics = evaluateDetections(images, { nc: 2, names });
    const img = drawPrCurves(precisionRecallCurves(images, names), metrics);
    expect([img.width, img.height]).toEqual([640, 480]);
    const colorA = classColor(0).join();
    let found = 0;
    for (let y = 0; y < img.height; y += 1)
      for (let x = 0; x < img.width; x += 1) if (getPixel(img, x, y).join() === colorA) found++;
    expect(found).toBeGreaterThan(200);
  });

  it("writes val.json and a PR-curve PNG", async () => {
    const metrics = evaluateDetections(images, { nc: 2, names });
    const r: ValidationResult = {
      metrics,
      fitness: fitnessOf(metrics),
      images,
      paths: ["x.png"],
      seconds: 0.1,
    };
    const dir = tempDir("val-report");
    const files = await writeValidationReport(dir, r, names, { conf: 0.001 });
    const json = JSON.parse(readFileSync(files.json, "utf8"));
    expect(json).toMatchObject({
      style: "ultralytics",
      images: 1,
      instances: 3,
      settings: { conf: 0.001, iou: 0.7, max_det: 300 },
    });
    expect(json.map50).toBeCloseTo(metrics.map50, 6);
    expect(json.classes.map((c: { class: string }) => c.class)).toEqual(["a", "b"]);
    expect(json.confusion_matrix.names).toEqual(["a", "b", "background"]);
    expect(json.confusion_matrix.matrix).toHaveLength(3);
    const png = decodeImage(readFileSync(files.prCurve), files.prCurve);
    expect([png.width, png.height]).toEqual([640, 480]);
    expect(formatValidationTable(r, names)).toMatch(
      /^\s*Class\s+Images\s+Instances\s+P\s+R\s+mAP50\s+mAP50-95\n\s+all\s+1\s+3/,
    );
  });
});

describe("validateDetector", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend({ setDefault: false, onNotice: () => {} });
  });
  afterAll(() => backend.dispose());

  it("scores a model over a split in original-image pixels", async () => {
    const data = await tinyDefectData(1, 5, 64, 21);
    const det = Detector.create(tinyConfig(64), { seed: 1, backend });
    const r = await validateDetector(det, data.val, { batch: 4 });
    expect(r.images).toHaveLength(5);
    expect(r.paths).toEqual(data.val.map((v) => v.imagePath));
    expect(r.metrics.images).toBe(5);
    expect(r.metrics.instances).toBe(data.val.reduce((n, v) => n + v.boxes.length, 0));
    for (const img of r.images)
      for (const p of img.predictions) expect(p.box[2]).toBeLessThanOrEqual(64);
    expect(r.fitness).toBeGreaterThanOrEqual(0);
    det.dispose();
  });
});
