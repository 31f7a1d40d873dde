/**
 * Detector handlers (seed chapters 4.2 and 5): the inline YOLO-style detector, its training
 * (runtime/detection/train, with checkpoints and `--resume`), validation metrics with
 * `require` gates, inference, quality inspection (verdicts, per-image reports, annotated PNGs)
 * and detector exports. A detector value is a recipe like a language model's: `make` builds a
 * fresh instance on the run's backend.
 */
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { IrNode, IrNodeOf } from "../../../compiler/ir/schema.js";
import type { Backend } from "../../backend/backend.js";
import type { DetectorModelConfig } from "../../detection/model/config.js";
import type { Detector } from "../../detection/model/detector.js";
import { notImplemented } from "../registry.js";
import { isDetectionSplit, type DetectionSplitValue } from "./detection-data.js";
import { filesCodec, writeDirAtomically } from "./export.js";
import { readJson, writeJson } from "../dataset-value.js";
import { safeName } from "../names.js";
import type { Handler, HandlerContext } from "../types.js";

const DETECTION_METRIC_KEYS = {
  precision: "precision",
  recall: "recall",
  mAP50: "map50",
  mAP50_95: "map50_95",
} as const;

export interface DetectorValue {
  kind: "detector";
  stage: string;
  config: DetectorModelConfig;
  make(backend: Backend): Promise<Detector>;
  /** A weights directory holding it (trained detectors). */
  dir?: string;
}

export interface DetectionsValue {
  kind: "detections";
  detector: DetectorValue;
  files: string[];
  conf: number;
  iou: number;
  maxDet: number;
  detections: number;
}

export const isDetectorInit = (n: IrNode) =>
  (n as IrNodeOf<"init-model">).settings.architecture === "yolo_detector";
export const isDetectionEval = (n: IrNode) =>
  (n as IrNodeOf<"evaluate">).settings.metrics.some((m) => m in DETECTION_METRIC_KEYS);
const DETECTOR_EXPORTS = new Set(["detector", "trained-detector"]);
const OTHER_DETECTION_EXPORTS = new Set([
  "detections",
  "inspection",
  "detection-data",
  "class-names",
]);

async function detectorInput(ctx: HandlerContext, port: string): Promise<DetectorValue> {
  const v = await ctx.input<DetectorValue>(port);
  if (v?.kind !== "detector")
    throw new Error(`${ctx.node.id}: input \`${port}\` is not a detector`);
  return v;
}

async function splitInput(ctx: HandlerContext, port: string): Promise<DetectionSplitValue> {
  const v = await ctx.input<unknown>(port);
  if (!isDetectionSplit(v))
    throw new Error(`${ctx.node.id}: input \`${port}\` is not detection data`);
  return v;
}

function fromDir(stage: string, config: DetectorModelConfig, dir: string): DetectorValue {
  return {
    kind: "detector",
    stage,
    config,
    dir,
    make: async (backend) =>
      (await import("../../detection/model/weights-io.js")).loadDetector(dir, backend),
  };
}

const initDetector: Handler = {
  op: "init-model",
  group: "detection",
  accepts: isDetectorInit,
  lazy: true,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"init-model">;
    const s = node.settings;
    if (s.architecture !== "yolo_detector") throw new Error("not a detector");
    const names = Array.isArray(s.classes) ? s.classes : await ctx.input<string[]>("classes");
    const { detectorConfig } = await import("../../detection/model/config.js");
    const config = detectorConfig({ names, imgsz: s.imgsz, width: s.width, depth: s.depth });
    if (s.weights !== undefined) {
      const dir = ctx.paths.input(s.weights);
      return {
        value: fromDir(node.stage, config, dir),
        notes: [`detector weights from ${ctx.paths.display(dir)}`],
      };
    }
    const { Detector } = await import("../../detection/model/detector.js");
    const value: DetectorValue = {
      kind: "detector",
      stage: node.stage,
      config,
      make: async (backend) => Detector.create(config, { seed: s.seed, backend }),
    };
    return {
      value,
      notes: [
        `detector for ${names.length} classes (${names.join(", ")}), imgsz ${s.imgsz}, seed ${s.seed}`,
      ],
    };
  },
};

const detectTrain: Handler = {
  op: "detect-train",
  group: "detection",
  cache: {
    save: async (v, dir) =>
      cpSync((v.value as DetectorValue).dir!, join(dir, "weights"), { recursive: true }),
    load: async (dir, node) => {
      const { readDetectorConfig } = await import("../../detection/model/weights-io.js");
      const weights = join(dir, "weights");
      return { value: fromDir(node.stage, readDetectorConfig(weights), weights), outputs: {} };
    },
  },
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"detect-train">;
    const base = await detectorInput(ctx, "model");
    const train = await splitInput(ctx, "data");
    const val = ctx.hasInput("eval.data") ? await splitInput(ctx, "eval.data") : undefined;
    const backend = await ctx.backend();
    const { trainDetector } = await import("../../detection/train/trainer.js");
    const { trainSettingsFromStage } = await import("../../detection/train/options.js");
    const start = await base.make(backend);
    const initialValues = await start.values();
    start.dispose();
    const outDir = join(ctx.paths.outputDir, "detectors", safeName(node.stage));
    const result = await trainDetector({
      backend,
      config: base.config,
      initialValues,
      train: train.scan.items,
      ...(val ? { val: val.scan.items } : {}),
      outDir,
      settings: trainSettingsFromStage(node.settings as unknown as Record<string, unknown>),
      resume: ctx.resume,
      onProgress: (p) =>
        ctx.progress({
          step: p.globalStep,
          total: p.totalSteps,
          loss: p.loss,
          rate: p.imagesPerSecond,
          unit: "images",
          eta: p.etaSeconds,
          values: { box: p.box, cls: p.cls },
        }),
      onEpoch: (e) => {
        const v = e.validation;
        ctx.log(
          `epoch ${e.epoch}/${e.epochs}: loss ${e.trainLoss.loss.toFixed(4)}` +
            (v ? `, mAP50 ${v.map50.toFixed(3)}, mAP50-95 ${v.map50_95.toFixed(3)}` : ""),
        );
      },
    });
    result.detector.dispose();
    const dir = existsSync(result.weights.best) ? result.weights.best : result.weights.last;
    const m = result.lastValidation?.metrics;
    return {
      value: fromDir(node.stage, base.config, dir),
      notes: [
        ...(result.resumedFrom
          ? [
              `resumed from ${ctx.paths.display(result.checkpoint)} at epoch ${result.resumedFrom.epoch + 1}, step ${result.resumedFrom.step + 1} (${result.resumedFrom.globalStep} steps done)`,
            ]
          : []),
        `${result.epochsCompleted} epochs, ${result.globalStep} steps${result.stoppedEarly ? " (early stop)" : ""}` +
          (m ? `; mAP50 ${m.map50.toFixed(3)}, mAP50-95 ${m.map50_95.toFixed(3)}` : "") +
          `; weights ${ctx.paths.display(dir)}`,
      ],
      data: {
        epochs: result.epochsCompleted,
        steps: result.globalStep,
        ...(m ? { mAP50: m.map50, mAP50_95: m.map50_95 } : {}),
      },
    };
  },
};

const evaluateDetector: Handler = {
  op: "evaluate",
  group: "detection",
  accepts: isDetectionEval,
  cache: {
    save: (v, dir) => writeJson(join(dir, "metrics.json"), v.value),
    load: async (dir) => ({ value: await readJson(join(dir, "metrics.json")), outputs: {} }),
  },
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"evaluate">;
    const s = node.settings;
    const value = await detectorInput(ctx, "model[0]");
    const data = await splitInput(ctx, "data[0]");
    const backend = await ctx.backend();
    const { validateDetector } = await import("../../detection/validate/validate.js");
    const { formatValidationTable, writeValidationReport } =
      await import("../../detection/validate/val-report.js");
    const { assertGates } = await import("../../llm-eval/gates.js");
    const detector = await value.make(backend);
    try {
      const settings = { conf: s.conf, iou: s.iou, style: s.ap_method };
      const r = await validateDetector(detector, data.scan.items, {
        ...settings,
        onProgress: (done, total) => ctx.progress({ step: done, total, unit: "images" }),
      });
      const metrics: Record<string, number> = {};
      for (const [name, key] of Object.entries(DETECTION_METRIC_KEYS))
        metrics[name] = r.metrics[key];
      const outDir = ctx.paths.outputFile(safeName(node.stage));
      const written = await writeValidationReport(outDir, r, value.config.names, settings);
      ctx.report(
        `Validation — \`${node.stage}\` (${value.stage} on ${data.split}, ${s.ap_method} AP)`,
        formatValidationTable(r, value.config.names).trimEnd() +
          `\nreport ${ctx.paths.display(written.json)}, PR curves ${ctx.paths.display(written.prCurve)}`,
      );
      if (s.require.length > 0) assertGates(s.require, metrics);
      return {
        value: { kind: "evaluation", metrics },
        notes: [
          `${value.stage} on ${data.split} (${r.metrics.images} images): ` +
            Object.entries(metrics)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(", "),
          `report ${ctx.paths.display(written.json)}`,
        ],
        data: metrics,
      };
    } finally {
      detector.dispose();
    }
  },
};

async function imageFiles(ctx: HandlerContext, node: IrNodeOf<"detect">): Promise<string[]> {
  if (node.settings.images !== undefined) {
    const { expandImageInputs } = await import("../../detection/infer/detect-files.js");
    const { files, issues } = expandImageInputs(
      [ctx.paths.input(node.settings.images)],
      ctx.paths.pipeDir,
    );
    for (const i of issues) ctx.warn(i.message, i.path, i.code);
    return files;
  }
  return (await splitInput(ctx, "images")).scan.items.map((i) => i.imagePath);
}

const detect: Handler = {
  op: "detect",
  group: "detection",
  cache: {
    save: (v, dir) => {
      const { detector: _d, ...rest } = v.value as DetectionsValue;
      return writeJson(join(dir, "detections.json"), rest);
    },
    load: async (dir, _node, ctx) => {
      const rest = await readJson<Omit<DetectionsValue, "detector">>(join(dir, "detections.json"));
      return { value: { ...rest, detector: await detectorInput(ctx, "model") }, outputs: {} };
    },
  },
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"detect">;
    const s = node.settings;
    const value = await detectorInput(ctx, "model");
    const files = await imageFiles(ctx, node);
    const backend = await ctx.backend();
    const { detectFiles, writePredictions } = await import("../../detection/infer/detect-files.js");
    const detector = await value.make(backend);
    let done = 0;
    try {
      const run = await detectFiles(detector, files, {
        conf: s.conf,
        iou: s.iou,
        maxDet: s.max_det,
        onImage: () => ctx.progress({ step: ++done, total: files.length, unit: "images" }),
      });
      for (const e of run.errors) ctx.warn(e.message, e.path, e.code);
      const outDir = ctx.paths.outputFile(safeName(node.stage));
      if (s.save.length > 0)
        await writePredictions(outDir, run, value.config.names, {
          settings: { conf: s.conf, iou: s.iou, max_det: s.max_det },
        });
      const count = run.results.reduce((n, r) => n + r.detections.length, 0);
      const out: DetectionsValue = {
        kind: "detections",
        detector: value,
        files: run.results.map((r) => r.path),
        conf: s.conf,
        iou: s.iou,
        maxDet: s.max_det,
        detections: count,
      };
      return {
        value: out,
        notes: [
          `${run.results.length} images, ${count} detections${run.errors.length ? `, ${run.errors.length} unreadable` : ""}`,
        ],
        data: { images: run.results.length, detections: count, unreadable: run.errors.length },
      };
    } finally {
      detector.dispose();
    }
  },
};

const inspect: Handler = {
  op: "inspect",
  group: "detection",
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"inspect">;
    const s = node.settings;
    const preds = await ctx.input<DetectionsValue>("detections");
    if (preds?.kind !== "detections") throw new Error(`${node.id}: input is not detections`);
    const names = preds.detector.config.names;
    const { createInspectionPolicy } = await import("../../inspect/inspector.js");
    const { inspectImages } = await import("../../inspect/run-inspection.js");
    const { formatSummaryTable } = await import("../../inspect/summary.js");
    for (const n of names)
      if (!s.severity[n])
        ctx.warn(
          `class \`${n}\` has no severity; its defects count as "unknown" (never high)`,
          undefined,
          "PW3204",
        );
    const policy = createInspectionPolicy({
      names,
      severity: s.severity,
      rules: s.verdict.map((r) => ({ outcome: r.outcome, when: r.when as never })),
      ...(s.recommend ? { recommendations: s.recommend } : {}),
      vlm:
        s.vlm_analysis === "off"
          ? "off"
          : { model: ctx.paths.input(s.vlm_analysis.model), prompt: s.vlm_analysis.prompt },
    });
    const outDir = ctx.paths.outputFile(safeName(node.stage));
    ctx.paths.outputFile(join(safeName(node.stage), s.report));
    const backend = await ctx.backend();
    const detector = await preds.detector.make(backend);
    try {
      const r = await inspectImages(detector, preds.files, policy, outDir, {
        conf: preds.conf,
        iou: preds.iou,
        maxDet: preds.maxDet,
        annotate: s.annotate,
        report: s.report,
        onImage: (_i, done, total) => ctx.progress({ step: done, total, unit: "images" }),
      });
      for (const e of r.errors) ctx.warn(e.message, e.path, e.code);
      if (s.vlm_analysis !== "off") {
        const skipped = r.images.find((i) => i.vlm_analysis.status === "skipped");
        if (skipped)
          ctx.warn(
            `vision-language analysis skipped: ${skipped.vlm_analysis.reason ?? "no reason given"}`,
            ctx.paths.display(ctx.paths.input(s.vlm_analysis.model)),
          );
      }
      ctx.report(`Inspection — \`${node.stage}\``, formatSummaryTable(r.summary));
      const v = r.summary.verdicts;
      const files = [r.files.report, ...r.files.reports, ...r.files.annotated];
      return {
        value: { kind: "files", files },
        files,
        notes: [
          `${r.summary.images} images: PASS ${v.PASS}, WARNING ${v.WARNING}, FAIL ${v.FAIL}; report ${ctx.paths.display(r.files.report)}`,
          ...(s.annotate && r.files.annotated.length
            ? [
                `annotated images ${ctx.paths.display(join(outDir, "annotated"))}, per-image reports ${ctx.paths.display(join(outDir, "reports"))}`,
              ]
            : []),
          vlmNote(r.images.map((i) => i.vlm_analysis)),
        ],
        data: { verdicts: v, images: r.summary.images, defects: r.summary.defects },
      };
    } finally {
      detector.dispose();
    }
  },
};

const exportDetector: Handler = {
  op: "export",
  group: "detection",
  accepts: (n) => DETECTOR_EXPORTS.has((n as IrNodeOf<"export">).settings.what),
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"export">;
    const value = await detectorInput(ctx, "target");
    const dest = ctx.paths.destination(node.settings.destination);
    const backend = await ctx.backend();
    const detector = await value.make(backend);
    const { saveDetector } = await import("../../detection/model/weights-io.js");
    try {
      const files = await writeDirAtomically(dest, (dir) => saveDetector(dir, detector));
      return {
        value: { kind: "files", files },
        files,
        notes: [`detector weights → ${ctx.paths.display(dest)}`],
      };
    } finally {
      detector.dispose();
    }
  },
};

/** One line on the vision-language stage: off, or what it did (skipped, with the reason). */
export function vlmNote(results: readonly { status: string; reason?: string }[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = r.status === "done" ? "done" : `${r.status}: ${r.reason ?? "no reason given"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (counts.size === 1 && [...counts.keys()][0] === "skipped: vlm_analysis is off")
    return "vlm_analysis: off";
  const parts = [...counts].map(([k, n]) => `${k} (${n} image${n === 1 ? "" : "s"})`);
  return `vlm_analysis: ${parts.join("; ") || "no images"}`;
}

export function detectionHandlers(): Handler[] {
  return [
    initDetector,
    detectTrain,
    evaluateDetector,
    detect,
    inspect,
    exportDetector,
    notImplemented(
      "export",
      "detection",
      "exports of detections, inspections and detection data",
      (n) => OTHER_DETECTION_EXPORTS.has((n as IrNodeOf<"export">).settings.what),
    ),
  ];
}
