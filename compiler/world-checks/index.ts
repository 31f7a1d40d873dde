/**
 * The real-world phase of `pipe check`: what the analysed pipeline says, checked against the
 * files it names — model directories (config.json, safetensors headers, tokenizer), adapter
 * targets and ranks, teacher/student vocabularies, dataset rows, templates and lengths,
 * detection data and inspection classes — and the static memory estimate against the budget
 * and the device limits. Reads are bounded (headers, the first `sample_rows` rows; never
 * weight data) and run concurrently. Returns what it found for later phases (`pipe estimate`).
 */
import * as path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { AnalyzedPipeline } from "../semantic/analyze.js";
import type { DeviceLimits } from "../memory/fit.js";
import { estimateStages, type StageMemory } from "../estimate/stage-memory.js";
import { checkAdapters } from "./adapters.js";
import type { WorldContext } from "./context.js";
import { checkRecordDatasets, type DatasetFacts } from "./datasets.js";
import { checkDetection, type DetectionFacts } from "./detection.js";
import { checkDistillation } from "./distill.js";
import { checkMemory, limitsInEffect, type LimitsInEffect } from "./memory.js";
import { resolveModels, type ResolvedModel } from "./models.js";
import { checkTemplates } from "./templates.js";
import { checkTokenLengths } from "./token-lengths.js";

export interface WorldCheckOptions {
  /** Directory relative paths resolve against (default: the .pipe file's directory). */
  baseDir?: string;
  /** A real adapter's limits; without them WebGPU's default limits are used. */
  deviceLimits?: DeviceLimits;
  adapterName?: string;
}

export interface WorldFacts {
  baseDir: string;
  models: Map<string, ResolvedModel>;
  datasets: Map<string, DatasetFacts>;
  detection: Map<string, DetectionFacts>;
  memory: StageMemory[];
  limits: LimitsInEffect;
}

export type { ResolvedModel, DatasetFacts, DetectionFacts, StageMemory, LimitsInEffect };

export async function runWorldChecks(
  pipeline: AnalyzedPipeline,
  report: (d: Diagnostic) => void,
  options: WorldCheckOptions = {},
): Promise<WorldFacts> {
  const baseDir = path.resolve(options.baseDir ?? path.dirname(path.resolve(pipeline.file)));
  const ctx: WorldContext = { pipeline, baseDir, report };
  // Data files are read while the model directories are inspected.
  const datasetsP = checkRecordDatasets(ctx);
  const detectionP = checkDetection(ctx);
  const models = resolveModels(ctx);
  checkAdapters(ctx, models);
  checkDistillation(ctx, models);
  checkTemplates(ctx, models);
  const [datasets, detection] = await Promise.all([datasetsP, detectionP]);
  await checkTokenLengths(ctx, datasets, models);
  const memory = estimateStages(pipeline, models, (name) => detection.get(name)?.classes);
  const limits = limitsInEffect(options.deviceLimits, options.adapterName);
  checkMemory(ctx, memory, limits);
  return { baseDir, models, datasets, detection, memory, limits };
}
