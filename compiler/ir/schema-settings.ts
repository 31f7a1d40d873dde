/**
 * The settings each IR node carries, resolved and with the catalogue's defaults filled.
 * Units are gone: memory is in bytes, durations in seconds, fractions in 0..1. References to
 * other stages are `{ $input: port }` slots naming one of the node's inputs.
 *
 * The catalogue (compiler/settings/catalogue.ts) says what a `.pipe` file may write; this
 * file says what the runtime receives. A test checks that every catalogue setting is carried
 * by some node here, so the two cannot drift apart silently.
 */
import { Type, type Static } from "@sinclair/typebox";
import { METRIC_NAMES } from "../settings/catalogue-common.js";
import {
  Bool,
  ConditionRef,
  Enum,
  Fraction,
  InputSlot,
  Int,
  Num,
  Obj,
  Opt,
  Positive,
  Str,
  Tagged,
} from "./schema-values.js";

const Range = Obj({ range: Type.Tuple([Type.Number(), Type.Number()]) });
const Dtype = Enum("f32", "f16", "bf16");
const Seed = Int(0);

export const PipelineSettings = Obj({
  seed: Opt(Seed),
  device: Enum("auto", "webgpu", "cpu"),
  /** Bytes. */
  memory_budget: Opt(Num(0)),
  output: Str,
  allow_outside_output: Bool,
  /** Seconds. */
  time_limit: Opt(Num(0)),
  cache: Bool,
  lint: Opt(Type.Record(Str, Enum("off", "warning", "error"))),
  note: Opt(Str),
  banner: Opt(Str),
  tags: Opt(Type.Array(Type.Union([Str, Type.Number()]))),
  weights: Opt(Type.Record(Str, Type.Number())),
  window: Opt(Range),
});

// ---- data ------------------------------------------------------------------------------

export const RECORD_FORMATS = ["alpaca", "sharegpt", "preference", "text"] as const;
const RecordFormat = Enum(...RECORD_FORMATS);

export const GenerateDataSettings = Tagged("generator", [
  Obj({
    generator: Type.Literal("arithmetic_zh"),
    path: Str,
    rows: Int(1),
    seed: Seed,
    format: Enum("alpaca", "text"),
  }),
  Obj({
    generator: Type.Literal("categories_zh"),
    path: Str,
    rows: Int(1),
    seed: Seed,
    format: Enum("alpaca", "text"),
  }),
  Obj({ generator: Type.Literal("chat_zh_en"), path: Str, rows: Int(1), seed: Seed }),
  Obj({
    generator: Type.Literal("noisy_instructions"),
    path: Str,
    rows: Int(1),
    seed: Seed,
    bad_rows: Fraction,
  }),
  Obj({
    generator: Type.Literal("defects"),
    path: Str,
    train: Int(1),
    val: Int(1),
    imgsz: Int(32),
    seed: Seed,
  }),
]);

export const LoadDatasetSettings = Type.Union([
  Obj({
    format: RecordFormat,
    path: Str,
    source_format: Opt(Enum("jsonl", "json", "csv", "txt")),
    on_bad_row: Enum("skip", "fail"),
  }),
  Obj({ format: Type.Literal("yolo"), path: Str, cache_scan: Bool }),
  Obj({
    format: Type.Literal("voc"),
    path: Str,
    classes: Opt(Type.Array(Str, { minItems: 1 })),
    convert_to: Obj({ kind: Type.Literal("yolo"), out: Str, val: Fraction }),
    include_difficult: Bool,
  }),
]);

const NearDedupe = Obj({
  kind: Type.Literal("near"),
  key: Str,
  threshold: Num(0, 1),
  ngram: Int(1),
  permutations: Int(8),
});

export const CleanSettings = Obj({
  /** The clean block's entries in the order written (cleaning runs in this order). */
  steps: Type.Array(Str),
  normalize: Opt(Type.Array(Enum("whitespace", "control_chars", "punctuation"))),
  punctuation: Enum("full_width", "half_width"),
  language: Opt(Enum("zh", "en")),
  dedupe: Opt(Type.Array(Type.Union([Str, NearDedupe]))),
  quality: Opt(
    Obj({ scorer: Enum("heuristic", "judge"), judge: Opt(InputSlot), threshold: Num(0) }),
  ),
  augment: Opt(
    Obj({
      methods: Type.Array(Enum("shuffle_sentences", "synonym", "drop_chars", "swap_chars")),
      ratio: Fraction,
    }),
  ),
  synthesize: Opt(Obj({ teacher: InputSlot, seeds: Int(1), count: Int(1) })),
  require: Type.Array(ConditionRef),
  /** Seeds MinHash, augmentation and synthesis (the pipeline seed). */
  seed: Seed,
});

export const SplitSettings = Obj({
  /** In the order written; each is an output of the node. */
  parts: Type.Array(
    Type.Union([Obj({ name: Str, fraction: Fraction }), Obj({ name: Str, rows: Int(0) })]),
    { minItems: 1 },
  ),
  by: Opt(Str),
  seed: Seed,
});

export const TokenizeSettings = Obj({
  format: RecordFormat,
  /** A template name (`alpaca_zh`, `alpaca_en`, `chat`, `none`) or a template's text. */
  template: Opt(Str),
  max_length: Int(8),
  train_on: Enum("answer", "assistant", "all"),
  packing: Bool,
});

export const TrainTokenizerSettings = Obj({
  kind: Enum("bpe", "char"),
  vocab_size: Opt(Int(2)),
  byte_fallback: Opt(Bool),
  /** Prompt templates of the training datasets (their characters join the corpus). */
  templates: Opt(Type.Array(Str)),
});

// ---- models and adapters ---------------------------------------------------------------

const llamaConfig = {
  vocab_size: Opt(Int(2)),
  hidden_size: Opt(Int(1)),
  intermediate_size: Opt(Int(1)),
  num_hidden_layers: Opt(Int(1)),
  num_attention_heads: Opt(Int(1)),
  num_key_value_heads: Opt(Int(1)),
  head_dim: Opt(Int(1)),
  max_position_embeddings: Opt(Int(1)),
  rope_theta: Opt(Positive),
  rms_norm_eps: Opt(Positive),
  tie_word_embeddings: Opt(Bool),
};

export const LoadModelSettings = Obj({
  architecture: Type.Literal("llama"),
  path: Str,
  dtype: Dtype,
  /** Only what the file sets explicitly; the rest comes from config.json. */
  config: Obj(llamaConfig),
});

export const InitModelSettings = Tagged("architecture", [
  Obj({
    architecture: Type.Literal("llama"),
    dtype: Dtype,
    config: Obj(llamaConfig),
    init_std: Positive,
    seed: Seed,
  }),
  Obj({
    architecture: Type.Literal("yolo_detector"),
    classes: Type.Union([Type.Array(Str, { minItems: 1 }), InputSlot]),
    width: Num(0.05, 2),
    depth: Num(0.05, 2),
    imgsz: Int(32),
    weights: Opt(Str),
    seed: Seed,
  }),
]);

export const QuantizeSettings = Obj({
  format: Type.Literal("nf4"),
  block: Int(16),
  double_quant: Bool,
});

export const AttachAdapterSettings = Tagged("method", [
  Obj({
    method: Type.Literal("lora"),
    rank: Int(1),
    alpha: Positive,
    /** α / r: the factor on B·A. */
    scale: Positive,
    dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
    targets: Type.Array(Str, { minItems: 1 }),
    init: Enum("gaussian", "kaiming"),
    /** The base weights arrive NF4-quantised (QLoRA). */
    quantized_base: Bool,
    seed: Seed,
  }),
  Obj({ method: Type.Literal("ia3"), targets: Type.Array(Str, { minItems: 1 }), seed: Seed }),
  Obj({
    method: Type.Literal("prompt_tuning"),
    virtual_tokens: Int(1),
    init: Opt(Str),
    seed: Seed,
  }),
  Obj({
    method: Type.Literal("prefix_tuning"),
    virtual_tokens: Int(1),
    projection: Bool,
    seed: Seed,
  }),
  Obj({
    method: Type.Literal("bottleneck"),
    bottleneck_size: Int(1),
    placement: Enum("ffn", "attention", "both"),
    activation: Enum("relu", "gelu", "silu"),
    seed: Seed,
  }),
]);

// ---- training ----------------------------------------------------------------------------

const Betas = Type.Array(Type.Number({ minimum: 0, exclusiveMaximum: 1 }), { minItems: 2 });

const OptimizerUnion = Tagged("kind", [
  Obj({
    kind: Type.Literal("adamw"),
    lr: Opt(Positive),
    betas: Betas,
    eps: Positive,
    weight_decay: Num(0),
    lr0: Opt(Positive),
    lrf: Opt(Num(0, 1)),
    max_grad_norm: Num(0),
  }),
  Obj({
    kind: Type.Literal("adamw8bit"),
    lr: Positive,
    betas: Betas,
    eps: Positive,
    weight_decay: Num(0),
    max_grad_norm: Num(0),
  }),
]);

export const Optimizer = Type.Unsafe<Static<typeof OptimizerUnion>>({
  ...OptimizerUnion,
  $id: "Optimizer",
});
const OptimizerRef = Type.Ref(Optimizer);

export const Schedule = Type.Object(
  {
    kind: Enum("linear", "cosine", "constant"),
    warmup: Opt(Int(0)),
    warmup_ratio: Opt(Fraction),
    min_lr_ratio: Fraction,
  },
  { $id: "Schedule", additionalProperties: false },
);

const EvalDuringTraining = Obj({ data: InputSlot, every: Int(1) });

const trainingFields = {
  epochs: Opt(Int(1)),
  max_steps: Opt(Int(1)),
  batch: Int(1),
  grad_accum: Int(1),
  seq_len: Opt(Int(8)),
  optimizer: OptimizerRef,
  schedule: Type.Ref(Schedule),
  precision: Enum("f32", "f16"),
  gradient_checkpointing: Bool,
  log_every: Int(1),
  checkpoint_every: Opt(Int(0)),
  keep_checkpoints: Int(1),
  eval: Opt(EvalDuringTraining),
  early_stopping: Opt(Obj({ metric: Str, patience: Int(1), mode: Enum("min", "max") })),
  seed: Seed,
};

export const TrainSettings = Obj({ mode: Enum("sft", "pretrain"), ...trainingFields });

export const DistillSettings = Obj({
  ...trainingFields,
  temperature: Positive,
  alpha: Num(0, 1),
  log: Type.Array(Enum("total_loss", "hard_loss", "soft_loss")),
});

export const DetectTrainSettings = Obj({
  epochs: Int(1),
  imgsz: Int(32),
  batch: Int(1),
  optimizer: OptimizerRef,
  warmup_epochs: Num(0),
  patience: Int(1),
  save_period: Int(0),
  augment: Opt(
    Obj({
      hsv_h: Num(0, 1),
      hsv_s: Num(0, 1),
      hsv_v: Num(0, 1),
      translate: Num(0, 1),
      scale: Num(0, 1),
      fliplr: Num(0, 1),
      flipud: Num(0, 1),
      mosaic: Num(0, 1),
      close_mosaic: Int(0),
    }),
  ),
  eval: Opt(EvalDuringTraining),
  log_every: Int(1),
  seed: Seed,
});

// ---- generation, evaluation, detection, inspection, export -------------------------------

const generationFields = {
  max_new_tokens: Int(1),
  temperature: Num(0),
  top_k: Int(0),
  top_p: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  stop: Type.Array(Str),
  seed: Seed,
};
export const Generation = Obj(generationFields);

export const TeacherGenerateSettings = Obj(generationFields);

export const GenerateSettings = Obj({
  ...generationFields,
  prompts: Type.Union([Type.Array(Str, { minItems: 1 }), InputSlot]),
  output: Str,
});

export const EvaluateSettings = Obj({
  metrics: Type.Array(Enum(...METRIC_NAMES), { minItems: 1 }),
  bleu_tokenizer: Enum("13a", "zh", "none"),
  rouge_tokenizer: Enum("cjk", "rouge_score"),
  generation: Opt(Generation),
  choices: Opt(Type.Literal("letters")),
  scoring: Enum("likelihood", "generation"),
  judge: Opt(InputSlot),
  rubric: Opt(Str),
  ap_method: Enum("ultralytics", "coco"),
  iou: Num(0, 1),
  conf: Num(0, 1),
  max_rows: Opt(Int(1)),
  /** Gates: the run fails when one does not hold. */
  require: Type.Array(ConditionRef),
});

export const DetectSettings = Obj({
  conf: Num(0, 1),
  iou: Num(0, 1),
  max_det: Int(1),
  save: Type.Array(Enum("json", "txt")),
  /** An image folder; otherwise the images come through the `images` input. */
  images: Opt(Str),
});

const Outcome = Enum("PASS", "WARNING", "FAIL");

export const InspectSettings = Obj({
  severity: Type.Record(Str, Enum("low", "medium", "high")),
  /** First matching rule wins; `when: null` is `otherwise`. */
  verdict: Type.Array(Obj({ outcome: Outcome, when: Type.Union([ConditionRef, Type.Null()]) }), {
    minItems: 1,
  }),
  recommend: Opt(Type.Record(Str, Str)),
  vlm_analysis: Type.Union([Type.Literal("off"), Obj({ model: Str, prompt: Str })]),
  annotate: Bool,
  report: Str,
});

/** What an export writes: the type of the exported stage output (compiler/settings/spec.ts). */
export const EXPORT_WHAT = [
  "data",
  "text-data",
  "detection-data",
  "class-names",
  "model",
  "adapter",
  "trained-model",
  "detector",
  "trained-detector",
  "detections",
  "inspection",
  "evaluation",
  "generations",
] as const;

export const ExportSettings = Type.Union([
  Obj({
    what: Enum(...EXPORT_WHAT),
    destination: Str,
    format: Enum("peft", "safetensors", "hf", "jsonl", "yolo", "voc", "json"),
    merged: Bool,
    dtype: Dtype,
  }),
  /** A dataset's `write` block: the cleaned splits and the clean report. */
  Obj({
    what: Type.Literal("cleaned-splits"),
    destination: Str,
    format: Enum("jsonl", "json"),
    report: Str,
  }),
]);
