/**
 * Following references between stages: which model a stage is built on, what a training stage
 * trains (a whole model, or an adapter on a base), which dataset a `sft.train` reference reads,
 * and which stages consume a dataset. Pure lookups over the analysed pipeline.
 */
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import type { Json } from "../settings/spec.js";

/** The stage (and output) a `{ $ref, type }` value points at. */
export function refOf(value: Json | undefined): { stage: string; output?: string } | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref !== "string") return undefined;
  const [stage, output] = ref.split(".");
  return output === undefined ? { stage } : { stage, output };
}

/** Every `{ $ref }` inside a value (lists of models, nested blocks). */
export function refsIn(value: Json | undefined): string[] {
  const out: string[] = [];
  const visit = (v: Json | undefined): void => {
    if (v === null || v === undefined || typeof v !== "object") return;
    if (Array.isArray(v)) return v.forEach(visit);
    const r = refOf(v);
    if (r) out.push(r.stage);
    else Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

export function settingValue(stage: AnalyzedStage, key: string): Json | undefined {
  return stage.settings[key]?.value;
}

/** Whether the setting was written in the file (not defaulted). */
export function isSetInFile(stage: AnalyzedStage, key: string): boolean {
  return stage.settings[key]?.provenance === "file";
}

const TRAINING_SOURCES = ["sft", "pretrain"];

/** The stage a training-like stage starts from: `sft(model, …)`, `distill(student: …)`. */
export function trainedFrom(stage: AnalyzedStage): string | undefined {
  if (TRAINING_SOURCES.includes(stage.source)) return refOf(stage.args.model)?.stage;
  if (stage.source === "distill") return refOf(stage.args.student)?.stage;
  if (stage.source === "teacher_answers") return refOf(settingValue(stage, "student"))?.stage;
  return undefined;
}

/** The `model` stage (a llama directory or inline declaration) under a stage, if any. */
export function baseModelOf(
  pipeline: AnalyzedPipeline,
  name: string | undefined,
  seen = new Set<string>(),
): AnalyzedStage | undefined {
  if (name === undefined || seen.has(name)) return undefined;
  seen.add(name);
  const stage = pipeline.stages.get(name);
  if (!stage) return undefined;
  if (stage.kind === "model") return stage.source === "llama" ? stage : undefined;
  if (stage.kind === "adapter") return baseModelOf(pipeline, refOf(stage.args.base)?.stage, seen);
  return baseModelOf(pipeline, trainedFrom(stage), seen);
}

export interface TrainingTarget {
  /** The model whose architecture is trained or adapted. */
  base: AnalyzedStage;
  /** The adapter stage, for parameter-efficient training; undefined for full training. */
  adapter?: AnalyzedStage;
}

/**
 * What a training stage trains: an adapter (`sft(qlora, …)`, or a stage that trained one and
 * is trained further) or the whole model (`sft(base, …)`, `pretrain(base, …)`).
 */
export function trainingTarget(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  seen = new Set<string>(),
): TrainingTarget | undefined {
  if (seen.has(stage.name)) return undefined;
  seen.add(stage.name);
  const from = pipeline.stages.get(trainedFrom(stage) ?? "");
  if (!from) return undefined;
  if (from.kind === "adapter") {
    const base = baseModelOf(pipeline, from.name);
    return base ? { base, adapter: from } : undefined;
  }
  if (from.kind === "model") return from.source === "llama" ? { base: from } : undefined;
  return trainingTarget(pipeline, from, seen);
}

/** The dataset stage behind a data reference (`sft.train` → `sft`). */
export function datasetOf(
  pipeline: AnalyzedPipeline,
  value: Json | undefined,
): AnalyzedStage | undefined {
  const stage = pipeline.stages.get(refOf(value)?.stage ?? "");
  return stage?.kind === "dataset" ? stage : undefined;
}

/** The data a training or distillation stage reads. */
export function trainingData(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
): AnalyzedStage | undefined {
  if (stage.source === "teacher_answers") return datasetOf(pipeline, stage.args.prompts);
  return datasetOf(pipeline, stage.args.data);
}

/** Training and distillation stages that read `dataset` (any of its splits). */
export function consumersOf(pipeline: AnalyzedPipeline, dataset: string): AnalyzedStage[] {
  const out: AnalyzedStage[] = [];
  for (const s of pipeline.stages.values()) {
    if (s.kind !== "train" && s.kind !== "distill") continue;
    if (trainingData(pipeline, s)?.name === dataset) out.push(s);
  }
  return out;
}

/** The sequence length a training stage uses: `seq_len` when written, else its data's `max_length`. */
export function sequenceLength(pipeline: AnalyzedPipeline, stage: AnalyzedStage): number {
  const own = settingValue(stage, "seq_len");
  if (typeof own === "number" && isSetInFile(stage, "seq_len")) return own;
  const data = trainingData(pipeline, stage);
  const fromData = data ? settingValue(data, "max_length") : undefined;
  if (typeof fromData === "number") return fromData;
  return typeof own === "number" ? own : 512;
}
