/**
 * Detection data and inspection against the real world: dataset.yaml parses, its `names` and
 * `nc` agree, the image folders it names exist and have `labels` folders beside them; a
 * detector's `classes` list matches the data it trains on; every class in an inspection's
 * `severity` map and in its verdict rules (`count(crack)`) is a class of the data, and every
 * class of the data has a severity.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DET } from "../diagnostics/codes/detection.js";
import { WORLD } from "../diagnostics/codes/world.js";
import type { AnalyzedStage } from "../semantic/analyze.js";
import { suggestSimilar } from "../world/did-you-mean.js";
import { argumentSpan, mapKeySpans, ruleArguments, settingSpan } from "./ast-spans.js";
import { diagnostic, displayPath, tidyPaths, type WorldContext } from "./context.js";
import { checkDatasetPath, type DatasetFacts } from "./datasets.js";
import { refOf, settingValue } from "./lineage.js";

/** The classes of the built-in `defects` generator (runtime/detection/data). */
const GENERATOR_CLASSES: Record<string, readonly string[]> = {
  defects: ["scratch", "crack", "stain", "dent"],
};

const SEVERITY_LEVELS = ["low", "medium", "high"];

export interface DetectionFacts extends DatasetFacts {
  /** Class names in id order, when known at compile time. */
  classes?: string[];
  classesFrom?: string;
}

const YAML_CODES: Record<string, string> = {
  [DET.namesNcMismatch]: WORLD.detectionNamesNcMismatch,
  [DET.pathNotFound]: WORLD.detectionImagesMissing,
  [DET.yamlUnreadable]: WORLD.datasetFileUnreadable,
};

/** `…/images/train` → `…/labels/train` (Ultralytics' rule); undefined without an `images` part. */
function labelsFolder(imagesPath: string): string | undefined {
  const parts = imagesPath.split(path.sep);
  const i = parts.lastIndexOf("images");
  if (i < 0) return undefined;
  parts[i] = "labels";
  return parts.join(path.sep);
}

async function checkYolo(
  ctx: WorldContext,
  stage: AnalyzedStage,
): Promise<DetectionFacts | undefined> {
  const found = checkDatasetPath(ctx, stage, "dataset.yaml");
  if (!found) return undefined;
  const facts: DetectionFacts = { stage, ...found };
  if (!found.exists) {
    const generated = found.generator ? GENERATOR_CLASSES[found.generator] : undefined;
    if (generated) {
      facts.classes = [...generated];
      facts.classesFrom = `the \`${found.generator}\` generator`;
    }
    return facts;
  }
  const span = argumentSpan(stage, "path");
  if (fs.statSync(found.path).isDirectory()) {
    ctx.report(
      diagnostic(
        WORLD.datasetFileUnreadable,
        "error",
        span,
        `${displayPath(ctx, found.path)} is a folder; \`yolo(...)\` takes the path of its dataset.yaml`,
      ),
    );
    return facts;
  }
  const { checkDatasetYaml } = await import("../../runtime/detection/data/dataset-yaml.js");
  const { config, problems } = checkDatasetYaml(found.path, { cwd: ctx.baseDir, checkPaths: true });
  for (const p of problems) {
    const code = YAML_CODES[p.code] ?? WORLD.detectionYamlInvalid;
    const where = `${displayPath(ctx, p.path)}${p.line ? `:${p.line}` : ""}`;
    ctx.report(
      diagnostic(
        code,
        "error",
        span,
        `${where}: ${tidyPaths(ctx, p.message)}`,
        p.hint && tidyPaths(ctx, p.hint),
      ),
    );
  }
  if (!config) return facts;
  facts.classes = config.names;
  facts.classesFrom = displayPath(ctx, found.path);
  for (const images of [...config.train, ...config.val, ...config.test]) {
    if (!fs.existsSync(images) || !fs.statSync(images).isDirectory()) continue;
    const labels = labelsFolder(images);
    if (labels && !fs.existsSync(labels)) {
      ctx.report(
        diagnostic(
          WORLD.detectionLabelsMissing,
          "warning",
          span,
          `${displayPath(ctx, images)} has no labels folder ${displayPath(ctx, labels)}: every image would count as background`,
          "YOLO labels live in a `labels` folder parallel to `images`, one .txt per image",
        ),
      );
    }
  }
  return facts;
}

function checkVoc(ctx: WorldContext, stage: AnalyzedStage): DetectionFacts | undefined {
  const found = checkDatasetPath(ctx, stage, "VOC folder");
  if (!found) return undefined;
  const classes = settingValue(stage, "classes");
  return {
    stage,
    ...found,
    ...(Array.isArray(classes)
      ? { classes: classes.map(String), classesFrom: `\`${stage.name}\`'s classes` }
      : {}),
  };
}

/** The class list a detector stage uses: its `classes` list, or the names of the data it refers to. */
function detectorClasses(
  ctx: WorldContext,
  detector: AnalyzedStage | undefined,
  data: ReadonlyMap<string, DetectionFacts>,
): { classes: string[]; from: string } | undefined {
  if (!detector) return undefined;
  const value = settingValue(detector, "classes");
  if (Array.isArray(value))
    return { classes: value.map(String), from: `\`${detector.name}\`'s classes` };
  const facts = data.get(refOf(value)?.stage ?? "");
  return facts?.classes
    ? { classes: facts.classes, from: facts.classesFrom ?? facts.stage.name }
    : undefined;
}

/** The yolo_detector stage under a (trained) detector reference. */
function detectorStage(
  ctx: WorldContext,
  name: string | undefined,
  depth = 0,
): AnalyzedStage | undefined {
  const stage = ctx.pipeline.stages.get(name ?? "");
  if (!stage || depth > 16) return undefined;
  if (stage.source === "yolo_detector") return stage;
  if (stage.source === "detect_train")
    return detectorStage(ctx, refOf(stage.args.model)?.stage, depth + 1);
  return undefined;
}

function checkDetectorClasses(ctx: WorldContext, data: ReadonlyMap<string, DetectionFacts>): void {
  for (const stage of ctx.pipeline.stages.values()) {
    if (stage.source !== "detect_train") continue;
    const detector = detectorStage(ctx, refOf(stage.args.model)?.stage);
    const declared = detector ? settingValue(detector, "classes") : undefined;
    const facts = data.get(refOf(stage.args.data)?.stage ?? "");
    if (!detector || !Array.isArray(declared) || !facts?.classes) continue;
    const mine = declared.map(String);
    if (mine.length === facts.classes.length && mine.every((c, i) => c === facts.classes![i]))
      continue;
    ctx.report(
      diagnostic(
        WORLD.detectionClassesMismatch,
        "error",
        settingSpan(detector, "classes"),
        `\`${detector.name}\` declares classes [${mine.join(", ")}] but \`${stage.name}\` trains it on data with classes [${facts.classes.join(", ")}] (${facts.classesFrom})`,
        `class ids are positions in the list; use \`classes: ${facts.stage.name}.names\``,
      ),
    );
  }
}

function checkInspections(ctx: WorldContext, data: ReadonlyMap<string, DetectionFacts>): void {
  for (const stage of ctx.pipeline.stages.values()) {
    if (stage.source !== "inspect") continue;
    const detect = ctx.pipeline.stages.get(refOf(stage.args.detections)?.stage ?? "");
    if (detect?.source !== "detect") continue;
    const known =
      detectorClasses(ctx, detectorStage(ctx, refOf(detect.args.model)?.stage), data) ??
      (() => {
        const facts = data.get(refOf(detect.args.images)?.stage ?? "");
        return facts?.classes
          ? { classes: facts.classes, from: facts.classesFrom ?? facts.stage.name }
          : undefined;
      })();
    if (!known) continue;
    const { classes, from } = known;
    const severityKeys = mapKeySpans(stage, "severity");
    for (const { key, span } of severityKeys) {
      if (classes.includes(key)) continue;
      const close = suggestSimilar(key, classes, 1);
      ctx.report(
        diagnostic(
          WORLD.detectionClassUnknown,
          "error",
          span,
          `\`${key}\` is not a class of the detector (classes from ${from}: ${classes.join(", ")})`,
          close.length
            ? `did you mean \`${close[0]}\`?`
            : "the severity map names classes of the dataset",
        ),
      );
    }
    const severity = settingValue(stage, "severity");
    if (severityKeys.length > 0 && severity && typeof severity === "object") {
      const missing = classes.filter((c) => !(c in (severity as Record<string, unknown>)));
      if (missing.length > 0) {
        ctx.report(
          diagnostic(
            WORLD.detectionClassNoSeverity,
            "warning",
            settingSpan(stage, "severity"),
            `class${missing.length === 1 ? "" : "es"} ${missing.map((c) => `\`${c}\``).join(", ")} of the detector ${missing.length === 1 ? "has" : "have"} no severity`,
            "detections without a severity count for no verdict rule; add them to `severity`",
          ),
        );
      }
    }
    const allowed = [...SEVERITY_LEVELS, "all", ...classes];
    for (const arg of ruleArguments(stage, "verdict")) {
      if (allowed.includes(arg.name)) continue;
      const close = suggestSimilar(arg.name, allowed, 1);
      ctx.report(
        diagnostic(
          WORLD.detectionClassUnknown,
          "error",
          arg.span,
          `\`${arg.call}(${arg.name})\`: \`${arg.name}\` is neither a severity (low, medium, high), \`all\`, nor a class (classes from ${from}: ${classes.join(", ")})`,
          close.length ? `did you mean \`${close[0]}\`?` : undefined,
        ),
      );
    }
  }
}

/** Checks detection datasets (concurrently), detectors and inspections. */
export async function checkDetection(ctx: WorldContext): Promise<Map<string, DetectionFacts>> {
  const stages = [...ctx.pipeline.stages.values()].filter(
    (s) => s.kind === "dataset" && (s.source === "yolo" || s.source === "voc"),
  );
  const facts = await Promise.all(
    stages.map((s) => (s.source === "yolo" ? checkYolo(ctx, s) : checkVoc(ctx, s))),
  );
  const data = new Map(
    facts.filter((f) => f !== undefined).map((f) => [f.stage.name, f] as [string, DetectionFacts]),
  );
  checkDetectorClasses(ctx, data);
  checkInspections(ctx, data);
  return data;
}
