/**
 * `pipe estimate`: the memory table of every train/distill stage, and with a budget, what fits
 * (the largest micro-batch at the declared sequence length, the longest sequence at the
 * declared batch, and the longest sequence for batch 1, 2, 4, …). Built from what `checkSource`
 * found (`result.world`); rendered as text or JSON.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkDeviceLimits, type LimitViolation } from "../memory/fit.js";
import type { MemoryEstimate } from "../memory/estimate.js";
import type { WorldFacts } from "../world-checks/index.js";
import { fitStage, type StageFit } from "./fit-stage.js";
import type { EstimateRow, StageMemory, StagePhase } from "./stage-memory.js";

export interface StageReport {
  name: string;
  kind: string;
  source: string;
  description: string[];
  parameters?: { total: number; trainable: number };
  rows: EstimateRow[];
  totalBytes: number;
  otherPhases: StagePhase[];
  batch?: number;
  seqLen?: number;
  maxPositionEmbeddings?: number;
  fit?: StageFit;
  limitViolations: LimitViolation[];
  unavailable?: string;
}

export interface EstimateReport {
  file: string;
  pipeline: string;
  budget?: { bytes: number; from: "option" | "memory_budget" };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; source: string };
  stages: StageReport[];
  /** The largest stage (stages run one after another). */
  peak?: { stage: string; bytes: number };
}

export function buildEstimateReport(
  file: string,
  pipelineName: string,
  world: WorldFacts,
  budgetOption?: number,
  memoryBudget?: number,
): EstimateReport {
  const budget =
    budgetOption !== undefined
      ? { bytes: budgetOption, from: "option" as const }
      : memoryBudget !== undefined
        ? { bytes: memoryBudget, from: "memory_budget" as const }
        : undefined;
  const stages = world.memory.map((m): StageReport => {
    const base = {
      name: m.stage.name,
      kind: m.stage.kind,
      source: m.stage.source,
      description: m.description,
      rows: m.rows,
      totalBytes: m.totalBytes,
      otherPhases: m.otherPhases,
    };
    if (m.unavailable) return { ...base, limitViolations: [], unavailable: m.unavailable.reason };
    return {
      ...base,
      ...(m.parameters ? { parameters: m.parameters } : {}),
      ...(m.training
        ? {
            batch: m.training.batch,
            seqLen: m.training.seqLen,
            maxPositionEmbeddings: m.training.arch.maxPositionEmbeddings,
          }
        : m.detector
          ? { batch: m.detector.batch }
          : {}),
      ...(budget ? { fit: fitStage(m, budget.bytes) } : {}),
      limitViolations: checkDeviceLimits(
        { buffers: m.buffers } as MemoryEstimate,
        world.limits.limits,
      ).violations,
    };
  });
  const estimated = stages.filter((s) => !s.unavailable);
  const top = estimated.reduce<StageReport | undefined>(
    (best, s) => (!best || s.totalBytes > best.totalBytes ? s : best),
    undefined,
  );
  return {
    file,
    pipeline: pipelineName,
    ...(budget ? { budget } : {}),
    limits: { ...world.limits.limits, source: world.limits.source },
    stages,
    ...(top ? { peak: { stage: top.name, bytes: top.totalBytes } } : {}),
  };
}

/** The JSON form (`--format json`), with the file's diagnostics. */
export function estimateToJson(
  report: Pick<EstimateReport, "file" | "pipeline" | "stages"> & Partial<EstimateReport>,
  diagnostics: readonly unknown[],
): unknown {
  return { ...report, diagnostics };
}

export type { Diagnostic, StageFit };
