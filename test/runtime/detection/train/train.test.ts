/**
 * Detector training: the loss goes down when a tiny model overfits one batch; the schedule;
 * and exact resume — a run stopped after 3 steps (as if killed) and resumed from its last
 * checkpoint ends with byte-identical weights to an uninterrupted run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../../runtime/backend/create-backend.js";
import type { Backend } from "../../../../runtime/backend/backend.js";
import { AdamW } from "../../../../runtime/optim/adamw.js";
import { createRng } from "../../../../runtime/util/random.js";
import { Detector } from "../../../../runtime/detection/model/detector.js";
import {
  DetectionDataset,
  collateBatch,
} from "../../../../runtime/detection/data/detection-dataset.js";
import {
  anchorGrid,
  trainStep,
  type StepBatch,
} from "../../../../runtime/detection/train/train-step.js";
import {
  learningRate,
  resolveTrainSettings,
  trainSettingsFromStage,
} from "../../../../runtime/detection/train/options.js";
import { trainDetector } from "../../../../runtime/detection/train/trainer.js";
import { readCheckpoint } from "../../../../runtime/detection/train/checkpoint.js";
import { isPipeError } from "../../../../compiler/diagnostics/pipe-error.js";
import type { VerifiedImage } from "../../../../runtime/detection/data/verify.js";
import { tempDir, tinyConfig, tinyDefectData } from "../model/tiny-detector.js";

let backend: Backend;
let train: VerifiedImage[];

beforeAll(async () => {
  backend = await createBackend({ setDefault: false, onNotice: () => {} });
  train = (await tinyDefectData(4, 1, 64, 11)).train;
});
afterAll(() => backend.dispose());

function fixedBatch(items: readonly VerifiedImage[], imgsz: number): StepBatch {
  const ds = new DetectionDataset(items, {
    imgsz,
    augment: { mosaic: 0, fliplr: 0, hsvH: 0, hsvS: 0, hsvV: 0, translate: 0, scale: 0 },
  });
  const rng = createRng(1);
  const c = collateBatch(
    items.map((_, i) => ds.trainSample(i, rng)),
    imgsz,
  );
  const rows = new Float32Array(c.count * 6);
  for (let r = 0; r < c.count; r++) {
    const [b, cls, xc, yc, w, h] = c.targets.subarray(6 * r, 6 * r + 6);
    rows.set(
      [
        b,
        cls,
        (xc - w / 2) * imgsz,
        (yc - h / 2) * imgsz,
        (xc + w / 2) * imgsz,
        (yc + h / 2) * imgsz,
      ],
      6 * r,
    );
  }
  return {
    size: c.size,
    imgsz,
    images: c.images,
    targets: { batch: c.size, rows, count: c.count },
  };
}

describe("detector training", () => {
  it("drives the loss down when overfitting one batch", async () => {
    const config = tinyConfig(64);
    const det = Detector.create(config, { seed: 2, backend });
    const opt = new AdamW(det.parameters(), { lr: 0.01, betas: [0.9, 0.999], weightDecay: 0 });
    const withBoxes = train.filter((t) => t.boxes.length > 0).slice(0, 2);
    const batch = fixedBatch(withBoxes, 64);
    expect(batch.targets.count).toBeGreaterThan(0);
    const anchors = await anchorGrid(det, 64);
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await trainStep(det, [opt], batch, anchors);
      expect(r.positives).toBeGreaterThan(0);
      losses.push(r.loss);
    }
    const first = (losses[0] + losses[1]) / 2;
    const last = (losses[8] + losses[9]) / 2;
    expect(last).toBeLessThan(first * 0.7);
    opt.dispose();
    det.dispose();
  });

  it("warms up linearly, then decays linearly to lr0·lrf", () => {
    const s = resolveTrainSettings({ epochs: 10, lr0: 0.01, lrf: 0.1, warmupEpochs: 1 });
    expect(learningRate(s, 0, 0, 4)).toBeCloseTo(0.01 * 0.25, 10);
    expect(learningRate(s, 0, 3, 4)).toBeCloseTo(0.01, 10);
    expect(learningRate(s, 5, 0, 4)).toBeCloseTo(0.01 * ((1 - 0.5) * 0.9 + 0.1), 10);
    expect(() => resolveTrainSettings({ epochs: 0, lr0: -1 })).toThrow(/epochs.*lr0/s);
  });

  it("reads a detect_train stage's snake_case settings (the example pipeline's)", () => {
    const s = trainSettingsFromStage({
      epochs: 60,
      imgsz: 160,
      batch: 16,
      optimizer: { kind: "adamw", lr0: 2e-3, lrf: 0.01, weight_decay: 5e-4 },
      warmup_epochs: 3,
      patience: 15,
      save_period: 10,
      augment: {
        hsv_h: 0.015,
        hsv_s: 0.7,
        hsv_v: 0.4,
        translate: 0.1,
        scale: 0.5,
        fliplr: 0.5,
        mosaic: 1,
        close_mosaic: 5,
      },
      eval: { data: "parts.val", every: 5 },
    });
    expect(s).toEqual({
      epochs: 60,
      batch: 16,
      warmupEpochs: 3,
      patience: 15,
      savePeriod: 10,
      augment: {
        hsvH: 0.015,
        hsvS: 0.7,
        hsvV: 0.4,
        translate: 0.1,
        scale: 0.5,
        fliplr: 0.5,
        mosaic: 1,
      },
      closeMosaic: 5,
      evalEvery: 5,
      lr0: 2e-3,
      lrf: 0.01,
      weightDecay: 5e-4,
    });
    expect(resolveTrainSettings(s).augment.flipud).toBe(0);
  });

  it("resumes exactly: stop after 3 steps, resume, same bytes as an uninterrupted run", async () => {
    const config = tinyConfig(32);
    const settings = {
      epochs: 2,
      batch: 2,
      lr0: 0.01,
      warmupEpochs: 0.5,
      closeMosaic: 1,
      savePeriod: 1,
      seed: 3,
      logEvery: 1,
    };
    const full = tempDir("train-full");
    const a = await trainDetector({ backend, config, train, outDir: full, settings });
    expect(a.globalStep).toBe(4);
    a.detector.dispose();

    const split = tempDir("train-split");
    const b = await trainDetector({
      backend,
      config,
      train,
      outDir: split,
      settings: { ...settings, checkpointEvery: 1 },
      stopAfterSteps: 3,
    });
    expect(b.interrupted).toBe(true);
    expect(b.globalStep).toBe(3);
    b.detector.dispose();
    expect(readCheckpoint(join(split, "checkpoint.safetensors")).meta.progress).toMatchObject({
      epoch: 1,
      step: 1,
      globalStep: 3,
    });

    const c = await trainDetector({
      backend,
      config,
      train,
      outDir: split,
      settings: { ...settings, checkpointEvery: 1 },
      resume: true,
    });
    expect(c.resumedFrom).toEqual({ epoch: 1, step: 1, globalStep: 3 });
    expect(c.globalStep).toBe(4);
    c.detector.dispose();

    const bytes = (dir: string) => readFileSync(join(dir, "weights", "last", "model.safetensors"));
    expect(Buffer.compare(bytes(full), bytes(split))).toBe(0);
    for (const dir of [full, split]) {
      expect(existsSync(join(dir, "weights", "epoch1", "model.safetensors"))).toBe(true);
      expect(existsSync(join(dir, "weights", "best", "detector.json"))).toBe(true);
    }
    // The log holds each step once, as an uninterrupted run's does.
    const steps = (dir: string) =>
      readFileSync(join(dir, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === "step")
        .map((r) => r.global_step);
    expect(steps(split)).toEqual([1, 2, 3, 4]);
    expect(steps(full)).toEqual([1, 2, 3, 4]);
  });

  it("fits the epoch count to a time limit (and says so)", async () => {
    const dir = tempDir("train-time");
    const r = await trainDetector({
      backend,
      config: tinyConfig(32),
      train,
      outDir: dir,
      settings: { epochs: 5, batch: 2, seed: 1 },
      timeLimitSeconds: 0.01,
    });
    r.detector.dispose();
    expect(r).toMatchObject({ epochsCompleted: 1, globalStep: 2, stoppedByTime: true });
    const epochs = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === "epoch");
    expect(epochs).toHaveLength(1);
    expect(readCheckpoint(join(dir, "checkpoint.safetensors")).meta.progress.epochs).toBe(1);
  });

  it("refuses to resume a checkpoint made with other settings", async () => {
    const config = tinyConfig(32);
    const dir = tempDir("train-mismatch");
    const r = await trainDetector({
      backend,
      config,
      train,
      outDir: dir,
      settings: { epochs: 1, batch: 2, seed: 1 },
    });
    r.detector.dispose();
    const err = await trainDetector({
      backend,
      config,
      train,
      outDir: dir,
      settings: { epochs: 1, batch: 2, seed: 2 },
      resume: true,
    }).catch((e) => e);
    expect(isPipeError(err)).toBe(true);
    expect(err.code).toBe("PW8003");
    expect(err.message).toMatch(/seed: 1 in the checkpoint, 2 now/);
  });
});
