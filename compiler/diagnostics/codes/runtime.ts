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
    name: "distill-vocab-mismatch",
    severity: "error",
    summary: "teacher and student do not share a vocabulary, which logit distillation needs",
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
] as const satisfies readonly DiagnosticEntry[];
