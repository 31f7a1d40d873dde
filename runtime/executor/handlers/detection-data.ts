/**
 * Detection data handlers: the synthetic defect generator, `yolo("dataset.yaml")` (every split
 * scanned: each bad image or label row reported with its path and reason, every good image
 * kept) and `voc(dir)` (converted to YOLO first, then scanned).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { IrNodeOf } from "../../../compiler/ir/schema.js";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import { generateDefectDataset } from "../../detection/data/synthetic-defects.js";
import {
  loadDatasetYaml,
  type DetectionDatasetConfig,
  type SplitName,
} from "../../detection/data/dataset-yaml.js";
import { formatScanSummary, scanDataset, type ScanResult } from "../../detection/data/scan.js";
import { convertVocToYolo } from "../../detection/data/voc-convert.js";
import { readJson, writeJson } from "../dataset-value.js";
import type { Handler, HandlerContext, NodeValue } from "../types.js";

/** A scanned detection dataset; its named outputs are the splits and the class names. */
export interface DetectionDataValue {
  kind: "detection-data";
  config: DetectionDatasetConfig;
  splits: Partial<Record<SplitName, ScanResult>>;
}

/** One split (`parts.train`): what training, validation and detection read. */
export interface DetectionSplitValue {
  kind: "detection-split";
  split: SplitName;
  config: DetectionDatasetConfig;
  scan: ScanResult;
}

export function isDetectionSplit(v: unknown): v is DetectionSplitValue {
  return (
    typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "detection-split"
  );
}

function outputsOf(v: DetectionDataValue): NodeValue {
  const outputs: Record<string, unknown> = { names: v.config.names };
  for (const split of ["train", "val", "test"] as const) {
    const scan = v.splits[split];
    outputs[split] = scan
      ? ({ kind: "detection-split", split, config: v.config, scan } satisfies DetectionSplitValue)
      : ({
          kind: "detection-split",
          split,
          config: v.config,
          scan: { items: [], report: emptyScan(split) },
        } satisfies DetectionSplitValue);
  }
  return { value: v, outputs };
}

function emptyScan(split: string): ScanResult["report"] {
  return {
    split,
    sources: [],
    images: 0,
    kept: 0,
    corrupt: 0,
    labelsFound: 0,
    labelsMissing: 0,
    labelsEmpty: 0,
    backgrounds: 0,
    duplicatesRemoved: 0,
    zeroSizeRemoved: 0,
    segmentsConverted: 0,
    boxes: 0,
    boxesPerClass: [],
    droppedByCode: {},
    issues: [],
    fromCache: false,
  };
}

/**
 * Every problem of a scan as a run warning with its place (`path:line`). Empty label files are
 * not warned about: they are YOLO's way of marking a background image, and the scan summary
 * counts them ("N empty").
 */
function warnIssues(ctx: HandlerContext, issues: readonly DataIssue[]): void {
  for (const i of issues) {
    if (i.code === DET.labelEmpty) continue;
    const at = i.path + (i.line !== undefined ? `:${i.line}` : "");
    // The place already names the line: "labels/a.txt:3: line 3: …" would say it twice.
    const message = i.line !== undefined ? i.message.replace(/^line \d+: /, "") : i.message;
    ctx.warn(message, at, i.code);
  }
}

const defectsPath = (n: IrNodeOf<"generate-data">) => n.settings.path;

/**
 * What `generate: defects` draws per image: up to 6 defects, 5% of the images defect-free (the
 * recipe of examples/defect-inspection.pipe, measured in docs/detection.md; the library's own
 * defaults are 4 and 15%).
 */
export const PIPELINE_DEFECT_OPTIONS = { maxDefects: 6, defectFreeFraction: 0.05 } as const;

const generateDefects: Handler = {
  op: "generate-data",
  group: "detection",
  accepts: (n) => (n as IrNodeOf<"generate-data">).settings.generator === "defects",
  upToDate: (n, paths) => existsSync(paths.input(defectsPath(n as IrNodeOf<"generate-data">))),
  valueWhenUpToDate: (n, paths) => ({
    value: { kind: "file", path: paths.input(defectsPath(n as IrNodeOf<"generate-data">)) },
    outputs: {},
  }),
  async run(ctx) {
    const s = (ctx.node as IrNodeOf<"generate-data">).settings;
    if (s.generator !== "defects") throw new Error("not the defect generator");
    const yamlPath = ctx.paths.input(s.path);
    const summary = await generateDefectDataset({
      outDir: dirname(yamlPath),
      seed: s.seed,
      train: s.train,
      val: s.val,
      imgsz: s.imgsz,
      ...PIPELINE_DEFECT_OPTIONS,
    });
    return {
      value: { kind: "file", path: summary.yamlPath },
      notes: [
        `generated ${ctx.paths.display(summary.yamlPath)}: ${summary.images.train} train + ${summary.images.val} val images (${summary.names.join(", ")})`,
      ],
    };
  },
};

const detectionCodec = {
  save: (v: NodeValue, dir: string) => writeJson(join(dir, "detection-data.json"), v.value),
  load: async (dir: string) =>
    outputsOf(await readJson<DetectionDataValue>(join(dir, "detection-data.json"))),
};

async function scanAll(ctx: HandlerContext, config: DetectionDatasetConfig, cache: boolean) {
  const splits = await scanDataset(config, {
    cache,
    onProgress: (done, total) => {
      if (done % 50 === 0 || done === total) ctx.progress({ step: done, total, unit: "images" });
    },
  });
  const notes: string[] = [];
  for (const scan of Object.values(splits)) {
    if (!scan) continue;
    warnIssues(ctx, scan.report.issues);
    notes.push(formatScanSummary(scan.report));
  }
  return { splits, notes };
}

const loadYolo: Handler = {
  op: "load-dataset",
  group: "detection",
  accepts: (n) => (n as IrNodeOf<"load-dataset">).settings.format === "yolo",
  cache: detectionCodec,
  async run(ctx) {
    const s = (ctx.node as IrNodeOf<"load-dataset">).settings;
    if (s.format !== "yolo") throw new Error("not a yolo dataset");
    const path = ctx.paths.input(s.path);
    const yaml =
      existsSync(path) && statSync(path).isDirectory() ? join(path, "dataset.yaml") : path;
    const config = loadDatasetYaml(yaml, { cwd: ctx.paths.pipeDir });
    const { splits, notes } = await scanAll(ctx, config, s.cache_scan);
    const value: DetectionDataValue = { kind: "detection-data", config, splits };
    return { ...outputsOf(value), notes, data: splitCounts(value) };
  },
};

function splitCounts(v: DetectionDataValue): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(v.splits).map(([k, scan]) => [
      k,
      {
        images: scan!.report.images,
        kept: scan!.report.kept,
        corrupt: scan!.report.corrupt,
        boxes: scan!.report.boxes,
      },
    ]),
  );
}

const loadVoc: Handler = {
  op: "load-dataset",
  group: "detection",
  accepts: (n) => (n as IrNodeOf<"load-dataset">).settings.format === "voc",
  cache: detectionCodec,
  async run(ctx) {
    const s = (ctx.node as IrNodeOf<"load-dataset">).settings;
    if (s.format !== "voc") throw new Error("not a voc dataset");
    const input = ctx.paths.input(s.path);
    const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
    const out = ctx.paths.input(s.convert_to.out);
    const r = await convertVocToYolo({
      annotations: isDir(join(input, "Annotations")) ? join(input, "Annotations") : input,
      images: isDir(join(input, "JPEGImages")) ? join(input, "JPEGImages") : input,
      outDir: out,
      ...(s.classes ? { classes: s.classes } : {}),
      difficult: s.include_difficult ? "keep" : "skip",
      valFraction: s.convert_to.val,
      seed: ctx.ir.pipeline.settings.seed ?? 0,
    });
    warnIssues(ctx, r.issues);
    const config = loadDatasetYaml(r.yamlPath, { cwd: ctx.paths.pipeDir });
    const { splits, notes } = await scanAll(ctx, config, false);
    const value: DetectionDataValue = { kind: "detection-data", config, splits };
    return {
      ...outputsOf(value),
      notes: [
        `${r.annotations} VOC annotations → ${relative(ctx.paths.pipeDir, r.yamlPath)} (${r.converted.train} train, ${r.converted.val} val)`,
        ...notes,
      ],
      data: splitCounts(value),
    };
  },
};

export function detectionDataHandlers(): Handler[] {
  return [generateDefects, loadYolo, loadVoc];
}
