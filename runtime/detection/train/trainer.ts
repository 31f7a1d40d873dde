/**
 * Detector training loop (Ultralytics' DetectionTrainer, reduced to what the seed uses):
 * seeded epochs over the training split with the augmentation pipeline (mosaic closed for the
 * last `closeMosaic` epochs), AdamW in two parameter groups (weight decay on conv weights only),
 * linear warmup then linear lr decay to lr0·lrf, validation every `evalEvery` epochs with
 * fitness 0.1·mAP50 + 0.9·mAP50-95, early stopping after `patience` epochs without a better
 * fitness, and on disk under `outDir`:
 *
 *   weights/last, weights/best, weights/epoch<N>   weights directories (detector.json + model.safetensors)
 *   checkpoint.safetensors                          model + optimiser + progress (atomic; for resume)
 *   metrics.jsonl                                   one JSON record per logged step and per epoch
 *   train.json                                      architecture and settings of the run
 *
 * Determinism: the epoch order comes from Rng(mix(seed, epoch)) and each batch's augmentation
 * from Rng(mix(seed, epoch, step)), so (epoch, step) is the whole random state and a resumed
 * run replays exactly what an uninterrupted one would have done. The library never prints:
 * progress and epoch summaries go to callbacks.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { Backend } from "../../backend/backend.js";
import { AdamW } from "../../optim/adamw.js";
import type { OptimizerStateDict } from "../../optim/optimizer.js";
import { createRng } from "../../util/random.js";
import { augmentSample } from "../data/augment/pipeline.js";
import { collateBatch, DetectionDataset, epochOrder } from "../data/detection-dataset.js";
import type { VerifiedImage } from "../data/verify.js";
import type { DetectorModelConfig } from "../model/config.js";
import { Detector } from "../model/detector.js";
import { saveDetectorValues, writeFileAtomic } from "../model/weights-io.js";
import { validateDetector, type ValidationResult } from "../validate/validate.js";
import {
  readCheckpoint,
  settingsMismatch,
  writeCheckpoint,
  type CheckpointProgress,
} from "./checkpoint.js";
import {
  learningRate,
  resolveTrainSettings,
  type TrainSettings,
  type TrainSettingsInput,
} from "./options.js";
import { anchorGrid, trainStep, type StepBatch } from "./train-step.js";

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  globalStep: number;
  totalSteps: number;
  lr: number;
  loss: number;
  box: number;
  cls: number;
  l1: number;
  positives: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface EpochSummary {
  epoch: number;
  epochs: number;
  trainLoss: { loss: number; box: number; cls: number; l1: number };
  seconds: number;
  validation?: {
    precision: number;
    recall: number;
    map50: number;
    map50_95: number;
    fitness: number;
    seconds: number;
  };
  best: { epoch: number; fitness: number };
  improved: boolean;
}

export interface TrainDetectorOptions {
  backend: Backend;
  config: DetectorModelConfig;
  /** Start from these values instead of a fresh seeded initialisation. */
  initialValues?: ReadonlyMap<string, Float32Array>;
  train: readonly VerifiedImage[];
  val?: readonly VerifiedImage[];
  outDir: string;
  settings?: TrainSettingsInput;
  /** Continue from `outDir/checkpoint.safetensors` when it exists. */
  resume?: boolean;
  /** Stop (as if killed) after this many optimiser steps in this call. */
  stopAfterSteps?: number;
  /**
   * Wall-clock budget for this call in seconds (Ultralytics' `time`): after every epoch the
   * number of epochs is re-estimated from the mean epoch time so that training — with its lr
   * schedule and mosaic closing fitted to that count — ends within the budget; `epochs` stays
   * the upper bound.
   */
  timeLimitSeconds?: number;
  valStyle?: "ultralytics" | "coco";
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (e: EpochSummary) => void;
}

export interface TrainResult {
  /** The model after the last step taken (dispose it when done). */
  detector: Detector;
  settings: TrainSettings;
  epochsCompleted: number;
  globalStep: number;
  stoppedEarly: boolean;
  /** `timeLimitSeconds` fitted the run to fewer epochs than `epochs`. */
  stoppedByTime: boolean;
  interrupted: boolean;
  resumedFrom?: { epoch: number; step: number; globalStep: number };
  best?: { epoch: number; fitness: number };
  lastValidation?: ValidationResult;
  weights: { last: string; best: string };
  checkpoint: string;
  metricsLog: string;
  seconds: number;
}

/** A 32-bit hash of (seed, a, b): independent random streams per epoch and step. */
export function mixSeed(seed: number, a: number, b = 0x7fffffff): number {
  let h = Math.imul((seed >>> 0) ^ 0x3c6ef372, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ ((a + 0x632be5ab) >>> 0), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ ((b + 0x1b873593) >>> 0), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A short fingerprint of the training images (paths and box counts), to refuse foreign checkpoints. */
function fingerprint(items: readonly VerifiedImage[]): string {
  let h = 0x811c9dc5;
  for (const it of items) {
    const s = `${it.imagePath}|${it.boxes.length}`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  }
  return `${items.length}:${h.toString(16)}`;
}

export async function trainDetector(o: TrainDetectorOptions): Promise<TrainResult> {
  const started = performance.now();
  const s = resolveTrainSettings(o.settings);
  const config = o.config;
  const imgsz = config.imgsz;
  const n = o.train.length;
  if (n < 2)
    throw new PipeError("PW7008", `detector training needs at least 2 training images, got ${n}`);
  mkdirSync(o.outDir, { recursive: true });
  const paths = {
    last: join(o.outDir, "weights", "last"),
    best: join(o.outDir, "weights", "best"),
    checkpoint: join(o.outDir, "checkpoint.safetensors"),
    metrics: join(o.outDir, "metrics.jsonl"),
  };
  // What must match for an exact resume (not logging or checkpoint cadence).
  const { logEvery: _l, checkpointEvery: _c, ...exact } = s;
  const runSettings: Record<string, unknown> = {
    ...exact,
    imgsz,
    train: fingerprint(o.train),
    val: o.val ? fingerprint(o.val) : null,
  };

  let progress: CheckpointProgress = {
    epoch: 0,
    step: 0,
    globalStep: 0,
    bestFitness: -Infinity,
    bestEpoch: -1,
    epochsWithoutImprovement: 0,
  };
  let detector: Detector;
  let savedOptim: Map<string, OptimizerStateDict> | undefined;
  let resumedFrom: TrainResult["resumedFrom"];
  if (o.resume && existsSync(paths.checkpoint)) {
    const ck = readCheckpoint(paths.checkpoint);
    const archDiff = settingsMismatch(
      ck.meta.config as unknown as Record<string, unknown>,
      config as unknown as Record<string, unknown>,
    );
    if (archDiff)
      throw new PipeError(
        "PW8003",
        `checkpoint ${paths.checkpoint} is for another detector (${archDiff})`,
        { path: paths.checkpoint },
        "resume with the same model, or start a new run in another output folder",
      );
    const diff = settingsMismatch(ck.meta.settings, runSettings);
    if (diff)
      throw new PipeError(
        "PW8003",
        `checkpoint ${paths.checkpoint} was made with other training settings (${diff})`,
        { path: paths.checkpoint },
        "an exact resume needs the same settings and data; start a new run in another output folder",
      );
    detector = Detector.fromValues(config, ck.values, o.backend);
    savedOptim = ck.optimizers;
    progress = { ...ck.meta.progress, bestFitness: ck.meta.progress.bestFitness ?? -Infinity };
    resumedFrom = { epoch: progress.epoch, step: progress.step, globalStep: progress.globalStep };
  } else {
    detector = o.initialValues
      ? Detector.fromValues(config, o.initialValues, o.backend)
      : Detector.create(config, { seed: s.seed, backend: o.backend });
  }

  const params = detector.parameters();
  const specs = detector.parameterSpecs();
  const betas: [number, number] = [s.momentum, 0.999];
  const optimizers = new Map<string, AdamW>([
    [
      "decay",
      new AdamW(
        params.filter((_, i) => specs[i].decay),
        { lr: s.lr0, betas, weightDecay: s.weightDecay },
      ),
    ],
    [
      "no_decay",
      new AdamW(
        params.filter((_, i) => !specs[i].decay),
        { lr: s.lr0, betas, weightDecay: 0 },
      ),
    ],
  ]);
  if (savedOptim) {
    for (const [name, opt] of optimizers) {
      const state = savedOptim.get(name);
      if (!state)
        throw new PipeError(
          "PW8003",
          `checkpoint ${paths.checkpoint} has no optimizer group '${name}'`,
          { path: paths.checkpoint },
        );
      opt.loadStateDict(state, { path: paths.checkpoint });
    }
  }

  prepareMetricsLog(
    paths.metrics,
    resumedFrom?.globalStep,
    resumedFrom ? progress.epoch : undefined,
  );
  writeFileAtomic(
    join(o.outDir, "train.json"),
    JSON.stringify(
      { config, settings: s, train: runSettings.train, val: runSettings.val },
      null,
      2,
    ) + "\n",
  );
  const log = (record: Record<string, unknown>) =>
    appendFileSync(paths.metrics, JSON.stringify(record) + "\n");

  const dataset = new DetectionDataset(o.train, { imgsz, augment: s.augment });
  const valDataset =
    o.val && o.val.length ? new DetectionDataset(o.val, { imgsz, augment: {} }) : undefined;
  const anchors = await anchorGrid(detector, imgsz);
  const stepsPerEpoch = Math.ceil(n / s.batch) - (n % s.batch === 1 ? 1 : 0);
  // The epoch count in force: the setting, or what a time limit has fitted it to.
  let epochs = progress.epochs ?? s.epochs;
  const schedule = () => ({ ...s, epochs });
  const load = (i: number) => dataset.loadResized(i);

  const makeBatch = (order: readonly number[], epoch: number, step: number): StepBatch => {
    const rng = createRng(mixSeed(s.seed, epoch, step));
    const augment = epoch >= epochs - s.closeMosaic ? { ...s.augment, mosaic: 0 } : s.augment;
    const idx = order.slice(step * s.batch, Math.min(n, (step + 1) * s.batch));
    const samples = idx.map((i) => augmentSample(load, i, n, imgsz, rng, augment));
    const c = collateBatch(samples, imgsz);
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
  };

  const optimizerStates = async () => {
    const out = new Map<string, OptimizerStateDict>();
    for (const [name, opt] of optimizers) out.set(name, await opt.stateDict());
    return out;
  };
  const checkpoint = async (p: CheckpointProgress) => {
    writeCheckpoint(
      paths.checkpoint,
      { config, settings: runSettings, progress: p },
      await detector.values(),
      await optimizerStates(),
    );
  };

  let stepsThisCall = 0;
  let interrupted = false;
  let stoppedEarly = false;
  let stoppedByTime = false;
  let trainSecondsThisCall = 0;
  let epochsThisCall = 0;
  let lastValSeconds = 0;
  let lastValidation: ValidationResult | undefined;
  let stepSeconds = 0;
  let epoch = progress.epoch;
  try {
    for (; epoch < epochs && !interrupted && !stoppedEarly; epoch++) {
      const epochStart = performance.now();
      const order = epochOrder(n, createRng(mixSeed(s.seed, epoch)));
      const startStep = epoch === progress.epoch ? progress.step : 0;
      const sums = { loss: 0, box: 0, cls: 0, l1: 0, count: 0 };
      let next: StepBatch | undefined =
        startStep < stepsPerEpoch ? makeBatch(order, epoch, startStep) : undefined;
      for (let step = startStep; step < stepsPerEpoch; step++) {
        if (o.stopAfterSteps !== undefined && stepsThisCall >= o.stopAfterSteps) {
          interrupted = true;
          break;
        }
        const t0 = performance.now();
        const lr = learningRate(schedule(), epoch, step, stepsPerEpoch);
        for (const opt of optimizers.values()) opt.lr = lr;
        const cur = next!;
        const r = await trainStep(detector, [...optimizers.values()], cur, anchors, {
          gains: { box: s.boxGain, cls: s.clsGain, l1: s.l1Gain },
          targets: s.clsTargets,
          overlap: () => {
            next = step + 1 < stepsPerEpoch ? makeBatch(order, epoch, step + 1) : undefined;
          },
        });
        if (!Number.isFinite(r.loss)) {
          throw new Error(
            `detector training diverged: the loss is ${r.loss} at epoch ${epoch + 1}, step ${step + 1} (lower lr0?)`,
          );
        }
        stepsThisCall++;
        progress.globalStep++;
        const dt = (performance.now() - t0) / 1000;
        stepSeconds = stepSeconds === 0 ? dt : 0.9 * stepSeconds + 0.1 * dt;
        sums.loss += r.loss;
        sums.box += r.box;
        sums.cls += r.cls;
        sums.l1 += r.l1;
        sums.count++;
        o.onProgress?.({
          epoch: epoch + 1,
          epochs,
          step: step + 1,
          steps: stepsPerEpoch,
          globalStep: progress.globalStep,
          totalSteps: stepsPerEpoch * epochs,
          lr,
          ...r,
          imagesPerSecond: cur.size / dt,
          etaSeconds: stepSeconds * (stepsPerEpoch * epochs - progress.globalStep),
        });
        if (progress.globalStep % s.logEvery === 0) {
          log({
            type: "step",
            epoch: epoch + 1,
            step: step + 1,
            global_step: progress.globalStep,
            lr,
            loss: r.loss,
            box_loss: r.box,
            cls_loss: r.cls,
            l1_loss: r.l1,
            positives: r.positives,
            imgs_per_s: cur.size / dt,
          });
        }
        if (
          s.checkpointEvery > 0 &&
          progress.globalStep % s.checkpointEvery === 0 &&
          step + 1 < stepsPerEpoch
        ) {
          await checkpoint({ ...progress, epoch, step: step + 1 });
        }
      }
      if (interrupted) break;

      // End of epoch: validate, keep best/last/periodic weights, checkpoint.
      const mean = (v: number) => v / Math.max(1, sums.count);
      const trainLoss = {
        loss: mean(sums.loss),
        box: mean(sums.box),
        cls: mean(sums.cls),
        l1: mean(sums.l1),
      };
      trainSecondsThisCall += (performance.now() - epochStart) / 1000;
      epochsThisCall++;
      if (o.timeLimitSeconds !== undefined) {
        // Fit the epoch count to the budget: mean epoch time (training, plus validation at its
        // cadence), keeping one validation's time in reserve for the final one.
        const elapsed = (performance.now() - started) / 1000;
        const perEpoch = trainSecondsThisCall / epochsThisCall + lastValSeconds / s.evalEvery;
        const room = Math.floor((o.timeLimitSeconds - elapsed - lastValSeconds) / perEpoch);
        const fitted = Math.min(s.epochs, epoch + 1 + Math.max(0, room));
        stoppedByTime = fitted < s.epochs;
        epochs = fitted;
        progress.epochs = epochs;
      }
      const last = epoch + 1 === epochs;
      let validation: EpochSummary["validation"];
      let improved = false;
      if (valDataset && ((epoch + 1) % s.evalEvery === 0 || last)) {
        lastValidation = await validateDetector(detector, o.val!, {
          dataset: valDataset,
          style: o.valStyle,
          batch: Math.max(s.batch, 16),
        });
        const m = lastValidation.metrics;
        validation = {
          precision: m.precision,
          recall: m.recall,
          map50: m.map50,
          map50_95: m.map50_95,
          fitness: lastValidation.fitness,
          seconds: lastValidation.seconds,
        };
        lastValSeconds = lastValidation.seconds;
        improved = lastValidation.fitness > progress.bestFitness;
        if (improved) {
          progress.bestFitness = lastValidation.fitness;
          progress.bestEpoch = epoch;
        }
        progress.epochsWithoutImprovement = epoch - progress.bestEpoch;
        progress.lastMetrics = {
          precision: m.precision,
          recall: m.recall,
          map50: m.map50,
          map50_95: m.map50_95,
          fitness: lastValidation.fitness,
        };
      } else if (!valDataset) {
        improved = true;
        progress.bestEpoch = epoch;
      }
      const values = await detector.values();
      const notes = {
        epoch: epoch + 1,
        epochs,
        globalStep: progress.globalStep,
        ...(validation ? { metrics: validation } : {}),
      };
      saveDetectorValues(paths.last, config, values, notes);
      if (improved) saveDetectorValues(paths.best, config, values, notes);
      if (s.savePeriod > 0 && (epoch + 1) % s.savePeriod === 0)
        saveDetectorValues(join(o.outDir, "weights", `epoch${epoch + 1}`), config, values, notes);
      if (s.patience > 0 && valDataset && progress.epochsWithoutImprovement >= s.patience)
        stoppedEarly = true;
      const done: CheckpointProgress = { ...progress, epoch: epoch + 1, step: 0 };
      writeCheckpoint(
        paths.checkpoint,
        { config, settings: runSettings, progress: done },
        values,
        await optimizerStates(),
      );
      const seconds = (performance.now() - epochStart) / 1000;
      log({
        type: "epoch",
        epoch: epoch + 1,
        global_step: progress.globalStep,
        train: trainLoss,
        ...(validation ? { val: validation } : {}),
        best_epoch: progress.bestEpoch + 1,
        seconds,
      });
      o.onEpoch?.({
        epoch: epoch + 1,
        epochs,
        trainLoss,
        seconds,
        validation,
        best: { epoch: progress.bestEpoch + 1, fitness: progress.bestFitness },
        improved,
      });
      progress = done;
    }
  } finally {
    for (const opt of optimizers.values()) opt.dispose();
  }
  return {
    detector,
    settings: s,
    epochsCompleted: progress.epoch,
    globalStep: progress.globalStep,
    stoppedEarly,
    stoppedByTime,
    interrupted,
    ...(resumedFrom ? { resumedFrom } : {}),
    ...(progress.bestEpoch >= 0
      ? { best: { epoch: progress.bestEpoch + 1, fitness: progress.bestFitness } }
      : {}),
    ...(lastValidation ? { lastValidation } : {}),
    weights: paths,
    checkpoint: paths.checkpoint,
    metricsLog: paths.metrics,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A fresh log, or — when resuming — the existing log without the records the resumed run will
 * write again (steps after the checkpoint, epochs from the resumed one on).
 */
function prepareMetricsLog(file: string, resumeStep?: number, resumeEpoch?: number): void {
  if (resumeStep === undefined || !existsSync(file)) {
    writeFileSync(file, "");
    return;
  }
  const kept = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        const r = JSON.parse(line) as { type?: string; global_step?: number; epoch?: number };
        if (r.type === "step") return (r.global_step ?? 0) <= resumeStep;
        if (r.type === "epoch") return (r.epoch ?? 0) <= (resumeEpoch ?? 0);
        return true;
      } catch {
        return false;
      }
    });
  writeFileSync(file, kept.map((l) => l + "\n").join(""));
}
