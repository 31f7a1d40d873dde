/**
 * The lints: one module per lint, registered here in code order. `runLints` runs them all
 * over an analysed pipeline and returns diagnostics at the registry's default severity;
 * `applyLintLevels` (./config.ts) then applies the user's configuration.
 */
import type { PipeFile } from "../../grammar/ast.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticEntry } from "../diagnostics/registry.js";
import type { AnalyzedPipeline } from "../semantic/analyze.js";
import type { LintFinding, LintRule } from "./types.js";
import { loraAlphaScale } from "./lora-alpha-scale.js";
import { unusedStage } from "./unused-stage.js";
import { splitLeakage } from "./split-leakage.js";
import { evalOnTrain } from "./eval-on-train.js";
import { datasetTooSmall } from "./dataset-too-small.js";
import { qloraMergePrecision } from "./qlora-merge-precision.js";
import { noSeed } from "./no-seed.js";
import { epochsAndMaxSteps } from "./epochs-and-max-steps.js";
import { highLearningRate } from "./high-learning-rate.js";
import { warmupExceedsSteps } from "./warmup-exceeds-steps.js";
import { batchExceedsData } from "./batch-exceeds-data.js";
import { earlyStoppingWithoutEval } from "./early-stopping-without-eval.js";
import { noEvaluation } from "./no-evaluation.js";
import { distillTeacherUnused } from "./distill-teacher-unused.js";

export type { LintContext, LintFinding, LintRule } from "./types.js";
export {
  applyLintLevels,
  fileLintLevels,
  lintEntries,
  LINT_LEVELS,
  parseLintOptions,
  type LintLevel,
  type LintLevels,
} from "./config.js";

export const LINT_RULES: readonly LintRule[] = [
  loraAlphaScale,
  unusedStage,
  splitLeakage,
  evalOnTrain,
  datasetTooSmall,
  qloraMergePrecision,
  noSeed,
  epochsAndMaxSteps,
  highLearningRate,
  warmupExceedsSteps,
  batchExceedsData,
  earlyStoppingWithoutEval,
  noEvaluation,
  distillTeacherUnused,
];

/** Every lint's findings as diagnostics at their default severity, `lint` set to the name. */
export function runLints(pipeline: AnalyzedPipeline, ast: PipeFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rule of LINT_RULES) {
    const entry = diagnosticEntry(rule.code);
    const report = (f: LintFinding) =>
      out.push({
        code: rule.code,
        severity: entry.severity,
        span: f.span,
        message: f.message,
        ...(f.hint ? { hint: f.hint } : {}),
        ...(f.related?.length ? { related: f.related } : {}),
        lint: rule.name,
      });
    rule.check({ pipeline, ast, report });
  }
  return out;
}
