/**
 * Lowering of the stages that consume models and data: train (sft, pretrain, detect_train),
 * distill (logit distillation; teacher_answers → teacher-generate → tokenize → train),
 * evaluate, generate, detect and inspect, and of `export` declarations.
 *
 * Language-model data is tokenized with the tokenizer of the model that reads it, so these
 * stages insert tokenize nodes (shared when the data, tokenizer and settings agree).
 */
import type { AnalyzedExport, AnalyzedStage } from "../semantic/analyze.js";
import { GENERATION_BLOCK, TRAINING_FIELDS } from "../settings/catalogue-common.js";
import type { Json } from "../settings/spec.js";
import type { DraftExport, DraftInput } from "./draft.js";
import {
  refName,
  splitRef,
  type LowerContext,
  type LoweredStage,
  type NodeRef,
} from "./lower-context.js";
import { isObject, isStageRef } from "./settings-tree.js";

const TRAINING_KEYS = Object.keys(TRAINING_FIELDS);
const GENERATION_KEYS = Object.keys(GENERATION_BLOCK.fields);

/** `data` as the model of stage `model` reads it: tokenized when it is text or records. */
function modelData(
  ctx: LowerContext,
  dataRef: string,
  model: string | undefined,
  overrides: Record<string, Json> = {},
): NodeRef {
  const dataset = ctx.datasetBehind(dataRef);
  const data = ctx.resolve(dataRef);
  if (!dataset || dataset.source === "yolo" || dataset.source === "voc") return data;
  return ctx.tokenized({ data, label: dataRef, dataset, model, overrides });
}

function stageOf(ref: string | undefined): string | undefined {
  return ref === undefined ? undefined : splitRef(ref)[0];
}

function pick(s: Record<string, Json>, keys: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of keys) if (s[k] !== undefined) out[k] = s[k];
  return out;
}

/** The `eval { data, every }` block of a training stage, with its data as an input. */
function periodicEval(
  ctx: LowerContext,
  s: Record<string, Json>,
  model: string | undefined,
  inputs: DraftInput[],
  overrides: Record<string, Json>,
): Record<string, Json> {
  if (!isObject(s.eval)) return {};
  const dataRef = refName(s.eval.data);
  if (dataRef) inputs.push({ port: "eval.data", ...modelData(ctx, dataRef, model, overrides) });
  return { eval: { data: { $input: "eval.data" }, every: s.eval.every ?? 100 } };
}

function tokenizeOverrides(stage: AnalyzedStage, s: Record<string, Json>): Record<string, Json> {
  const overrides: Record<string, Json> = {};
  if (typeof s.seq_len === "number") overrides.max_length = s.seq_len;
  // Pre-training predicts every token of packed text.
  if (stage.source === "pretrain") Object.assign(overrides, { packing: true, train_on: "all" });
  return overrides;
}

export function lowerTrain(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const modelRef = refName(stage.args.model);
  const dataRef = refName(stage.args.data);
  const inputs: DraftInput[] = [];
  if (modelRef) inputs.push({ port: "model", ...ctx.resolve(modelRef) });
  const modelStage = stageOf(modelRef);

  if (stage.source === "detect_train") {
    if (dataRef) inputs.push({ port: "data", ...ctx.resolve(dataRef) });
    const { eval: _eval, ...rest } = s;
    const node = ctx.addNode({
      id: `${name}/detect-train`,
      op: "detect-train",
      stage: name,
      settings: {
        ...rest,
        ...periodicEval(ctx, s, modelStage, inputs, {}),
        seed: typeof s.seed === "number" ? s.seed : ctx.seed,
      },
      inputs,
    });
    return { main: { node: node.id }, named: {} };
  }

  const overrides = tokenizeOverrides(stage, s);
  if (dataRef) inputs.push({ port: "data", ...modelData(ctx, dataRef, modelStage, overrides) });
  const node = ctx.addNode({
    id: `${name}/train`,
    op: "train",
    stage: name,
    settings: trainingSettings(ctx, s, modelStage, inputs, overrides, { mode: stage.source }),
    inputs,
  });
  return { main: { node: node.id }, named: {} };
}

function trainingSettings(
  ctx: LowerContext,
  s: Record<string, Json>,
  model: string | undefined,
  inputs: DraftInput[],
  overrides: Record<string, Json>,
  extra: Record<string, Json>,
): Record<string, Json> {
  const { eval: _eval, seed, ...rest } = pick(s, TRAINING_KEYS);
  return {
    ...extra,
    ...rest,
    ...periodicEval(ctx, s, model, inputs, overrides),
    seed: typeof seed === "number" ? seed : ctx.seed,
  };
}

export function lowerDistill(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const teacherRef = refName(stage.args.teacher);
  const inputs: DraftInput[] = [];
  if (teacherRef) inputs.push({ port: "teacher", ...ctx.resolve(teacherRef) });
  const overrides = tokenizeOverrides(stage, s);

  if (stage.source === "teacher_answers") {
    // The teacher answers the prompts; the student is fine-tuned on those answers.
    const promptsRef = refName(stage.args.prompts);
    if (promptsRef) {
      inputs.push({ port: "prompts", ...modelData(ctx, promptsRef, stageOf(teacherRef)) });
    }
    const { seed, ...generation } = pick(s, GENERATION_KEYS);
    const generated = ctx.addNode({
      id: `${name}/teacher-generate`,
      op: "teacher-generate",
      stage: name,
      settings: { ...generation, seed: typeof seed === "number" ? seed : ctx.seed },
      inputs,
    });
    const studentRef = refName(s.student);
    const studentStage = stageOf(studentRef);
    const trainInputs: DraftInput[] = [];
    if (studentRef) trainInputs.push({ port: "model", ...ctx.resolve(studentRef) });
    const dataset = promptsRef ? ctx.datasetBehind(promptsRef) : undefined;
    const data = dataset
      ? ctx.tokenized({
          data: { node: generated.id },
          label: name,
          dataset,
          model: studentStage,
          overrides,
          stage: name,
        })
      : { node: generated.id };
    trainInputs.push({ port: "data", ...data });
    const node = ctx.addNode({
      id: `${name}/train`,
      op: "train",
      stage: name,
      settings: trainingSettings(ctx, s, studentStage, trainInputs, overrides, { mode: "sft" }),
      inputs: trainInputs,
    });
    return { main: { node: node.id }, named: {} };
  }

  const studentRef = refName(stage.args.student);
  const studentStage = stageOf(studentRef);
  if (studentRef) inputs.push({ port: "student", ...ctx.resolve(studentRef) });
  const dataRef = refName(stage.args.data);
  if (dataRef) inputs.push({ port: "data", ...modelData(ctx, dataRef, studentStage, overrides) });
  const node = ctx.addNode({
    id: `${name}/distill`,
    op: "distill",
    stage: name,
    settings: {
      ...trainingSettings(ctx, s, studentStage, inputs, overrides, {}),
      temperature: s.temperature ?? 2,
      alpha: s.alpha ?? 0.5,
      log: s.log ?? ["total_loss", "hard_loss", "soft_loss"],
    },
    inputs,
  });
  return { main: { node: node.id }, named: {} };
}

/** A `generation { … }` block with its seed filled from the pipeline. */
function withGenerationSeed(ctx: LowerContext, block: Json | undefined): Record<string, Json> {
  if (!isObject(block)) return {};
  return { ...block, seed: typeof block.seed === "number" ? block.seed : ctx.seed };
}

export function lowerEvaluate(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const models = Array.isArray(stage.args.model) ? stage.args.model : [stage.args.model];
  const dataRef = refName(stage.args.data);
  const inputs: DraftInput[] = [];
  models.forEach((m, i) => {
    const modelRef = refName(m);
    if (!modelRef) return;
    inputs.push({ port: `model[${i}]`, ...ctx.resolve(modelRef) });
    if (dataRef) inputs.push({ port: `data[${i}]`, ...modelData(ctx, dataRef, stageOf(modelRef)) });
  });
  const { generation, judge, ...rest } = s;
  const node = ctx.addNode({
    id: `${name}/evaluate`,
    op: "evaluate",
    stage: name,
    settings: {
      ...rest,
      ...(generation !== undefined ? { generation: withGenerationSeed(ctx, generation) } : {}),
      ...(judge !== undefined ? { judge: ctx.slotReferences(judge, inputs, ["judge"]) } : {}),
      require: stage.requirements,
    },
    inputs,
  });
  return { main: { node: node.id }, named: {} };
}

export function lowerGenerate(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const modelRef = refName(stage.args.model);
  const inputs: DraftInput[] = [];
  if (modelRef) inputs.push({ port: "model", ...ctx.resolve(modelRef) });
  let prompts: Json = s.prompts ?? [];
  if (isStageRef(prompts)) {
    inputs.push({ port: "prompts", ...modelData(ctx, prompts.$ref, stageOf(modelRef)) });
    prompts = { $input: "prompts" };
  }
  const node = ctx.addNode({
    id: `${name}/generate`,
    op: "generate",
    stage: name,
    settings: {
      ...s,
      prompts,
      seed: typeof s.seed === "number" ? s.seed : ctx.seed,
    },
    inputs,
  });
  return { main: { node: node.id }, named: {} };
}

export function lowerDetect(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const s = ctx.settingsOf(stage);
  const inputs: DraftInput[] = [];
  const modelRef = refName(stage.args.model);
  if (modelRef) inputs.push({ port: "model", ...ctx.resolve(modelRef) });
  const images = stage.args.images;
  const imagesRef = refName(images);
  if (imagesRef) inputs.push({ port: "images", ...ctx.resolve(imagesRef) });
  const folder = typeof images === "string" ? images : undefined;
  const node = ctx.addNode({
    id: `${stage.name}/detect`,
    op: "detect",
    stage: stage.name,
    settings: { ...s, ...(folder ? { images: folder } : {}) },
    inputs,
    reads: folder ? [{ path: folder, directory: true }] : [],
  });
  return { main: { node: node.id }, named: {} };
}

/** No detection → PASS, any high-severity class → FAIL, otherwise WARNING. */
const DEFAULT_VERDICT: Json[] = [
  { outcome: "PASS", when: { op: "==", left: { call: "count", args: ["all"] }, right: 0 } },
  { outcome: "FAIL", when: { call: "any", args: ["high"] } },
  { outcome: "WARNING", when: null },
];

export function lowerInspect(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const s = ctx.settingsOf(stage);
  const inputs: DraftInput[] = [];
  const detectionsRef = refName(stage.args.detections);
  if (detectionsRef) inputs.push({ port: "detections", ...ctx.resolve(detectionsRef) });
  const written = isObject(s.verdict) && Array.isArray(s.verdict.$rules) ? s.verdict.$rules : [];
  const verdict = written.length
    ? written.map((r) => {
        const rule = r as { outcome: string; condition: Json };
        return { outcome: rule.outcome, when: rule.condition };
      })
    : DEFAULT_VERDICT;
  const vlm = s.vlm_analysis ?? "off";
  const node = ctx.addNode({
    id: `${stage.name}/inspect`,
    op: "inspect",
    stage: stage.name,
    settings: {
      severity: s.severity ?? {},
      verdict,
      ...(s.recommend !== undefined ? { recommend: s.recommend } : {}),
      vlm_analysis: vlm,
      annotate: s.annotate ?? true,
      report: s.report ?? "inspection.json",
    },
    inputs,
    reads:
      isObject(vlm) && typeof vlm.model === "string" ? [{ path: vlm.model, directory: true }] : [],
  });
  return { main: { node: node.id }, named: {} };
}

/** Whether a model-like stage carries a PEFT adapter (its export defaults to PEFT's layout). */
function hasAdapter(
  ctx: LowerContext,
  stageName: string | undefined,
  seen = new Set<string>(),
): boolean {
  if (stageName === undefined || seen.has(stageName)) return false;
  seen.add(stageName);
  const stage = ctx.pipeline.stages.get(stageName);
  if (!stage) return false;
  if (stage.kind === "adapter") return true;
  const next =
    stage.source === "sft"
      ? refName(stage.args.model)
      : stage.source === "distill"
        ? refName(stage.args.student)
        : stage.source === "teacher_answers"
          ? refName(stage.settings.student?.value)
          : undefined;
  return hasAdapter(ctx, stageOf(next), seen);
}

function defaultExportFormat(ctx: LowerContext, ex: AnalyzedExport, merged: boolean): string {
  switch (ex.targetType) {
    case "trained-model":
    case "adapter":
      return hasAdapter(ctx, stageOf(ex.target)) && !merged ? "peft" : "hf";
    case "trained-detector":
    case "detector":
      return "safetensors";
    case "data":
    case "text-data":
      return "jsonl";
    case "detection-data":
      return "yolo";
    case "model":
      return "hf";
    default:
      // evaluations, generations, detections, inspections, class names
      return "json";
  }
}

export function lowerExports(ctx: LowerContext): DraftExport[] {
  const out: DraftExport[] = [];
  for (const ex of ctx.pipeline.exports) {
    const stageName = stageOf(ex.target);
    if (!stageName || !ctx.pipeline.stages.has(stageName) || !ex.targetType) continue;
    const settings: Record<string, Json> = Object.fromEntries(
      Object.entries(ex.settings).map(([k, v]) => [k, v.value]),
    );
    const merged = settings.merged === true;
    const node = ctx.addNode({
      id: `${stageName}/export`,
      op: "export",
      stage: stageName,
      settings: {
        what: ex.targetType,
        destination: ex.destination,
        format: settings.format ?? defaultExportFormat(ctx, ex, merged),
        merged,
        dtype: settings.dtype ?? "f32",
      },
      inputs: [{ port: "target", ...ctx.resolve(ex.target) }],
    });
    out.push({ node: node.id, target: ex.target, destination: ex.destination });
  }
  return out;
}
