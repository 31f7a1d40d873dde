/** What the checkers share while analysing one file: diagnostics out, lookups in. */
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import type { OutputType } from "../settings/spec.js";

export interface ResolvedReference {
  stage: string;
  output?: string;
  type: OutputType;
}

export interface CheckContext {
  file: string;
  report(diagnostic: Diagnostic): void;
  /** Resolves `sft.train` to its stage and type; reports and returns undefined when unknown. */
  resolve(parts: string[], span: Span): ResolvedReference | undefined;
  /** Record fields of the dataset whose block is being checked (for `require` and `dedupe`). */
  recordFields?: readonly string[];
  /** Metrics the current evaluate stage computes (for gates). */
  metrics?: readonly string[];
}

export function error(code: string, span: Span, message: string, hint?: string): Diagnostic {
  return { code, severity: "error", span, message, ...(hint ? { hint } : {}) };
}
