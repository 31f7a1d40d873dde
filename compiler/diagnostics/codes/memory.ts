import type { DiagnosticEntry } from "./entry.js";

/**
 * PW4xxx — memory and device limits, from the static estimate (docs/memory.md). Reported by the
 * real-world checks (compiler/world-checks/memory.ts) for every train and distill stage.
 */
export const MEMORY_CODES = [
  {
    code: "PW4001",
    name: "memory-over-budget",
    severity: "error",
    summary: "A stage's static memory estimate exceeds the pipeline's `memory_budget`.",
  },
  {
    code: "PW4002",
    name: "buffer-over-device-limit",
    severity: "error",
    summary:
      "A single buffer exceeds the adapter's maxBufferSize or maxStorageBufferBindingSize (limits of a real adapter).",
  },
  {
    code: "PW4003",
    name: "buffer-over-default-limit",
    severity: "warning",
    summary:
      "A single buffer exceeds WebGPU's default maxBufferSize or maxStorageBufferBindingSize; it needs an adapter that offers more.",
  },
  {
    code: "PW4004",
    name: "memory-estimate-unavailable",
    severity: "info",
    summary:
      "A stage's memory cannot be estimated statically (e.g. a vocabulary that only exists once its tokenizer is trained).",
  },
] as const satisfies readonly DiagnosticEntry[];

/** The codes above, by name. */
export const MEMORY = {
  overBudget: "PW4001",
  overDeviceLimit: "PW4002",
  overDefaultLimit: "PW4003",
  estimateUnavailable: "PW4004",
} as const;
