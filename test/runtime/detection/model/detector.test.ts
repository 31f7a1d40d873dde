/**
 * The detector model: YOLOv8 sizes from width/depth multiples, a parameter count that agrees
 * with the compiler's memory estimator (same layout), output shapes per pyramid level, and the
 * weights directory round trip with its located errors.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../../../runtime/backend/cpu-backend.js";
import { rand } from "../../../../runtime/tensor/creation.js";
import { tidy } from "../../../../runtime/tensor/scope.js";
import { noGrad } from "../../../../runtime/autograd/grad-mode.js";
import { describeDetector } from "../../../../compiler/memory/detector.js";
import {
  anchorCount,
  checkDetectorConfig,
  detectorConfig,
  toMemoryConfig,
} from "../../../../runtime/detection/model/config.js";
import { Detector } from "../../../../runtime/detection/model/detector.js";
import {
  initialValues,
  parameterCount,
  tensorSpecs,
} from "../../../../runtime/detection/model/params.js";
import {
  loadDetector,
  readDetectorConfig,
  saveDetector,
  saveDetectorValues,
} from "../../../../runtime/detection/model/weights-io.js";
import { isPipeError } from "../../../../compiler/diagnostics/pipe-error.js";
import { tempDir, tinyConfig } from "./tiny-detector.js";

const cpu = new CpuBackend();

function pipeErrorOf(fn: () => unknown): { code: string; message: string; where: string } {
  try {
    fn();
  } catch (err) {
    if (isPipeError(err)) return { code: err.code, message: err.message, where: err.where() };
    throw err;
  }
  throw new Error("expected a PipeError");
}

describe("detector config", () => {
  it("derives YOLOv8n's widths and depths from width 0.25, depth 0.33", () => {
    const c = detectorConfig({ names: ["a"], imgsz: 640, width: 0.25, depth: 0.33 });
    expect(c.widths).toEqual([16, 32, 64, 128, 256]);
    expect(c.depths).toEqual([1, 2, 2, 1]);
    expect(c.neckDepth).toBe(1);
    expect(c.headBox).toBe(16);
    expect(c.headCls).toBe(64);
  });

  it("counts exactly the parameters the memory estimator counts for the same layout", () => {
    for (const [width, depth, nc] of [
      [0.25, 0.33, 4],
      [0.125, 0.33, 80],
      [0.5, 0.67, 3],
    ] as const) {
      const c = detectorConfig({
        names: Array.from({ length: nc }, (_, i) => `c${i}`),
        imgsz: 160,
        width,
        depth,
      });
      expect(parameterCount(c)).toBe(describeDetector(toMemoryConfig(c), 160).trainableParams);
    }
  });

  it("rejects imgsz that is not a multiple of 32 and other bad fields", () => {
    expect(() => detectorConfig({ names: ["a"], imgsz: 100 })).toThrow(/multiple of 32/);
    expect(checkDetectorConfig({ format: "x" })).toEqual(
      expect.arrayContaining([expect.stringMatching(/format/), expect.stringMatching(/names/)]),
    );
  });
});

describe("Detector forward", () => {
  it("gives box distances [B, 4, A] ≥ 0 and class logits [B, nc, A] over P3–P5", async () => {
    const c = tinyConfig(64);
    const det = Detector.create(c, { seed: 1, backend: cpu });
    const x = rand([2, 3, 64, 64], { seed: 2, backend: cpu });
    const out = tidy(() => noGrad(() => det.forward(x, { training: false })));
    const A = anchorCount(64);
    expect(A).toBe(64 + 16 + 4);
    expect(out.box.shape).toEqual([2, 4, A]);
    expect(out.cls.shape).toEqual([2, 4, A]);
    const box = await out.box.toArray();
    expect(Math.min(...box)).toBeGreaterThan(0);
    // Class biases start at Ultralytics' prior, so probabilities start small.
    const cls = await out.cls.toArray();
    expect(cls.every((v) => v < 0)).toBe(true);
    const boxes = det.decodeBoxes(out.box, 64);
    expect(boxes.shape).toEqual([2, A, 4]);
    det.dispose();
  });

  it("initialises deterministically from the seed, with BatchNorm buffers not trainable", () => {
    const c = tinyConfig(64);
    const a = initialValues(c, 5);
    const b = initialValues(c, 5);
    const d = initialValues(c, 6);
    const name = tensorSpecs(c)[0].name;
    expect(a.get(name)).toEqual(b.get(name));
    expect(a.get(name)).not.toEqual(d.get(name));
    const specs = tensorSpecs(c);
    expect(specs.filter((s) => s.name.endsWith("running_var")).every((s) => !s.trainable)).toBe(
      true,
    );
    expect(specs.filter((s) => s.decay).every((s) => s.shape.length === 4)).toBe(true);
  });
});

describe("weights directory", () => {
  it("round-trips every tensor and the config", async () => {
    const dir = tempDir("weights");
    const det = Detector.create(tinyConfig(64), { seed: 3, backend: cpu });
    await saveDetector(dir, det, { epoch: 1 });
    const back = loadDetector(dir, cpu);
    expect(back.config).toEqual(det.config);
    const [v1, v2] = [await det.values(), await back.values()];
    for (const [k, v] of v1) expect(v2.get(k)).toEqual(v);
    expect(JSON.parse(readFileSync(join(dir, "detector.json"), "utf8")).training).toEqual({
      epoch: 1,
    });
    det.dispose();
    back.dispose();
  });

  it("reports a missing directory, a missing or broken detector.json, and foreign weights", () => {
    const root = tempDir("weights-bad");
    expect(pipeErrorOf(() => readDetectorConfig(join(root, "nope")))).toMatchObject({
      code: "PW3001",
      where: join(root, "nope"),
    });
    mkdirSync(join(root, "empty"));
    expect(pipeErrorOf(() => readDetectorConfig(join(root, "empty"))).code).toBe("PW3002");
    mkdirSync(join(root, "broken"));
    writeFileSync(join(root, "broken", "detector.json"), "{ not json");
    expect(pipeErrorOf(() => readDetectorConfig(join(root, "broken"))).code).toBe("PW3003");
    writeFileSync(
      join(root, "broken", "detector.json"),
      JSON.stringify({ ...tinyConfig(64), imgsz: 65 }),
    );
    expect(pipeErrorOf(() => readDetectorConfig(join(root, "broken")))).toMatchObject({
      code: "PW3003",
      message: expect.stringContaining("imgsz"),
    });
    // Weights written for 4 classes, config claiming 3: the class head's shape disagrees.
    const small = tinyConfig(64);
    saveDetectorValues(join(root, "foreign"), small, initialValues(small, 1));
    writeFileSync(
      join(root, "foreign", "detector.json"),
      JSON.stringify(tinyConfig(64, ["a", "b", "c"])),
    );
    expect(pipeErrorOf(() => loadDetector(join(root, "foreign"), cpu))).toMatchObject({
      code: "PW3005",
      message: expect.stringContaining("cls2"),
    });
    // Weights of a wider model: a tensor is missing.
    const wide = detectorConfig({
      names: ["a", "b", "c", "d"],
      imgsz: 64,
      widths: [8, 8, 8, 8, 8],
      depths: [2, 1, 1, 1],
      neckDepth: 1,
      headBox: 8,
      headCls: 8,
    });
    writeFileSync(join(root, "foreign", "detector.json"), JSON.stringify(wide));
    expect(pipeErrorOf(() => loadDetector(join(root, "foreign"), cpu)).code).toBe("PW3006");
  });
});
