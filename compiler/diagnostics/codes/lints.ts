import type { DiagnosticEntry } from "./entry.js";

/**
 * PW5xxx — lints: advice about pipelines that are valid but probably not what the author
 * wants. Each has a kebab-case name users configure (`pipe check --lint name=off`, or the
 * pipeline's `lint { name: error }` block) and a module in compiler/lints/. docs/lints.md
 * explains each one, with its reasons and an example.
 */
export const LINT_CODES = [
  {
    code: "PW5001",
    name: "lora-alpha-scale",
    severity: "warning",
    summary: "A LoRA adapter's scale α/r lies outside common practice (0.5–4).",
    lint: true,
  },
  {
    code: "PW5002",
    name: "unused-stage",
    severity: "warning",
    summary: "A stage nothing refers to and that writes no output.",
    lint: true,
  },
  {
    code: "PW5003",
    name: "split-leakage",
    severity: "warning",
    summary:
      "The same prompt can reach both training and held-out data (split key without the prompt, or datasets de-duplicated separately).",
    lint: true,
  },
  {
    code: "PW5004",
    name: "eval-on-train",
    severity: "warning",
    summary: "A model is evaluated on data it was trained on.",
    lint: true,
  },
  {
    code: "PW5005",
    name: "dataset-too-small",
    severity: "warning",
    summary: "Declared training rows are below the seed's quantity guidance for fine-tuning data.",
    lint: true,
  },
  {
    code: "PW5006",
    name: "qlora-merge-precision",
    severity: "warning",
    summary: "A QLoRA adapter is merged into weights too coarse to keep its update (bf16).",
    lint: true,
  },
  {
    code: "PW5007",
    name: "no-seed",
    severity: "warning",
    summary: "The pipeline has no `seed`, so runs are not reproducible.",
    lint: true,
  },
  {
    code: "PW5008",
    name: "epochs-and-max-steps",
    severity: "info",
    summary: "Both `epochs` and `max_steps` are set; training stops at whichever comes first.",
    lint: true,
  },
  {
    code: "PW5009",
    name: "high-learning-rate",
    severity: "warning",
    summary:
      "A learning rate far above practice for the method (LoRA > 1e-2, full fine-tuning of a pre-trained model > 1e-3).",
    lint: true,
  },
  {
    code: "PW5010",
    name: "warmup-exceeds-steps",
    severity: "warning",
    summary: "Learning-rate warmup is not shorter than the whole training run.",
    lint: true,
  },
  {
    code: "PW5011",
    name: "batch-exceeds-data",
    severity: "warning",
    summary:
      "One optimizer step (batch × grad_accum) needs more examples than the declared training data holds.",
    lint: true,
  },
  {
    code: "PW5012",
    name: "early-stopping-without-eval",
    severity: "warning",
    summary: "`early_stopping` watches a validation metric but the stage has no `eval` block.",
    lint: true,
  },
  {
    code: "PW5013",
    name: "no-evaluation",
    severity: "info",
    summary: "A trained model leaves the pipeline (export, generate) without being evaluated.",
    lint: true,
  },
  {
    code: "PW5014",
    name: "distill-teacher-unused",
    severity: "warning",
    summary: "Logit distillation with `alpha: 1` gives the teacher's soft targets no weight.",
    lint: true,
  },
] as const satisfies readonly DiagnosticEntry[];
