import type { DiagnosticEntry } from "./entry.js";

export const RUNTIME_CODES = [
  {
    code: "PW8001",
    name: "device-lost",
    severity: "error",
    summary: "the WebGPU device was lost during a run; checkpoints already written are intact",
  },
  {
    code: "PW8002",
    name: "webgpu-unavailable",
    severity: "error",
    summary: "no WebGPU adapter was found and WebGPU is required (PIPE_REQUIRE_WEBGPU=1)",
  },
  {
    code: "PW8003",
    name: "optimizer-state-mismatch",
    severity: "error",
    summary: "an optimizer checkpoint does not match the parameters it is loaded into",
  },
  {
    code: "PW8004",
    name: "checkpoint-foreign",
    severity: "error",
    summary:
      "a training checkpoint was written by another pipeline, stage or training setup and cannot be resumed here",
  },
  {
    code: "PW8005",
    name: "checkpoint-corrupt",
    severity: "error",
    summary:
      "a training checkpoint is incomplete or unreadable (missing file, bad JSON, wrong tensor sizes)",
  },
  {
    code: "PW8006",
    name: "distill-vocab-mismatch-runtime",
    severity: "error",
    summary:
      "at run time, teacher and student turn out not to share a vocabulary (size or token ids), which logit distillation needs (compile-time checks: PW3033, PW3034)",
  },
  {
    code: "PW8007",
    name: "eval-require-failed",
    severity: "error",
    summary: "an evaluation `require` gate is not met by the measured metrics",
  },
  {
    code: "PW8008",
    name: "eval-require-invalid",
    severity: "error",
    summary: "a `require` condition is malformed or names a metric that was not computed",
  },
  {
    code: "PW8009",
    name: "training-no-tokens",
    severity: "error",
    summary: "a training or evaluation set has no token to compute a loss on",
  },
  {
    code: "PW8010",
    name: "training-diverged",
    severity: "error",
    summary: "the training loss became NaN or infinite",
  },
  {
    code: "PW8011",
    name: "stage-not-implemented",
    severity: "error",
    summary: "the pipeline has a stage whose operation this build of the runtime cannot run yet",
  },
  {
    code: "PW8012",
    name: "output-path-outside",
    severity: "error",
    summary:
      "an output path lies outside the pipeline's `output` directory (set `allow_outside_output: true` to allow it)",
  },
  {
    code: "PW8013",
    name: "run-interrupted",
    severity: "error",
    summary:
      "the run was interrupted (Ctrl-C); finished stages are cached and the next run resumes",
  },
  {
    code: "PW8014",
    name: "cache-entry-unreadable",
    severity: "warning",
    summary: "a cached stage result is incomplete or unreadable; the stage runs again",
  },
  {
    code: "PW8050",
    name: "invalid-ir",
    severity: "error",
    summary:
      "An execution-graph IR file that fails the schema or the graph's own rules (the runtime checks, it does not trust).",
  },
] as const satisfies readonly DiagnosticEntry[];
