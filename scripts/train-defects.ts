/**
 * The detection end to end (seed chapters 4.2 and 5) on the synthetic defect data:
 *
 *   npx tsx scripts/train-defects.ts [--out out/defects] [--seed 42] [--train 600] [--val 100]
 *        [--imgsz 128] [--epochs 12] [--batch 8] [--lr0 0.01] [--time-limit 750] [--resume]
 *        [--width-preset tiny|small|n] [--augment light|full] [--targets hard|aligned]
 *        [--max-defects 6] [--defect-free 0.05]
 *
 * Defaults are the recipe measured to reach mAP50 ≈ 0.8 on lavapipe (2 CPU cores) in under
 * 15 minutes: the "small" detector at 128 px, batch 8, AdamW lr0 0.01, hard class targets,
 * light augmentation, 600 fresh training images with up to 6 defects each, and a 750 s training
 * budget that fits the epoch count (≤ 12) and its lr schedule to the machine's speed.
 *
 * 1. generate the dataset (seeded, YOLO layout)      out/data/
 * 2. train the detector (progress on stderr)         out/train/ (weights/best, weights/last, checkpoint, metrics.jsonl)
 * 3. validate the best weights on the held-out split out/val/val.json, out/val/pr-curve.png
 * 4. inspect the held-out images                     out/inspect/ (reports, annotated PNGs, inspection.json)
 * and out/summary.json with the metrics, the time of each phase and the machine's load average.
 * These are the stage functions the pipeline runner calls for the IR's detect_train / eval /
 * detect / inspect nodes; this script only chains them and prints.
 */
import { loadavg, cpus } from "node:os";
import { writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isPipeError } from "../compiler/diagnostics/pipe-error.js";
import { createBackend } from "../runtime/backend/create-backend.js";
import { generateDefectDataset } from "../runtime/detection/data/synthetic-defects.js";
import { loadDatasetYaml } from "../runtime/detection/data/dataset-yaml.js";
import { formatScanSummary, scanSplit } from "../runtime/detection/data/scan.js";
import { detectorConfig } from "../runtime/detection/model/config.js";
import { parameterCount } from "../runtime/detection/model/params.js";
import { loadDetector } from "../runtime/detection/model/weights-io.js";
import { trainDetector } from "../runtime/detection/train/trainer.js";
import { validateDetector } from "../runtime/detection/validate/validate.js";
import {
  formatValidationTable,
  writeValidationReport,
} from "../runtime/detection/validate/val-report.js";
import { createInspectionPolicy } from "../runtime/inspect/inspector.js";
import { inspectImages } from "../runtime/inspect/run-inspection.js";
import { defaultSeverityMap } from "../runtime/inspect/severity.js";
import { formatSummaryTable } from "../runtime/inspect/summary.js";

const USAGE = `usage: npx tsx scripts/train-defects.ts [--out out/defects] [--seed 42] [--train 600] [--val 100]
       [--imgsz 128] [--epochs 12] [--batch 8] [--lr0 0.01] [--time-limit 750] [--resume]
       [--width-preset tiny|small|n] [--augment light|full] [--targets hard|aligned]
       [--max-defects 6] [--defect-free 0.05]`;

/** Sizes that train on a CPU adapter (lavapipe) in minutes; "n" is YOLOv8n's width 0.25. */
const PRESETS = {
  tiny: {
    widths: [8, 16, 24, 32, 48] as [number, number, number, number, number],
    depths: [1, 1, 1, 1] as [number, number, number, number],
    neckDepth: 1,
    headBox: 16,
    headCls: 16,
  },
  /** tiny with wider deep stages (cheap at 8×8 and 4×4): more context for long scratches. */
  small: {
    widths: [8, 16, 24, 48, 96] as [number, number, number, number, number],
    depths: [1, 1, 1, 1] as [number, number, number, number],
    neckDepth: 1,
    headBox: 16,
    headCls: 24,
  },
  n: { width: 0.25, depth: 0.33 },
} as const;

/**
 * "light" (default): flips and colour jitter only. The generator already varies surface,
 * angle, size, contrast and count, and every training image is fresh, so on a short CPU
 * schedule geometric augmentation (mosaic, scale, translate) mostly slows learning down.
 * "full": Ultralytics' defaults (mosaic 1, scale 0.5, translate 0.1) plus vertical flips.
 */
const AUGMENT = {
  light: {
    mosaic: 0,
    scale: 0,
    translate: 0,
    fliplr: 0.5,
    flipud: 0.5,
    hsvH: 0.015,
    hsvS: 0.4,
    hsvV: 0.3,
  },
  full: {
    mosaic: 1,
    scale: 0.5,
    translate: 0.1,
    fliplr: 0.5,
    flipud: 0.5,
    hsvH: 0.015,
    hsvS: 0.7,
    hsvV: 0.4,
  },
} as const;

function num(name: string, v: string | undefined, fallback: number, integer = true): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new Error(`--${name} must be ${integer ? "an integer" : "a number"}, got \`${v}\``);
  return n;
}

const fmtTime = (s: number) =>
  `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: "string" },
        seed: { type: "string" },
        train: { type: "string" },
        val: { type: "string" },
        imgsz: { type: "string" },
        epochs: { type: "string" },
        batch: { type: "string" },
        lr0: { type: "string" },
        "time-limit": { type: "string" },
        "width-preset": { type: "string" },
        augment: { type: "string" },
        targets: { type: "string" },
        "max-defects": { type: "string" },
        "defect-free": { type: "string" },
        resume: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const out = resolve(args.out ?? "out/defects");
  const seed = num("seed", args.seed, 42);
  const imgsz = num("imgsz", args.imgsz, 128);
  const preset = (args["width-preset"] ?? "small") as keyof typeof PRESETS;
  if (!PRESETS[preset])
    throw new Error(`--width-preset must be tiny, small or n, got \`${preset}\``);
  const targets = (args.targets ?? "hard") as "aligned" | "hard";
  if (targets !== "aligned" && targets !== "hard")
    throw new Error(`--targets must be aligned or hard, got \`${targets}\``);
  const augment = (args.augment ?? "light") as keyof typeof AUGMENT;
  if (!AUGMENT[augment]) throw new Error(`--augment must be light or full, got \`${augment}\``);
  // 0 turns the budget off.
  const timeLimit = num("time-limit", args["time-limit"], 750, false) || undefined;
  const load0 = loadavg();
  const started = performance.now();
  const phase: Record<string, number> = {};
  const lap = (name: string, t0: number) => (phase[name] = (performance.now() - t0) / 1000);
  console.error(
    `machine: ${cpus().length} CPUs, load average ${load0.map((v) => v.toFixed(2)).join(" ")}`,
  );

  // 1. Data
  let t0 = performance.now();
  const dataDir = join(out, "data");
  const gen = await generateDefectDataset({
    outDir: dataDir,
    seed,
    train: num("train", args.train, 600),
    val: num("val", args.val, 100),
    imgsz,
    maxDefects: num("max-defects", args["max-defects"], 6),
    defectFreeFraction: num("defect-free", args["defect-free"], 0.05, false),
  });
  const yaml = loadDatasetYaml(gen.yamlPath);
  const train = await scanSplit(yaml.train, { nc: yaml.nc, split: "train" });
  const val = await scanSplit(yaml.val, { nc: yaml.nc, split: "val" });
  lap("data", t0);
  console.error(`${formatScanSummary(train.report)}\n${formatScanSummary(val.report)}`);

  // 2. Train
  t0 = performance.now();
  const backend = await createBackend({ onNotice: (m) => console.error(m) });
  console.error(`device: ${backend.name}`);
  const config = detectorConfig({ names: yaml.names, imgsz, ...PRESETS[preset] });
  console.error(
    `detector: widths ${config.widths.join("/")}, depths ${config.depths.join("/")}, ${parameterCount(config).toLocaleString("en-US")} parameters, imgsz ${imgsz}`,
  );
  const trainOut = join(out, "train");
  let lastLine = 0;
  const result = await trainDetector({
    backend,
    config,
    train: train.items,
    val: val.items,
    outDir: trainOut,
    resume: Boolean(args.resume),
    timeLimitSeconds: timeLimit,
    settings: {
      epochs: num("epochs", args.epochs, 12),
      batch: num("batch", args.batch, 8),
      lr0: num("lr0", args.lr0, 0.01, false),
      lrf: 0.05,
      warmupEpochs: 1,
      closeMosaic: 3,
      evalEvery: 4,
      patience: 12,
      savePeriod: 10,
      seed,
      augment: AUGMENT[augment],
      clsTargets: targets,
    },
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastLine < 5000 && p.step !== p.steps) return;
      lastLine = now;
      console.error(
        `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.steps}  loss ${p.loss.toFixed(3)} (box ${p.box.toFixed(3)} cls ${p.cls.toFixed(3)} l1 ${p.l1.toFixed(3)})  lr ${p.lr.toExponential(2)}  ${p.imagesPerSecond.toFixed(1)} img/s  ETA ${fmtTime(p.etaSeconds)}`,
      );
    },
    onEpoch: (e) => {
      const v = e.validation;
      console.error(
        `epoch ${e.epoch}: train loss ${e.trainLoss.loss.toFixed(3)}${v ? `; val P ${v.precision.toFixed(3)} R ${v.recall.toFixed(3)} mAP50 ${v.map50.toFixed(3)} mAP50-95 ${v.map50_95.toFixed(3)}${e.improved ? " (best)" : ""}` : ""}  [${fmtTime(e.seconds)}, total ${fmtTime((performance.now() - started) / 1000)}]`,
      );
    },
  });
  result.detector.dispose();
  lap("train", t0);
  console.error(
    `trained ${result.epochsCompleted} epochs (${result.globalStep} steps) in ${fmtTime(phase.train)}${result.stoppedByTime ? " (time limit)" : ""}${result.stoppedEarly ? " (early stop)" : ""}`,
  );

  // 3. Validate the best weights on the held-out split
  t0 = performance.now();
  const best = loadDetector(result.weights.best, backend);
  const validation = await validateDetector(best, val.items);
  const valFiles = await writeValidationReport(join(out, "val"), validation, yaml.names);
  lap("validate", t0);
  console.log(formatValidationTable(validation, yaml.names));

  // 4. Inspect the held-out images
  t0 = performance.now();
  const policy = createInspectionPolicy({
    names: yaml.names,
    severity: defaultSeverityMap(yaml.names),
  });
  const inspection = await inspectImages(
    best,
    val.items.map((i) => i.imagePath),
    policy,
    join(out, "inspect"),
  );
  lap("inspect", t0);
  console.log(formatSummaryTable(inspection.summary));
  best.dispose();
  backend.dispose();

  const total = (performance.now() - started) / 1000;
  const m = validation.metrics;
  const summary = {
    seed,
    imgsz,
    device: backend.name,
    cpus: cpus().length,
    load_average: { start: load0, end: loadavg() },
    parameters: parameterCount(config),
    config,
    epochs: result.epochsCompleted,
    steps: result.globalStep,
    stopped_by_time: result.stoppedByTime,
    stopped_early: result.stoppedEarly,
    best_epoch: result.best?.epoch,
    metrics: { precision: m.precision, recall: m.recall, map50: m.map50, map50_95: m.map50_95 },
    seconds: { ...phase, total },
    files: {
      weights: result.weights.best,
      val: valFiles.json,
      pr_curve: valFiles.prCurve,
      inspection: inspection.files.report,
      annotated: join(out, "inspect", "annotated"),
    },
    verdicts: inspection.summary.verdicts,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  console.log(
    `mAP50 ${m.map50.toFixed(3)}  mAP50-95 ${m.map50_95.toFixed(3)}  P ${m.precision.toFixed(3)}  R ${m.recall.toFixed(3)}\n` +
      `time: data ${fmtTime(phase.data)}, train ${fmtTime(phase.train)}, validate ${fmtTime(phase.validate)}, inspect ${fmtTime(phase.inspect)}; total ${fmtTime(total)}` +
      ` (load average ${load0[0].toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs)\nwrote ${join(out, "summary.json")}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (isPipeError(err)) {
      console.error(
        `error[${err.code}]: ${err.message}${err.where() ? `\n  --> ${err.where()}` : ""}${err.hint ? `\n  = hint: ${err.hint}` : ""}`,
      );
      process.exit(1);
    }
    console.error(
      err instanceof Error
        ? err.message.startsWith("--")
          ? `${err.message}\n${USAGE}`
          : err.stack
        : String(err),
    );
    process.exit(err instanceof Error && err.message.startsWith("--") ? 2 : 70);
  },
);
