/** Blocks shared by several stage kinds: optimisers, schedules, generation, evaluation. */
import {
  anyOf,
  block,
  bool,
  field,
  fraction,
  int,
  listOf,
  num,
  oneOf,
  positive,
  ref,
  str,
  variant,
  type BlockSpec,
} from "./spec.js";

export const OPTIMIZERS = variant({
  adamw: {
    doc: "AdamW with fp32 states and decoupled weight decay",
    fields: {
      lr: field(positive, "learning rate", { default: 2e-4 }),
      betas: field(listOf(num(0, 1, { maxExclusive: true }), 2), "β1, β2", {
        default: [0.9, 0.999],
      }),
      eps: field(positive, "ε", { default: 1e-8 }),
      weight_decay: field(num(0), "decoupled weight decay", { default: 0 }),
      lr0: field(positive, "initial learning rate (detection naming)"),
      lrf: field(num(0, 1), "final learning rate as a fraction of lr0 (detection)"),
      max_grad_norm: field(num(0), "gradient clipping norm (0 = off)", { default: 1 }),
    },
    exclusive: [["lr", "lr0"]],
  },
  adamw8bit: {
    doc: "AdamW with 8-bit block-quantised states (bitsandbytes-style)",
    fields: {
      lr: field(positive, "learning rate", { default: 2e-4 }),
      betas: field(listOf(num(0, 1, { maxExclusive: true }), 2), "β1, β2", {
        default: [0.9, 0.999],
      }),
      eps: field(positive, "ε", { default: 1e-8 }),
      weight_decay: field(num(0), "decoupled weight decay", { default: 0 }),
      max_grad_norm: field(num(0), "gradient clipping norm (0 = off)", { default: 1 }),
    },
  },
});

const scheduleFields = {
  warmup: field(int(0), "warmup steps"),
  warmup_ratio: field(fraction, "warmup as a fraction of total steps"),
  min_lr_ratio: field(fraction, "final learning rate as a fraction of the peak", { default: 0 }),
};

export const SCHEDULES = variant({
  linear: {
    doc: "linear warmup then linear decay",
    fields: scheduleFields,
    exclusive: [["warmup", "warmup_ratio"]],
  },
  cosine: {
    doc: "linear warmup then cosine decay",
    fields: scheduleFields,
    exclusive: [["warmup", "warmup_ratio"]],
  },
  constant: {
    doc: "linear warmup then constant",
    fields: scheduleFields,
    exclusive: [["warmup", "warmup_ratio"]],
  },
});

export const GENERATION_BLOCK: BlockSpec = {
  fields: {
    max_new_tokens: field(int(1), "tokens to generate at most", { default: 64 }),
    temperature: field(num(0), "0 = greedy", { default: 0 }),
    top_k: field(int(0), "sample from the k most likely tokens (0 = all)", { default: 0 }),
    top_p: field(num(0, 1, { minExclusive: true }), "nucleus sampling mass", { default: 1 }),
    stop: field(listOf(str), "stop strings", { default: [] }),
    seed: field(int(0), "sampling seed (default: the pipeline seed)"),
  },
};

export const EVAL_DURING_TRAINING = block({
  data: field(ref("data", "text-data", "detection-data"), "held-out data to evaluate on", {
    required: true,
  }),
  every: field(int(1), "evaluate every N steps (epochs for detection)", { default: 100 }),
});

export const EARLY_STOPPING = block({
  metric: field({ kind: "identifier" }, "metric to watch", { default: "val_loss" }),
  patience: field(int(1), "evaluations without improvement before stopping", { default: 3 }),
  mode: field(oneOf("min", "max"), "whether lower or higher is better", { default: "min" }),
});

/** Settings every LLM training stage shares. */
export const TRAINING_FIELDS = {
  epochs: field(int(1), "passes over the data"),
  max_steps: field(int(1), "optimizer steps at most (ends training first when both are set)"),
  batch: field(int(1), "micro-batch size (sequences per forward pass)", { default: 8 }),
  grad_accum: field(int(1), "micro-batches per optimizer step", { default: 1 }),
  seq_len: field(int(8), "sequence length for packed text (default: the dataset's max_length)"),
  optimizer: field(OPTIMIZERS, "optimizer", { default: "adamw" }),
  schedule: field(SCHEDULES, "learning-rate schedule", { default: "linear" }),
  precision: field(oneOf("f32", "f16"), "f16 mixed precision where the adapter has shader-f16", {
    default: "f32",
  }),
  gradient_checkpointing: field(bool, "recompute activations in backward to save memory", {
    default: false,
  }),
  log_every: field(int(1), "log loss, tokens/s and ETA every N steps", { default: 10 }),
  checkpoint_every: field(int(1), "write a checkpoint every N steps (0 = only at the end)"),
  keep_checkpoints: field(int(1), "checkpoints to keep", { default: 2 }),
  eval: field(EVAL_DURING_TRAINING, "periodic evaluation"),
  early_stopping: field(EARLY_STOPPING, "stop when the evaluation metric stops improving"),
  seed: field(int(0), "seed for this stage (default: the pipeline seed)"),
};

export const METRIC_NAMES = [
  "bleu",
  "sentence_bleu",
  "rouge1",
  "rouge2",
  "rougeL",
  "rougeLsum",
  "exact_match",
  "perplexity",
  "accuracy",
  "gsm8k",
  "judge",
  "loss",
  "precision",
  "recall",
  "mAP50",
  "mAP50_95",
] as const;

/** What a tokenizer learns from: one dataset, or several (their texts together). */
const TOKENIZER_DATA = anyOf(
  "a dataset or a list of datasets",
  ref("data", "text-data"),
  listOf(ref("data", "text-data"), 1),
);

export const TOKENIZER_SPEC = anyOf(
  "a tokenizer: `bpe { vocab_size, train_on }`, `char { train_on }` or a model whose tokenizer to share",
  variant({
    bpe: {
      doc: "train a byte-level BPE tokenizer",
      fields: {
        vocab_size: field(int(260), "vocabulary size including the 256 byte tokens and specials", {
          default: 1024,
        }),
        train_on: field(TOKENIZER_DATA, "text to learn merges from (a dataset or a list)", {
          required: true,
        }),
      },
    },
    char: {
      doc: "a character-level tokenizer (tiny Chinese models)",
      fields: {
        train_on: field(TOKENIZER_DATA, "text to collect characters from (a dataset or a list)", {
          required: true,
        }),
        byte_fallback: field(
          bool,
          "256 byte tokens for characters outside the vocabulary; false: they become <unk>",
          { default: true },
        ),
      },
    },
  }),
  ref("model", "trained-model"),
);
