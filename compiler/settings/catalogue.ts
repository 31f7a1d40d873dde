/**
 * Everything a `.pipe` file can say: the pipeline block, every stage source with its
 * arguments, settings, defaults and outputs, and the export options. One table: the checker
 * enforces it, `pipe explain` shows it, docs/settings.md is generated from it.
 */
import {
  EARLY_STOPPING,
  EVAL_DURING_TRAINING,
  GENERATION_BLOCK,
  METRIC_NAMES,
  OPTIMIZERS,
  TOKENIZER_SPEC,
  TRAINING_FIELDS,
} from "./catalogue-common.js";
import {
  anyOf,
  block,
  bool,
  field,
  fraction,
  int,
  listOf,
  memory,
  num,
  oneOf,
  path,
  positive,
  ref,
  str,
  variant,
  duration,
  type BlockSpec,
  type Json,
  type OutputType,
  type SourceSpec,
  type Spec,
} from "./spec.js";

export const PIPELINE_BLOCK: BlockSpec = {
  doc: "global settings",
  fields: {
    seed: field(
      int(0),
      "seeds every random thing: shuffles, splits, init, dropout, augmentation, sampling",
    ),
    device: field(
      oneOf("auto", "webgpu", "cpu"),
      "where to run: WebGPU when an adapter exists, else the CPU reference",
      {
        default: "auto",
      },
    ),
    memory_budget: field(memory, "refuse a pipeline whose static memory estimate exceeds this"),
    output: field(path, "directory for every relative output path", { default: "out" }),
    allow_outside_output: field(bool, "allow output paths outside `output`", { default: false }),
    time_limit: field(duration, "stop (with a checkpoint) after this long"),
    cache: field(bool, "skip stages whose inputs and settings are unchanged", { default: true }),
    lint: field(
      { kind: "map", value: oneOf("off", "warning", "error"), keyKind: "lint" },
      "lint severities",
    ),
    note: field(str, "free text"),
    banner: field(str, "free text"),
    tags: field(
      listOf(anyOf("a name, string or number", { kind: "identifier" }, str, num())),
      "free labels",
    ),
    weights: field(
      { kind: "map", value: anyOf("a number or fraction", fraction, num()), keyKind: "free" },
      "free numeric map",
    ),
    window: field({ kind: "range", item: num() }, "free range"),
  },
};

const DATA_GENERATORS = variant({
  arithmetic_zh: {
    doc: "Chinese arithmetic word problems (a learnable instruction task)",
    fields: {
      rows: field(int(1), "rows to generate", { default: 2000 }),
      seed: field(int(0), "generator seed", { default: 0 }),
      format: field(oneOf("alpaca", "text"), "records or plain text", { default: "text" }),
    },
  },
  categories_zh: {
    doc: "which kind of thing a sentence mentions (水果, 动物, 颜色, 交通工具, 乐器): a task a tiny model learns in minutes",
    fields: {
      rows: field(int(1), "rows to generate", { default: 2000 }),
      seed: field(int(0), "generator seed", { default: 0 }),
      format: field(oneOf("alpaca", "text"), "records or plain text", { default: "text" }),
    },
  },
  chat_zh_en: {
    doc: "bilingual multi-turn conversations",
    fields: {
      rows: field(int(1), "conversations", { default: 1000 }),
      seed: field(int(0), "generator seed", { default: 0 }),
    },
  },
  noisy_instructions: {
    doc: "instruction data with planted noise: bad rows, duplicates, control characters, short answers",
    fields: {
      rows: field(int(1), "rows", { default: 5000 }),
      seed: field(int(0), "generator seed", { default: 0 }),
      bad_rows: field(fraction, "share of malformed rows", { default: 0.02 }),
    },
  },
  defects: {
    doc: "textured surfaces with scratches, cracks, stains and dents, as a YOLO dataset",
    fields: {
      train: field(int(1), "training images", { default: 400 }),
      val: field(int(1), "validation images", { default: 80 }),
      imgsz: field(int(32), "image size in pixels", { default: 160 }),
      seed: field(int(0), "generator seed", { default: 0 }),
    },
  },
});

const FIELD_NAME: Spec = { kind: "field" };

const CLEAN_BLOCK: BlockSpec = {
  doc: "cleaning, in the order written; every dropped row is counted by reason",
  requirements: "data",
  fields: {
    normalize: field(listOf(oneOf("whitespace", "control_chars", "punctuation")), "normalisations"),
    punctuation: field(
      oneOf("full_width", "half_width"),
      "direction of punctuation normalisation",
      {
        default: "half_width",
      },
    ),
    language: field(oneOf("zh", "en"), "keep rows mostly in this script"),
    dedupe: field(
      anyOf(
        "a field name, or `near { key, threshold, ngram }`",
        FIELD_NAME,
        variant({
          near: {
            doc: "near-duplicates by MinHash over character n-grams",
            fields: {
              key: field(FIELD_NAME, "field to compare", { required: true }),
              threshold: field(
                num(0, 1),
                "Jaccard similarity at or above which rows are duplicates",
                { default: 0.85 },
              ),
              ngram: field(int(1), "character n-gram size", { default: 5 }),
              permutations: field(int(8), "MinHash permutations", { default: 128 }),
            },
          },
        }),
      ),
      "de-duplicate on a normalised key",
      { repeatable: true },
    ),
    quality: field(
      block({
        scorer: field(oneOf("heuristic", "judge"), "how to score rows", { default: "heuristic" }),
        judge: field(ref("model", "trained-model"), "judge model (scorer: judge)"),
        threshold: field(num(0), "drop rows scoring below", { default: 0.5 }),
      }),
      "quality scoring",
    ),
    augment: field(
      block({
        methods: field(
          listOf(oneOf("shuffle_sentences", "synonym", "drop_chars", "swap_chars")),
          "augmentations",
          {
            default: ["shuffle_sentences"],
          },
        ),
        ratio: field(fraction, "share of rows to augment", { default: 0.1 }),
      }),
      "augmented copies",
    ),
    synthesize: field(
      block({
        teacher: field(ref("model", "trained-model"), "model that writes new samples", {
          required: true,
        }),
        seeds: field(int(1), "seed examples shown to the teacher", { default: 20 }),
        count: field(int(1), "samples to add", { default: 100 }),
      }),
      "synthetic samples from a teacher",
    ),
  },
};

function splitOutputs(
  settings: Record<string, Json>,
  type: OutputType,
): Record<string, OutputType> {
  const split = settings.split as Record<string, Json> | undefined;
  const names =
    split && typeof split === "object"
      ? Object.keys(split).filter((k) => k !== "by" && k !== "seed")
      : [];
  return Object.fromEntries(names.map((n) => [n, type]));
}

const SPLIT_SPEC = block(
  {
    by: field(
      FIELD_NAME,
      "key that must not repeat across splits (default: the dedupe key, else the whole row)",
    ),
    seed: field(int(0), "split seed (default: the pipeline seed)"),
  },
  {
    doc: "splits by fraction (summing to 100%) or count; any other key names a split",
    otherKeys: {
      spec: anyOf("a percentage or a row count", fraction, int(0)),
      doc: "a split: fraction or row count",
    },
  },
);

const RECORD_DATASET_FIELDS = {
  generate: field(
    DATA_GENERATORS,
    "create the file with a generator shipped with Pipewright (if missing)",
  ),
  source_format: field(
    oneOf("jsonl", "json", "csv", "txt"),
    "file format (default: from the extension)",
  ),
  on_bad_row: field(
    oneOf("skip", "fail"),
    "malformed rows: skip and count, or stop with the row number",
    {
      default: "skip",
    },
  ),
  sample_rows: field(int(1), "rows the compiler reads to check the schema and lengths", {
    default: 200,
  }),
  template: field(
    anyOf(
      'a template name (`alpaca_zh`, `alpaca_en`, `chat`) or a """template"""',
      oneOf("alpaca_zh", "alpaca_en", "chat", "none"),
      str,
    ),
    "prompt template",
  ),
  max_length: field(int(8), "tokens per example; longer ones are truncated (and counted)", {
    default: 512,
  }),
  train_on: field(oneOf("answer", "assistant", "all"), "which tokens carry loss", {
    default: "answer",
  }),
  packing: field(bool, "pack short examples into full sequences", { default: false }),
  clean: field({ kind: "block", block: CLEAN_BLOCK }, "cleaning rules"),
  split: field(SPLIT_SPEC, "seeded, leakage-free splits"),
  write: field(
    block({
      format: field(oneOf("jsonl", "json"), "format of the written splits", { default: "jsonl" }),
      report: field(path, "clean report file", { default: "clean-report.json" }),
    }),
    "write cleaned splits and the report",
  ),
};

function recordDataset(name: string, doc: string): SourceSpec {
  return {
    stageKind: "dataset",
    name,
    doc,
    args: [
      { name: "path", spec: path, doc: "data file (.jsonl, .json, .csv, .txt)", required: true },
    ],
    body: { fields: RECORD_DATASET_FIELDS },
    produces: name === "text" ? "text-data" : "data",
    outputs: (s) => splitOutputs(s, name === "text" ? "text-data" : "data"),
  };
}

const DATASETS: SourceSpec[] = [
  recordDataset("alpaca", "instruction / input / output records"),
  recordDataset("sharegpt", "multi-turn conversations: [{ from, value }]"),
  recordDataset("preference", "prompt / chosen / rejected records"),
  recordDataset("text", "plain text: one document per line, or { text } records"),
  {
    stageKind: "dataset",
    name: "yolo",
    doc: "an Ultralytics-style YOLO dataset described by dataset.yaml",
    args: [{ name: "path", spec: path, doc: "dataset.yaml", required: true }],
    body: {
      fields: {
        generate: field(DATA_GENERATORS, "create the dataset with a generator (if missing)"),
        cache_scan: field(bool, "cache the label scan next to the labels", { default: true }),
      },
    },
    produces: "detection-data",
    outputs: () => ({
      train: "detection-data",
      val: "detection-data",
      test: "detection-data",
      names: "class-names",
    }),
  },
  {
    stageKind: "dataset",
    name: "voc",
    doc: "Pascal VOC XML annotations, converted to a YOLO dataset",
    args: [
      {
        name: "path",
        spec: path,
        doc: "directory with Annotations/ and JPEGImages/",
        required: true,
      },
    ],
    body: {
      fields: {
        classes: field(
          listOf({ kind: "identifier" }, 1),
          "class names in id order (default: as found)",
        ),
        convert_to: field(
          variant({
            yolo: {
              doc: "write a YOLO dataset",
              fields: {
                out: field(path, "output directory", { required: true }),
                val: field(fraction, "share of images for validation", { default: 0.2 }),
              },
            },
          }),
          "conversion target",
          { required: true },
        ),
        include_difficult: field(bool, "keep objects marked difficult", { default: false }),
      },
    },
    produces: "detection-data",
    outputs: () => ({ train: "detection-data", val: "detection-data", names: "class-names" }),
  },
];

const LLAMA_CONFIG_FIELDS = {
  tokenizer: field(TOKENIZER_SPEC, "tokenizer (inline models)"),
  vocab_size: field(int(2), "vocabulary size (default: the tokenizer's)"),
  hidden_size: field(int(1), "model width"),
  intermediate_size: field(int(1), "SwiGLU inner width"),
  num_hidden_layers: field(int(1), "decoder layers"),
  num_attention_heads: field(int(1), "attention heads"),
  num_key_value_heads: field(int(1), "key/value heads (grouped-query attention)"),
  head_dim: field(int(1), "per-head width (default: hidden_size / heads)"),
  max_position_embeddings: field(int(1), "longest sequence", { default: 2048 }),
  rope_theta: field(positive, "RoPE base", { default: 10000 }),
  rms_norm_eps: field(positive, "RMSNorm ε", { default: 1e-6 }),
  tie_word_embeddings: field(bool, "share input and output embeddings", { default: false }),
  init_std: field(positive, "initialisation standard deviation", { default: 0.02 }),
  dtype: field(oneOf("f32", "f16", "bf16"), "weight precision in memory", { default: "f32" }),
};

const MODELS: SourceSpec[] = [
  {
    stageKind: "model",
    name: "llama",
    doc: "a Llama/Qwen-architecture decoder: from a Hugging Face directory, or declared inline",
    args: [
      {
        name: "path",
        spec: path,
        doc: "directory with config.json, *.safetensors, tokenizer.json",
      },
    ],
    inline: "allowed",
    body: { fields: LLAMA_CONFIG_FIELDS },
    produces: "model",
  },
  {
    stageKind: "model",
    name: "yolo_detector",
    doc: "a small anchor-free YOLO-style detector",
    args: [],
    inline: "only",
    body: {
      fields: {
        classes: field(
          anyOf(
            "a list of class names or a dataset's `names`",
            ref("class-names"),
            listOf({ kind: "identifier" }, 1),
          ),
          "classes",
          {
            required: true,
          },
        ),
        width: field(num(0.05, 2), "width multiple", { default: 0.25 }),
        depth: field(num(0.05, 2), "depth multiple", { default: 0.33 }),
        imgsz: field(int(32), "input size (a multiple of 32)", { default: 640 }),
        weights: field(path, "initial weights (safetensors)"),
      },
    },
    produces: "detector",
  },
];

const BASE_MODEL_ARG = {
  name: "base",
  spec: ref("model", "trained-model"),
  doc: "the model to adapt",
  required: true,
};
const TARGETS = field(
  listOf({ kind: "identifier" }, 1),
  "module names to adapt (`q_proj`, …) as in Hugging Face",
  {
    default: ["q_proj", "v_proj"],
  },
);

const ADAPTERS: SourceSpec[] = [
  {
    stageKind: "adapter",
    name: "lora",
    doc: "LoRA: W + (α/r)·B·A with A Gaussian, B zero; with quantize_base: nf4 it is QLoRA",
    args: [BASE_MODEL_ARG],
    body: {
      fields: {
        rank: field(int(1), "r, the rank of B·A", { default: 8 }),
        alpha: field(positive, "α; the update is scaled by α/r", { default: 16 }),
        dropout: field(num(0, 1, { maxExclusive: true }), "dropout on the adapter input", {
          default: 0,
        }),
        targets: TARGETS,
        init: field(oneOf("gaussian", "kaiming"), "initialisation of A", { default: "kaiming" }),
        quantize_base: field(
          oneOf("none", "nf4"),
          "store the frozen base weights in 4-bit NF4 (QLoRA)",
          { default: "none" },
        ),
        double_quant: field(bool, "quantise the NF4 block scales too", { default: false }),
        quant_block: field(int(16), "NF4 block size", { default: 64 }),
      },
    },
    produces: "adapter",
  },
  {
    stageKind: "adapter",
    name: "ia3",
    doc: "IA3: learned vectors rescaling keys, values and FFN activations",
    args: [BASE_MODEL_ARG],
    body: {
      fields: {
        targets: field(listOf({ kind: "identifier" }, 1), "modules to rescale", {
          default: ["k_proj", "v_proj", "down_proj"],
        }),
      },
    },
    produces: "adapter",
  },
  {
    stageKind: "adapter",
    name: "prompt_tuning",
    doc: "prompt tuning: learned virtual-token embeddings prepended to the input",
    args: [BASE_MODEL_ARG],
    body: {
      fields: {
        virtual_tokens: field(int(1), "number of virtual tokens", { default: 20 }),
        init: field(str, "text whose embeddings initialise the virtual tokens (default: random)"),
      },
    },
    produces: "adapter",
  },
  {
    stageKind: "adapter",
    name: "prefix_tuning",
    doc: "prefix tuning: learned key/value prefixes in every attention layer",
    args: [BASE_MODEL_ARG],
    body: {
      fields: {
        virtual_tokens: field(int(1), "prefix length", { default: 10 }),
        projection: field(bool, "reparameterise the prefix through an MLP", { default: false }),
      },
    },
    produces: "adapter",
  },
  {
    stageKind: "adapter",
    name: "bottleneck",
    doc: "bottleneck adapters (Houlsby): down-project, non-linearity, up-project, residual",
    args: [BASE_MODEL_ARG],
    body: {
      fields: {
        bottleneck_size: field(int(1), "inner width", { default: 64 }),
        placement: field(oneOf("ffn", "attention", "both"), "where adapters are inserted", {
          default: "ffn",
        }),
        activation: field(oneOf("relu", "gelu", "silu"), "non-linearity", { default: "relu" }),
      },
    },
    produces: "adapter",
  },
];

const DETECTION_TRAINING_FIELDS = {
  epochs: field(int(1), "passes over the data", { default: 100 }),
  imgsz: field(int(32), "training image size", { default: 640 }),
  batch: field(int(1), "images per step", { default: 16 }),
  optimizer: field(OPTIMIZERS, "optimizer", { default: "adamw" }),
  warmup_epochs: field(num(0), "linear warmup in epochs", { default: 3 }),
  patience: field(int(1), "epochs without mAP improvement before stopping", { default: 50 }),
  save_period: field(int(0), "checkpoint every N epochs (0 = best and last only)", { default: 0 }),
  augment: field(
    block({
      hsv_h: field(num(0, 1), "hue gain", { default: 0.015 }),
      hsv_s: field(num(0, 1), "saturation gain", { default: 0.7 }),
      hsv_v: field(num(0, 1), "value gain", { default: 0.4 }),
      translate: field(num(0, 1), "translation fraction", { default: 0.1 }),
      scale: field(num(0, 1), "scale gain", { default: 0.5 }),
      fliplr: field(num(0, 1), "horizontal flip probability", { default: 0.5 }),
      flipud: field(num(0, 1), "vertical flip probability", { default: 0 }),
      mosaic: field(num(0, 1), "mosaic probability", { default: 1 }),
      close_mosaic: field(int(0), "turn mosaic off for the last N epochs", { default: 10 }),
    }),
    "augmentation (Ultralytics names)",
  ),
  eval: field(EVAL_DURING_TRAINING, "periodic validation (every N epochs)"),
  log_every: field(int(1), "log every N steps", { default: 10 }),
  seed: field(int(0), "seed for this stage (default: the pipeline seed)"),
};

const TRAINING: SourceSpec[] = [
  {
    stageKind: "train",
    name: "sft",
    doc: "supervised fine-tuning (loss on answer tokens only)",
    args: [
      {
        name: "model",
        spec: ref("adapter", "model", "trained-model"),
        doc: "adapter (or model, for full fine-tuning)",
        required: true,
      },
      { name: "data", spec: ref("data"), doc: "training records", required: true },
    ],
    body: { fields: TRAINING_FIELDS, exclusive: [] },
    produces: "trained-model",
  },
  {
    stageKind: "train",
    name: "pretrain",
    doc: "pre-training from scratch on plain text (next-token prediction on every token)",
    args: [
      { name: "model", spec: ref("model"), doc: "model to train", required: true },
      { name: "data", spec: ref("text-data", "data"), doc: "text", required: true },
    ],
    body: { fields: TRAINING_FIELDS },
    produces: "trained-model",
  },
  {
    stageKind: "train",
    name: "detect_train",
    doc: "train a detector on YOLO data",
    args: [
      { name: "model", spec: ref("detector", "trained-detector"), doc: "detector", required: true },
      { name: "data", spec: ref("detection-data"), doc: "training split", required: true },
    ],
    body: { fields: DETECTION_TRAINING_FIELDS },
    produces: "trained-detector",
  },
];

const DISTILLATION: SourceSpec[] = [
  {
    stageKind: "distill",
    name: "distill",
    doc: "logit distillation: α·CE(hard) + (1−α)·T²·KL(teacher ‖ student), teacher frozen",
    args: [
      {
        name: "teacher",
        spec: ref("trained-model", "model"),
        doc: "frozen teacher",
        required: true,
      },
      {
        name: "student",
        spec: ref("model", "adapter", "trained-model"),
        doc: "student to train",
        required: true,
      },
      { name: "data", spec: ref("data", "text-data"), doc: "training data", required: true },
    ],
    body: {
      fields: {
        ...TRAINING_FIELDS,
        temperature: field(positive, "T: softens both distributions", { default: 2 }),
        alpha: field(num(0, 1), "weight of the hard-label loss", { default: 0.5 }),
        log: field(listOf(oneOf("total_loss", "hard_loss", "soft_loss")), "losses to log", {
          default: ["total_loss", "hard_loss", "soft_loss"],
        }),
      },
    },
    produces: "trained-model",
  },
  {
    stageKind: "distill",
    name: "teacher_answers",
    doc: "simplified distillation: the teacher answers the prompts; the student is fine-tuned on them",
    args: [
      { name: "teacher", spec: ref("trained-model", "model"), doc: "teacher", required: true },
      { name: "prompts", spec: ref("data"), doc: "prompts (instructions)", required: true },
    ],
    body: {
      fields: {
        ...TRAINING_FIELDS,
        ...GENERATION_BLOCK.fields,
        student: field(ref("model", "adapter", "trained-model"), "student to fine-tune", {
          required: true,
        }),
      },
    },
    produces: "trained-model",
  },
];

const EVALUATION: SourceSpec[] = [
  {
    stageKind: "evaluate",
    name: "eval",
    doc: "compute metrics; `require` turns one into a gate that fails the run",
    args: [
      {
        name: "model",
        spec: anyOf(
          "a model or a list of models",
          ref("trained-model", "model", "adapter", "trained-detector"),
          listOf(ref("trained-model", "model", "adapter"), 1),
        ),
        doc: "what to evaluate",
        required: true,
      },
      {
        name: "data",
        spec: ref("data", "text-data", "detection-data"),
        doc: "evaluation data",
        required: true,
      },
    ],
    body: {
      requirements: "metric",
      fields: {
        metrics: field(listOf(oneOf(...METRIC_NAMES), 1), "metrics to compute", {
          default: ["loss"],
        }),
        bleu_tokenizer: field(oneOf("13a", "zh", "none"), "BLEU tokenisation (sacrebleu names)", {
          default: "zh",
        }),
        rouge_tokenizer: field(oneOf("cjk", "rouge_score"), "ROUGE tokenisation", {
          default: "cjk",
        }),
        generation: field(
          { kind: "block", block: GENERATION_BLOCK },
          "decoding for generated answers",
        ),
        choices: field(oneOf("letters"), "multiple-choice format (A/B/C/D)"),
        scoring: field(oneOf("likelihood", "generation"), "how multiple choice is scored", {
          default: "likelihood",
        }),
        judge: field(ref("model", "trained-model"), "judge model for `judge`"),
        rubric: field(str, "judge instructions"),
        ap_method: field(oneOf("ultralytics", "coco"), "AP interpolation", {
          default: "ultralytics",
        }),
        iou: field(num(0, 1), "NMS IoU threshold for detection metrics", { default: 0.7 }),
        conf: field(num(0, 1), "confidence threshold for detection metrics", { default: 0.001 }),
        max_rows: field(int(1), "evaluate at most this many rows"),
      },
    },
    produces: "evaluation",
  },
];

const GENERATION: SourceSpec[] = [
  {
    stageKind: "generate",
    name: "generate",
    doc: "decode from a model",
    args: [
      {
        name: "model",
        spec: ref("trained-model", "model", "adapter"),
        doc: "model",
        required: true,
      },
    ],
    body: {
      fields: {
        ...GENERATION_BLOCK.fields,
        prompts: field(
          anyOf("a list of strings or a dataset", listOf(str, 1), ref("data")),
          "prompts",
          { required: true },
        ),
        output: field(path, "where to write generations (JSONL)", { default: "generations.jsonl" }),
      },
    },
    produces: "generations",
  },
];

const DETECTION: SourceSpec[] = [
  {
    stageKind: "detect",
    name: "detect",
    doc: "run a trained detector: confidence threshold, NMS, max detections",
    args: [
      { name: "model", spec: ref("trained-detector"), doc: "detector", required: true },
      {
        name: "images",
        spec: anyOf("a dataset split or an image folder", ref("detection-data"), path),
        doc: "images",
        required: true,
      },
    ],
    body: {
      fields: {
        conf: field(num(0, 1), "confidence threshold", { default: 0.25 }),
        iou: field(num(0, 1), "NMS IoU threshold (suppress when IoU > iou)", { default: 0.45 }),
        max_det: field(int(1), "detections per image at most", { default: 300 }),
        save: field(listOf(oneOf("json", "txt")), "prediction files to write", {
          default: ["json"],
        }),
      },
    },
    produces: "detections",
  },
];

const SEVERITY = oneOf("low", "medium", "high");

const INSPECTION: SourceSpec[] = [
  {
    stageKind: "inspect",
    name: "inspect",
    doc: "quality inspection: severity per class, verdict rules, recommendations, reports",
    args: [
      { name: "detections", spec: ref("detections"), doc: "detections to judge", required: true },
    ],
    body: {
      fields: {
        severity: field(
          { kind: "map", value: SEVERITY, keyKind: "class" },
          "severity of each class",
          { required: true },
        ),
        verdict: field(
          {
            kind: "block",
            block: {
              fields: {},
              rules: ["PASS", "WARNING", "FAIL"],
              doc: "first matching rule wins",
            },
          },
          "verdict rules (default: none → PASS, any high → FAIL, else WARNING)",
        ),
        recommend: field(
          { kind: "map", value: str, keyKind: "outcome" },
          "recommendation per verdict",
        ),
        vlm_analysis: field(
          anyOf(
            "`off` or `{ model, prompt }`",
            oneOf("off"),
            block({
              model: field(path, "vision-language model directory", { required: true }),
              prompt: field(str, "question for each flagged image", {
                default: "Describe the defect.",
              }),
            }),
          ),
          "optional vision-language analysis (skipped when no model is available)",
          { default: "off" },
        ),
        annotate: field(bool, "write annotated PNGs", { default: true }),
        report: field(path, "JSON report", { default: "inspection.json" }),
      },
    },
    produces: "inspection",
  },
];

export const SOURCES: readonly SourceSpec[] = [
  ...DATASETS,
  ...MODELS,
  ...ADAPTERS,
  ...TRAINING,
  ...DISTILLATION,
  ...EVALUATION,
  ...GENERATION,
  ...DETECTION,
  ...INSPECTION,
];

export function sourcesFor(stageKind: string): SourceSpec[] {
  return SOURCES.filter((s) => s.stageKind === stageKind);
}

export const EXPORT_BLOCK: BlockSpec = {
  doc: "export options",
  fields: {
    format: field(oneOf("peft", "safetensors", "hf", "jsonl", "yolo", "voc"), "what to write"),
    merged: field(bool, "merge the adapter into the base weights: W + (α/r)·B·A", {
      default: false,
    }),
    dtype: field(oneOf("f32", "f16", "bf16"), "weight precision on disk", { default: "f32" }),
  },
};

/** Which export formats make sense for which stage outputs. */
export const EXPORT_FORMATS: Record<string, readonly string[]> = {
  "trained-model": ["peft", "safetensors", "hf"],
  adapter: ["peft", "safetensors"],
  model: ["safetensors", "hf"],
  "trained-detector": ["safetensors"],
  data: ["jsonl"],
  "detection-data": ["yolo", "voc"],
};

export { EARLY_STOPPING, OPTIMIZERS };
