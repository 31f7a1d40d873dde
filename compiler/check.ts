/**
 * `checkSource`: everything `pipe check` reports for one file. Syntax first; the semantic
 * phases run on the recovered AST so one pass reports every problem of the file.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { parse } from "../grammar/parse.js";
import type { PipeFile } from "../grammar/ast.js";
import { analyze, type AnalyzedPipeline } from "./semantic/analyze.js";

export interface CheckOptions {
  /** Directory that relative paths in the file resolve against (default: the file's dir). */
  cwd?: string;
}

export interface CheckResult {
  ast: PipeFile;
  diagnostics: Diagnostic[];
  pipeline: AnalyzedPipeline;
}

export async function checkSource(
  text: string,
  file: string,
  _options: CheckOptions = {},
): Promise<CheckResult> {
  const { ast, diagnostics } = parse(text, file);
  const report = (d: Diagnostic) => diagnostics.push(d);
  const pipeline = analyze(ast, file, report);
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.code.localeCompare(b.code));
  return { ast, diagnostics, pipeline };
}
