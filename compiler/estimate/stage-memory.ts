/**
 * The static memory estimate of each training and distillation stage, from its declared
 * architecture (config.json alone is enough), adapter, batch, sequence length (`seq_len`, else
 * the data's `max_length`), precision, optimizer and gradient checkpointing. Shared by the
 * compiler's budget and device-limit checks and by `pipe estimate`. Formulas: docs/memory.md.
 */
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import type { Json } from "../settings/spec.js";
import {
  describeDetector,
  estimateDetectorMemory,
  type DetectorMemoryInput,
} from "../memory/detector.js";
import {
  baseWeightBytes,
  estimateGenerationMemory,
  estimateTrainingMemory,
  type BufferNeed,
  type MemoryComponent,
  type MemoryEstimate,
  type TrainingMemoryInput,
} from "../memory/estimate.js";
import { trainablePlan, type PeftMethod } from "../memory/peft.js";
import {
  FLOAT_BYTES,
  type FloatPrecision,
  type OptimizerKind,
  type WeightPrecision,
} from "../memory/precision.js";
import {
  baseModelOf,
  isSetInFile,
  refOf,
  sequenceLength,
  settingValue,
  trainingTarget,
  type TrainingTarget,
} from "../world-checks/lineage.js";
import type { ResolvedModel } from "../world-checks/models.js";
import { scaledDetectorConfig } from "./detector-config.js";
import { groupThousands } from "../text/format-number.js";

export interface EstimateRow {
  component: string;
  /** How many elements the row counts (parameters, values, tokens), when that means something. */
  count?: number;
  unit?: string;
  bytes: number;
  detail: string;
}

export interface StagePhase {
  name: string;
  rows: EstimateRow[];
  totalBytes: number;
}

export interface StageMemory {
  stage: AnalyzedStage;
  /** What is trained, on what, how: one line each. */
  description: string[];
  parameters?: { total: number; trainable: number };
  rows: EstimateRow[];
  /** Peak bytes of the stage (the largest phase). */
  totalBytes: number;
  buffers: BufferNeed[];
  /** A phase that runs before the main one, not at the same time (teacher generation). */
  otherPhases: StagePhase[];
  /** The training input, for the budget search (decoder stages). */
  training?: TrainingMemoryInput;
  /** The detector input, for the batch search (detector stages). */
  detector?: DetectorMemoryInput;
  /** Bytes added to every fit point on top of the training estimate (a frozen teacher). */
  extraBytes: number;
  /** `extraBytes` at another batch and sequence length (a teacher's logits grow with both). */
  extraAt?: (batch: number, seqLen: number) => number;
  /** Why there is no estimate; `report` when the reason is not already a diagnostic. */
  unavailable?: { reason: string; report: boolean };
}

/** Class names known for a dataset (from dataset.yaml, a generator or a `classes` list). */
export type ClassLookup = (dataset: string) => readonly string[] | undefined;

const fmt = (n: number): string => groupThousands(n);

function optimizerKind(value: Json | undefined): OptimizerKind {
  const kind =
    value && typeof value === "object" && !Array.isArray(value)
      ? (value as { kind?: unknown }).kind
      : value;
  return kind === "adamw8bit" ? "adamw-8bit" : "adamw";
}

function computeOf(stage: AnalyzedStage): FloatPrecision {
  return settingValue(stage, "precision") === "f16" ? "fp16" : "fp32";
}

const MLP = ["gate_proj", "up_proj", "down_proj"];

/** The PEFT method an adapter stage declares (full fine-tuning without one). */
export function methodOf(adapter: AnalyzedStage | undefined, hidden: number): PeftMethod {
  if (!adapter) return { kind: "full" };
  const n = (key: string, fallback: number): number => {
    const v = settingValue(adapter, key);
    return typeof v === "number" ? v : fallback;
  };
  const targets = (settingValue(adapter, "targets") as string[] | undefined) ?? [];
  switch (adapter.source) {
    case "lora":
      return { kind: "lora", rank: n("rank", 8), targets, dropout: n("dropout", 0) };
    case "ia3":
      return { kind: "ia3", targets, feedforward: targets.filter((t) => MLP.includes(t)) };
    case "prompt_tuning":
      return { kind: "prompt-tuning", virtualTokens: n("virtual_tokens", 20) };
    case "prefix_tuning":
      return settingValue(adapter, "projection") === true
        ? {
            kind: "prefix-tuning",
            virtualTokens: n("virtual_tokens", 10),
            projectionHidden: hidden,
          }
        : { kind: "prefix-tuning", virtualTokens: n("virtual_tokens", 10) };
    case "bottleneck":
      return {
        kind: "bottleneck",
        size: n("bottleneck_size", 64),
        placement: settingValue(adapter, "placement") === "both" ? "houlsby" : "pfeiffer",
      };
    default:
      return { kind: "full" };
  }
}

function describeMethod(method: PeftMethod): string {
  switch (method.kind) {
    case "full":
      return "full fine-tuning";
    case "frozen":
      return "frozen";
    case "lora":
      return `LoRA r=${method.rank} on ${method.targets.join(", ")}${method.dropout ? `, dropout ${method.dropout}` : ""}`;
    case "ia3":
      return `IA3 on ${method.targets.join(", ")}`;
    case "prompt-tuning":
      return `prompt tuning, ${method.virtualTokens} virtual tokens`;
    case "prefix-tuning":
      return `prefix tuning, ${method.virtualTokens} tokens${method.projectionHidden ? " (with projection)" : ""}`;
    case "bottleneck":
      return `bottleneck adapters, size ${method.size} (${method.placement})`;
  }
}

/** Weight precision of a training target: NF4 under QLoRA, else the model's dtype. */
function weightsOf(
  target: TrainingTarget,
  model: ResolvedModel,
): { weights: WeightPrecision; doubleQuant: boolean } {
  const a = target.adapter;
  if (a?.source === "lora" && settingValue(a, "quantize_base") === "nf4") {
    return { weights: "nf4", doubleQuant: settingValue(a, "double_quant") === true };
  }
  return { weights: model.dtype, doubleQuant: false };
}

/** Rows with counts, from the estimator's components. */
function rowsOf(est: MemoryEstimate, input: TrainingMemoryInput): EstimateRow[] {
  const trainable = est.parameters.trainable;
  const T = input.batch * (input.seqLen + est.plan.promptTokens);
  return est.components.map((c): EstimateRow => {
    const base = { component: c.label, bytes: c.bytes, detail: c.detail };
    switch (c.key) {
      case "weights":
        return { ...base, count: est.parameters.total, unit: "params" };
      case "adapter":
      case "master":
        return { ...base, count: trainable, unit: "params" };
      case "gradients":
        return { ...base, count: trainable, unit: "values" };
      case "optimizer":
        return { ...base, count: 2 * trainable, unit: "values" };
      case "activations":
        return { ...base, count: T, unit: "tokens" };
      case "logits":
        return { ...base, count: 2 * T * input.arch.vocabSize, unit: "values" };
      default:
        return base;
    }
  });
}

function componentRows(components: readonly MemoryComponent[]): EstimateRow[] {
  return components.map((c) => ({ component: c.label, bytes: c.bytes, detail: c.detail }));
}

function unavailable(stage: AnalyzedStage, reason: string, report = false): StageMemory {
  return {
    stage,
    description: [],
    rows: [],
    totalBytes: 0,
    buffers: [],
    otherPhases: [],
    extraBytes: 0,
    unavailable: { reason, report },
  };
}

/** The training input of a decoder stage, or why there is none. */
function decoderInput(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  models: ReadonlyMap<string, ResolvedModel>,
):
  | { input: TrainingMemoryInput; model: ResolvedModel; target: TrainingTarget }
  | { why: string; report?: boolean } {
  const target = trainingTarget(pipeline, stage);
  if (!target) return { why: "what it trains could not be resolved" };
  const model = models.get(target.base.name);
  if (!model?.arch)
    return { why: `the architecture of \`${target.base.name}\` is unknown (see its diagnostics)` };
  if (!model.vocabKnown) {
    return {
      why: `the vocabulary of \`${target.base.name}\` only exists once its tokenizer is trained; set \`vocab_size\` to estimate`,
      report: true,
    };
  }
  const { weights, doubleQuant } = weightsOf(target, model);
  const batch = settingValue(stage, "batch");
  const input: TrainingMemoryInput = {
    arch: model.arch,
    method: methodOf(target.adapter, model.arch.hiddenSize),
    baseWeights: weights,
    doubleQuant,
    otherWeights: model.dtype,
    compute: computeOf(stage),
    optimizer: optimizerKind(settingValue(stage, "optimizer")),
    batch: typeof batch === "number" ? batch : 8,
    seqLen: sequenceLength(pipeline, stage),
    gradientCheckpointing: settingValue(stage, "gradient_checkpointing") === true,
  };
  return { input, model, target };
}

function describeDecoder(
  input: TrainingMemoryInput,
  model: ResolvedModel,
  label: string,
): string[] {
  const where = model.dir
    ? `${model.stage.name} (${model.modulesFrom === "headers" ? "config.json + safetensors headers" : "config.json"})`
    : `${model.stage.name} (inline)`;
  const w =
    input.baseWeights === "nf4"
      ? `NF4${input.doubleQuant ? " + double quantisation" : ""}`
      : input.baseWeights;
  return [
    `${label}: ${where}, ${describeMethod(input.method)}`,
    `batch ${input.batch} × sequence ${input.seqLen}, weights ${w}, compute ${input.compute}, optimizer ${input.optimizer}, gradient checkpointing ${input.gradientCheckpointing ? "on" : "off"}`,
  ];
}

function estimateDecoderStage(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  models: ReadonlyMap<string, ResolvedModel>,
): StageMemory {
  const got = decoderInput(pipeline, stage, models);
  if ("why" in got) return unavailable(stage, got.why, got.report);
  const { input, model } = got;
  const est = estimateTrainingMemory(input);
  const result: StageMemory = {
    stage,
    description: describeDecoder(
      input,
      model,
      stage.source === "pretrain" ? "pre-training" : stage.kind === "distill" ? "student" : "model",
    ),
    parameters: { ...est.parameters },
    rows: rowsOf(est, input),
    totalBytes: est.totalBytes,
    buffers: est.buffers,
    otherPhases: [],
    training: input,
    extraBytes: 0,
  };
  if (stage.source === "distill") addTeacher(pipeline, stage, models, result);
  if (stage.source === "teacher_answers") addTeacherGeneration(pipeline, stage, models, result);
  return result;
}

/** Teacher of a distillation stage: model and weight precision. */
function teacherOf(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  models: ReadonlyMap<string, ResolvedModel>,
):
  | { model: ResolvedModel; weights: WeightPrecision; doubleQuant: boolean; adapter?: PeftMethod }
  | undefined {
  const name = refOf(stage.args.teacher)?.stage;
  const base = baseModelOf(pipeline, name);
  const model = base ? models.get(base.name) : undefined;
  if (!model?.arch || !model.vocabKnown) return undefined;
  const from = pipeline.stages.get(name ?? "");
  const target =
    from && from.kind !== "model" && from.kind !== "adapter"
      ? trainingTarget(pipeline, from)
      : undefined;
  const adapterStage = target?.adapter ?? (from?.kind === "adapter" ? from : undefined);
  const w = adapterStage
    ? weightsOf({ base: model.stage, adapter: adapterStage }, model)
    : { weights: model.dtype, doubleQuant: false };
  return {
    model,
    ...w,
    ...(adapterStage ? { adapter: methodOf(adapterStage, model.arch.hiddenSize) } : {}),
  };
}

/** Logit distillation: the frozen teacher's weights, its logits and one layer's forward temporaries. */
function addTeacher(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  models: ReadonlyMap<string, ResolvedModel>,
  result: StageMemory,
): void {
  const teacher = teacherOf(pipeline, stage, models);
  const input = result.training!;
  if (!teacher) {
    result.description.push("teacher: unknown architecture, not counted");
    return;
  }
  const arch = teacher.model.arch!;
  const w = baseWeightBytes(arch, teacher.weights, teacher.model.dtype, teacher.doubleQuant);
  const a = FLOAT_BYTES[input.compute];
  const T = input.batch * input.seqLen;
  const h = arch.hiddenSize;
  const q = arch.numAttentionHeads * arch.headDim;
  const kv = arch.numKeyValueHeads * arch.headDim;
  /** One layer's forward temporaries for b × s tokens, materialised attention scores included. */
  const workspace = (b: number, s: number): number =>
    b * s * (2 * h + q + 2 * kv + 3 * arch.intermediateSize) * a +
    b * arch.numAttentionHeads * s * s * a;
  const rows: EstimateRow[] = [
    {
      component: "teacher weights (frozen)",
      count: w.params,
      unit: "params",
      bytes: w.bytes,
      detail: w.detail,
    },
    {
      component: "teacher logits (f32)",
      count: T * arch.vocabSize,
      unit: "values",
      bytes: T * arch.vocabSize * 4,
      detail: `${fmt(T)} tokens × ${fmt(arch.vocabSize)} vocab × 4 B, kept for the KD loss`,
    },
    {
      component: "teacher forward workspace",
      bytes: workspace(input.batch, input.seqLen),
      detail: "one layer's forward temporaries (no gradients)",
    },
  ];
  if (teacher.adapter) {
    const count = trainablePlan(arch, teacher.adapter).count;
    if (count > 0) {
      rows.splice(1, 0, {
        component: "teacher adapter (frozen)",
        count,
        unit: "params",
        bytes: count * 4,
        detail: `${fmt(count)} params × 4 B (fp32)`,
      });
    }
  }
  const extra = rows.reduce((n, r) => n + r.bytes, 0);
  const fixed = extra - T * arch.vocabSize * 4 - workspace(input.batch, input.seqLen);
  result.rows.push(...rows);
  result.totalBytes += extra;
  result.extraBytes = extra;
  result.extraAt = (b, s) => fixed + b * s * arch.vocabSize * 4 + workspace(b, s);
  result.description.push(
    `teacher: ${teacher.model.stage.name}${teacher.model.dir ? "" : " (inline)"}, frozen, weights ${teacher.weights}`,
  );
  result.buffers = [
    ...result.buffers,
    ...w.buffers.map((b) => ({ ...b, name: `teacher ${b.name}` })),
    { name: "teacher logits (f32)", bytes: T * arch.vocabSize * 4 },
  ].sort((x, y) => y.bytes - x.bytes);
}

/** Simplified distillation: the teacher generates first, then the student trains. */
function addTeacherGeneration(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  models: ReadonlyMap<string, ResolvedModel>,
  result: StageMemory,
): void {
  const teacher = teacherOf(pipeline, stage, models);
  const input = result.training!;
  if (!teacher) return;
  const maxNew = settingValue(stage, "max_new_tokens");
  const est = estimateGenerationMemory({
    arch: teacher.model.arch!,
    baseWeights: teacher.weights,
    doubleQuant: teacher.doubleQuant,
    otherWeights: teacher.model.dtype,
    ...(teacher.adapter ? { adapter: teacher.adapter } : {}),
    compute: input.compute,
    batch: input.batch,
    promptLen: input.seqLen,
    maxNewTokens: typeof maxNew === "number" ? maxNew : 64,
  });
  result.otherPhases.push({
    name: "teacher generation (before training)",
    rows: componentRows(est.components),
    totalBytes: est.totalBytes,
  });
  result.totalBytes = Math.max(result.totalBytes, est.totalBytes);
  result.buffers = [
    ...result.buffers,
    ...est.buffers.map((b) => ({ ...b, name: `teacher ${b.name}` })),
  ].sort((x, y) => y.bytes - x.bytes);
}

function estimateDetectorStage(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
  classesOf: ClassLookup,
): StageMemory {
  let detector = pipeline.stages.get(refOf(stage.args.model)?.stage ?? "");
  for (let i = 0; detector && detector.source === "detect_train" && i < 16; i++) {
    detector = pipeline.stages.get(refOf(detector.args.model)?.stage ?? "");
  }
  if (!detector || detector.source !== "yolo_detector")
    return unavailable(stage, "the detector could not be resolved");
  const declared = settingValue(detector, "classes");
  const classes = Array.isArray(declared) ? declared : classesOf(refOf(declared)?.stage ?? "");
  const nc = classes?.length ?? 1;
  const width = Number(settingValue(detector, "width") ?? 0.25);
  const depth = Number(settingValue(detector, "depth") ?? 0.33);
  const imgsz = Number(
    isSetInFile(stage, "imgsz")
      ? settingValue(stage, "imgsz")
      : (settingValue(detector, "imgsz") ?? settingValue(stage, "imgsz") ?? 640),
  );
  const batch = Number(settingValue(stage, "batch") ?? 16);
  const optimizer = optimizerKind(settingValue(stage, "optimizer"));
  const config = scaledDetectorConfig(width, depth, nc);
  const input: DetectorMemoryInput = { config, imgsz, batch, compute: "fp32", optimizer };
  const est = estimateDetectorMemory(input);
  const s = describeDetector(config, imgsz);
  const counts: Record<string, [number, string] | undefined> = {
    weights: [s.params + s.bufferElements, "values"],
    gradients: [s.trainableParams, "values"],
    optimizer: [optimizer === "sgd" ? 0 : 2 * s.trainableParams, "values"],
    activations: [batch * s.activationsPerImage, "values"],
  };
  return {
    stage,
    description: [
      `detector: ${detector.name}, width ${width}, depth ${depth}, ${nc} class${nc === 1 ? "" : "es"}${classes ? "" : " (class count unknown, 1 assumed)"}`,
      `batch ${batch} × ${s.imgsz}² images, compute fp32, optimizer ${optimizer}`,
    ],
    parameters: { total: s.params, trainable: s.trainableParams },
    rows: est.components.map((c) => {
      const n = counts[c.key];
      return {
        component: c.label,
        bytes: c.bytes,
        detail: c.detail,
        ...(n ? { count: n[0], unit: n[1] } : {}),
      };
    }),
    totalBytes: est.totalBytes,
    buffers: est.buffers,
    otherPhases: [],
    detector: input,
    extraBytes: 0,
  };
}

const DECODER_SOURCES = ["sft", "pretrain", "distill", "teacher_answers"];

/** The estimate of every train and distill stage, in file order. */
export function estimateStages(
  pipeline: AnalyzedPipeline,
  models: ReadonlyMap<string, ResolvedModel>,
  classesOf: ClassLookup = () => undefined,
): StageMemory[] {
  const out: StageMemory[] = [];
  for (const stage of pipeline.stages.values()) {
    if (DECODER_SOURCES.includes(stage.source))
      out.push(estimateDecoderStage(pipeline, stage, models));
    else if (stage.source === "detect_train")
      out.push(estimateDetectorStage(pipeline, stage, classesOf));
  }
  return out;
}
