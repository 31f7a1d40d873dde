/**
 * `checkSource`: everything `pipe check` reports for one file. Syntax first; the semantic
 * phases run on the recovered AST so one pass reports every problem of the file.
 */
import { hasErrors, type Diagnostic } from "./diagnostics/diagnostic.js";
import { parse } from "../grammar/parse.js";
import type { PipeFile } from "../grammar/ast.js";
import { analyze, type AnalyzedPipeline } from "./semantic/analyze.js";
import { applyLintLevels, fileLintLevels, runLints, type LintLevels } from "./lints/index.js";
import type { DeviceLimits } from "./memory/fit.js";
import { runWorldChecks, type WorldFacts } from "./world-checks/index.js";
import { compareText } from "./text/compare-text.js";

export interface CheckOptions {
  /** Directory that relative paths in the file resolve against (default: the file's dir). */
  cwd?: string;
  /** Run the lints (default true). Fixture tests of other areas turn them off. */
  lints?: boolean;
  /** Lint levels from the command line (`--lint name=level`); they win over the file's block. */
  lintOverrides?: LintLevels;
  /** Run the real-world checks: files, rows, memory (default true). Other areas' fixtures turn them off. */
  world?: boolean;
  /** A real adapter's limits for the buffer-size check (default: WebGPU's default limits). */
  deviceLimits?: DeviceLimits;
  adapterName?: string;
}

export interface CheckResult {
  ast: PipeFile;
  diagnostics: Diagnostic[];
  pipeline: AnalyzedPipeline;
  /** What the real-world checks found (models, sampled data, memory per stage). */
  world?: WorldFacts;
}

export async function checkSource(
  text: string,
  file: string,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const { ast, diagnostics } = parse(text, file);
  const syntaxErrors = hasErrors(diagnostics);
  const report = (d: Diagnostic) => diagnostics.push(d);
  const pipeline = analyze(ast, file, report);
  // Lints on a recovered AST would mostly repeat the syntax errors in other words.
  if (options.lints !== false && !syntaxErrors) diagnostics.push(...runLints(pipeline, ast));
  const world =
    options.world === false
      ? undefined
      : await runWorldChecks(pipeline, report, {
          ...(options.cwd !== undefined ? { baseDir: options.cwd } : {}),
          ...(options.deviceLimits ? { deviceLimits: options.deviceLimits } : {}),
          ...(options.adapterName ? { adapterName: options.adapterName } : {}),
        });
  // Last, so every lint (wherever it was reported) gets the file's and the CLI's levels.
  const configured = applyLintLevels(diagnostics, fileLintLevels(pipeline), options.lintOverrides);
  configured.sort((a, b) => a.span.start - b.span.start || compareText(a.code, b.code));
  return { ast, diagnostics: configured, pipeline, ...(world ? { world } : {}) };
}
