/**
 * Inference: post-processing (confidence threshold, class-offset batched NMS, per-image cap),
 * boxes mapped back through the letterbox, YOLO txt / JSON writers, and inputs that are
 * missing or corrupt reported by path.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../../runtime/backend/create-backend.js";
import type { Backend } from "../../../../runtime/backend/backend.js";
import { CpuBackend } from "../../../../runtime/backend/cpu-backend.js";
import { zeros } from "../../../../runtime/tensor/creation.js";
import { createImage } from "../../../../runtime/image/rgb-image.js";
import { writePng } from "../../../../runtime/image/encode.js";
import { postprocessDetections } from "../../../../runtime/detection/infer/postprocess.js";
import {
  mapToOriginal,
  prepareImage,
  predictImages,
} from "../../../../runtime/detection/infer/predict.js";
import {
  detectFiles,
  expandImageInputs,
  writePredictions,
  yoloPredictionLines,
} from "../../../../runtime/detection/infer/detect-files.js";
import { Detector } from "../../../../runtime/detection/model/detector.js";
import { tempDir, tinyConfig } from "../model/tiny-detector.js";

/** Host arrays for B images, A anchors, nc classes: boxes [B, A, 4], probabilities [B, nc, A]. */
function raw(B: number, A: number, nc: number) {
  return { boxes: new Float32Array(B * A * 4), probs: new Float32Array(B * nc * A) };
}

describe("postprocessDetections", () => {
  const cpu = new CpuBackend();
  const like = zeros([1], { backend: cpu });

  it("thresholds, suppresses same-class overlaps only, and keeps images apart", async () => {
    const [B, A, nc] = [2, 4, 2];
    const { boxes, probs } = raw(B, A, nc);
    const put = (b: number, a: number, box: number[], cls: number, p: number) => {
      boxes.set(box, (b * A + a) * 4);
      probs[(b * nc + cls) * A + a] = p;
    };
    put(0, 0, [10, 10, 50, 50], 0, 0.9);
    put(0, 1, [12, 12, 52, 52], 0, 0.8); // same class, IoU ≈ 0.82 → suppressed
    put(0, 2, [12, 12, 52, 52], 1, 0.7); // other class → kept
    put(0, 3, [100, 100, 120, 120], 0, 0.2); // below conf
    put(1, 0, [10, 10, 50, 50], 0, 0.6); // same box in another image → kept
    const out = await postprocessDetections(boxes, probs, B, nc, like, { conf: 0.25, iou: 0.45 });
    expect(out[0].map((d) => [d.cls, Number(d.conf.toFixed(2))])).toEqual([
      [0, 0.9],
      [1, 0.7],
    ]);
    expect(out[1]).toHaveLength(1);
    expect(out[1][0].box).toEqual([10, 10, 50, 50]);
  });

  it("caps detections per image at maxDet, highest score first", async () => {
    const [B, A, nc] = [1, 5, 1];
    const { boxes, probs } = raw(B, A, nc);
    for (let a = 0; a < A; a++) {
      boxes.set([a * 30, 0, a * 30 + 20, 20], a * 4);
      probs[a] = 0.5 + a / 10;
    }
    const out = await postprocessDetections(boxes, probs, B, nc, like, { conf: 0.1, maxDet: 2 });
    expect(out[0].map((d) => Number(d.conf.toFixed(2)))).toEqual([0.9, 0.8]);
  });
});

describe("letterbox mapping", () => {
  it("maps a box on the network input back to the original pixels", () => {
    const img = createImage(200, 100, 0);
    const { input, geometry } = prepareImage(img, 64);
    expect([input.width, input.height]).toEqual([64, 64]);
    // 200×100 → 64×32, padded 16 px top and bottom.
    expect([geometry.padLeft, geometry.padTop]).toEqual([0, 16]);
    const [d] = mapToOriginal([{ box: [16, 24, 32, 40], cls: 0, conf: 1 }], geometry);
    expect(d.box).toEqual([50, 25, 100, 75]);
    // Boxes reaching into the padding are clipped to the image.
    const [e] = mapToOriginal([{ box: [-5, 0, 70, 64], cls: 0, conf: 1 }], geometry);
    expect(e.box).toEqual([0, 0, 200, 100]);
  });
});

describe("detector inference", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend({ setDefault: false, onNotice: () => {} });
  });
  afterAll(() => backend.dispose());

  it("returns boxes inside each original image, for images of different sizes", async () => {
    const det = Detector.create(tinyConfig(64), { seed: 4, backend });
    const images = [createImage(96, 48, [120, 90, 60]), createImage(40, 70, [200, 200, 200])];
    const out = await predictImages(det, images, { conf: 0.001, maxDet: 20 });
    expect(out).toHaveLength(2);
    out.forEach((dets, i) => {
      expect(dets.length).toBeGreaterThan(0);
      expect(dets.length).toBeLessThanOrEqual(20);
      for (const d of dets) {
        expect(d.box[0]).toBeGreaterThanOrEqual(0);
        expect(d.box[2]).toBeLessThanOrEqual(images[i].width);
        expect(d.box[3]).toBeLessThanOrEqual(images[i].height);
        expect(d.conf).toBeGreaterThan(0.001);
      }
    });
    det.dispose();
  });

  it("reports missing and corrupt files by path and detects the rest", async () => {
    const dir = tempDir("detect-files");
    await writePng(join(dir, "good.png"), createImage(64, 64, [90, 90, 90]));
    writeFileSync(join(dir, "broken.png"), "not a png at all");
    const { files, issues } = expandImageInputs([dir, join(dir, "missing.png")]);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["broken.png", "good.png"]);
    expect(issues).toEqual([
      expect.objectContaining({ code: "PW7010", path: join(dir, "missing.png") }),
    ]);
    const det = Detector.create(tinyConfig(64), { seed: 4, backend });
    const run = await detectFiles(det, files, { conf: 0.001, maxDet: 3 });
    expect(run.results.map((r) => r.path)).toEqual([join(dir, "good.png")]);
    expect(run.errors).toEqual([
      expect.objectContaining({ code: "PW7011", path: join(dir, "broken.png") }),
    ]);
    const written = await writePredictions(join(dir, "out"), run, det.config.names);
    expect(written.map((w) => w.slice(dir.length + 1))).toEqual([
      "out/predictions.json",
      "out/labels/good.txt",
    ]);
    const json = JSON.parse(readFileSync(join(dir, "out", "predictions.json"), "utf8"));
    expect(json.images[0].detections.length).toBe(run.results[0].detections.length);
    expect(json.errors[0].path).toBe(join(dir, "broken.png"));
    det.dispose();
  });

  it("writes YOLO rows normalised to the image, with the confidence when asked", () => {
    const r = {
      path: "a.png",
      width: 200,
      height: 100,
      detections: [
        { box: [50, 25, 100, 75] as [number, number, number, number], cls: 2, conf: 0.5 },
      ],
    };
    expect(yoloPredictionLines(r)).toBe("2 0.375000 0.500000 0.250000 0.500000\n");
    expect(yoloPredictionLines(r, true)).toBe("2 0.375000 0.500000 0.250000 0.500000 0.500000\n");
  });
});
