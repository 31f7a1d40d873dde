/**
 * `checkSource`: everything `pipe check` reports for one file. Syntax first; the semantic
 * phases run on the recovered AST so one pass reports every problem of the file.
 */
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { parse } from "../grammar/parse.js";
import type { PipeFile } from "../grammar/ast.js";

export interface CheckOptions {
  /** Directory that relative paths in the file resolve against (default: the file's dir). */
  cwd?: string;
}

export interface CheckResult {
  ast: PipeFile;
  diagnostics: Diagnostic[];
}

export async function checkSource(
  text: string,
  file: string,
  _options: CheckOptions = {},
): Promise<CheckResult> {
  const { ast, diagnostics } = parse(text, file);
  return { ast, diagnostics };
}
