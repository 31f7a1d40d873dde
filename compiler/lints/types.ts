/**
 * The shape of a lint. A lint is a small module (compiler/lints/<name>.ts) that reads the
 * analysed pipeline (and the AST when it needs exact spans) and reports findings. It never
 * decides its own severity: the registry gives the default and the user's configuration
 * (file `lint {}` block, `--lint` on the command line) overrides it — see ./config.ts.
 */
import type { PipeFile } from "../../grammar/ast.js";
import type { RelatedInformation, Span } from "../diagnostics/diagnostic.js";
import type { AnalyzedPipeline } from "../semantic/analyze.js";

/** What a lint reports; code, severity and lint name are added by the runner. */
export interface LintFinding {
  span: Span;
  message: string;
  hint?: string;
  related?: RelatedInformation[];
}

export interface LintContext {
  pipeline: AnalyzedPipeline;
  ast: PipeFile;
  report(finding: LintFinding): void;
}

export interface LintRule {
  /** The registry code, PW5xxx. */
  code: string;
  /** The kebab-case name users configure; equal to the registry entry's name. */
  name: string;
  check(ctx: LintContext): void;
}
