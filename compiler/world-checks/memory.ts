/**
 * The memory checks: every train/distill stage's static estimate against the pipeline's
 * `memory_budget` (PW4001, naming the stage, its largest components and what would fit), and
 * its largest single buffers against the device limits (PW4002 with a real adapter's limits,
 * PW4003 with WebGPU's defaults, which real adapters usually exceed: the runtime asks for the
 * adapter's own limits). No GPU is needed: without an adapter the defaults are used.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { MEMORY } from "../diagnostics/codes/memory.js";
import { formatBytes } from "../memory/estimate.js";
import type { MemoryEstimate } from "../memory/estimate.js";
import { checkDeviceLimits, WEBGPU_DEFAULT_LIMITS, type DeviceLimits } from "../memory/fit.js";
import { fitStage } from "../estimate/fit-stage.js";
import type { StageMemory } from "../estimate/stage-memory.js";
import { findEntry } from "./ast-spans.js";
import { diagnostic, type WorldContext } from "./context.js";
import { groupThousands } from "../text/format-number.js";

export interface LimitsInEffect {
  limits: DeviceLimits;
  /** "WebGPU's default" or "the adapter's (name)": whose limits these are. */
  source: string;
  fromAdapter: boolean;
}

export function limitsInEffect(limits?: DeviceLimits, adapterName?: string): LimitsInEffect {
  return limits
    ? {
        limits,
        source: adapterName ? `the adapter's (${adapterName})` : "the adapter's",
        fromAdapter: true,
      }
    : { limits: WEBGPU_DEFAULT_LIMITS, source: "WebGPU's default", fromAdapter: false };
}

/** "8 GB" as written when it is a decimal size, with the binary size beside it. */
export function describeBudget(bytes: number): string {
  const gb = bytes / 1e9;
  const dec = Number.isInteger(gb) ? `${gb} GB` : `${groupThousands(bytes)} B`;
  return `${dec} (${formatBytes(bytes)})`;
}

/** What would fit, as advice: a smaller batch or sequence, or what cannot shrink. */
export function fitAdvice(m: StageMemory, budget: number): string {
  const input = m.training;
  const tips: string[] = [];
  if (input) {
    const fit = fitStage(m, budget, Math.max(64, input.batch));
    if (fit.fixedBytes !== undefined && fit.fixedBytes > budget) {
      tips.push(
        `weights, gradients and optimizer states alone need ${formatBytes(fit.fixedBytes)}`,
      );
      if (input.baseWeights !== "nf4" && input.method.kind !== "full")
        tips.push("try `quantize_base: nf4`");
      if (input.method.kind === "full")
        tips.push("train an adapter (LoRA/QLoRA) instead of the whole model");
    } else {
      if (fit.maxBatchAtSeqLen)
        tips.push(`batch ≤ ${fit.maxBatchAtSeqLen} fits at sequence ${input.seqLen}`);
      if (fit.maxSeqLenAtBatch)
        tips.push(`sequence ≤ ${fit.maxSeqLenAtBatch} fits at batch ${input.batch}`);
      if (!input.gradientCheckpointing)
        tips.push("`gradient_checkpointing: true` keeps only layer inputs");
    }
  } else if (m.detector) {
    const fit = fitStage(m, budget);
    tips.push(fit.maxBatch ? `batch ≤ ${fit.maxBatch} fits` : "not even batch 1 fits");
  }
  return tips.join("; ");
}

function budgetSpan(ctx: WorldContext): Span | undefined {
  const e = findEntry(ctx.pipeline.pipelineNode?.body, "memory_budget");
  return e?.kind === "Property" ? e.value.span : undefined;
}

function checkBudget(ctx: WorldContext, m: StageMemory, budget: number): void {
  if (m.totalBytes <= budget) return;
  const top = [...m.rows]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((r) => `${r.component} ${formatBytes(r.bytes)}`)
    .join(", ");
  const advice = fitAdvice(m, budget);
  const span = budgetSpan(ctx);
  ctx.report(
    diagnostic(
      MEMORY.overBudget,
      "error",
      m.stage.node.name.span,
      `\`${m.stage.name}\` needs an estimated ${formatBytes(m.totalBytes)}, over the memory_budget of ${describeBudget(budget)}`,
      `largest: ${top}${advice ? `; ${advice}` : ""} (\`pipe estimate\` shows the whole table)`,
      span ? [{ span, message: "the budget is set here" }] : [],
    ),
  );
}

function checkLimits(ctx: WorldContext, m: StageMemory, limits: LimitsInEffect): void {
  const { violations } = checkDeviceLimits({ buffers: m.buffers } as MemoryEstimate, limits.limits);
  if (violations.length === 0) return;
  const v = violations[0];
  const more =
    violations.length > 1
      ? `; ${violations.length - 1} more buffer${violations.length === 2 ? "" : "s"} too`
      : "";
  const what =
    v.limit === "maxBufferSize" ? "cannot be created" : "cannot be bound whole to a kernel";
  ctx.report(
    diagnostic(
      limits.fromAdapter ? MEMORY.overDeviceLimit : MEMORY.overDefaultLimit,
      limits.fromAdapter ? "error" : "warning",
      m.stage.node.name.span,
      `\`${m.stage.name}\`: ${v.buffer} is ${formatBytes(v.bytes)}, over ${limits.source} ${v.limit} of ${formatBytes(v.limitBytes)}: it ${what}${more}`,
      limits.fromAdapter
        ? "use a smaller batch or sequence, f16/bf16 weights, or `quantize_base: nf4`"
        : "the runtime asks the adapter for its own limits, usually far larger; otherwise use a smaller batch or sequence, f16/bf16 weights, or `quantize_base: nf4`",
    ),
  );
}

export function checkMemory(
  ctx: WorldContext,
  stages: readonly StageMemory[],
  limits: LimitsInEffect,
): void {
  const budget = ctx.pipeline.settings.memory_budget?.value;
  for (const m of stages) {
    if (m.unavailable) {
      if (m.unavailable.report) {
        ctx.report(
          diagnostic(
            MEMORY.estimateUnavailable,
            "info",
            m.stage.node.name.span,
            `no memory estimate for \`${m.stage.name}\`: ${m.unavailable.reason}`,
          ),
        );
      }
      continue;
    }
    if (typeof budget === "number") checkBudget(ctx, m, budget);
    checkLimits(ctx, m, limits);
  }
}
