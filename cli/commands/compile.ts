import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { compileSource, type CompileResult } from "../../compiler/ir/compile.js";
import { irToDot } from "../../compiler/ir/graph-dot.js";
import { irToMermaid } from "../../compiler/ir/graph-mermaid.js";
import type { PipelineIr } from "../../compiler/ir/schema.js";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { printDiagnostics, printSummary } from "../print-diagnostics.js";
import { ioReason, readSourceFiles } from "../source-files.js";
import { fileFolder } from "../source-files.js";
import { PIPE_VERSION } from "../version.js";

export type CompiledForCli =
  { ok: true; ir: PipelineIr; result: CompileResult } | { ok: false; code: number };

/**
 * Reads and compiles one file for a command. Diagnostics go to stderr as `pipe check` prints
 * them; with errors (or an unreadable file) there is no IR and the exit code says why.
 */
export async function compileForCli(
  io: CliIo,
  path: string,
  options: { validate?: boolean } = {},
): Promise<CompiledForCli> {
  const { files, failures } = await readSourceFiles(io.cwd, [path]);
  for (const f of failures) io.stderr(`error: cannot read ${f.path}: ${f.reason}\n`);
  if (failures.length > 0) return { ok: false, code: EXIT_USAGE };
  if (files.length !== 1) {
    io.stderr(`error: ${path} is not one .pipe file\n`);
    return { ok: false, code: EXIT_USAGE };
  }
  const [file] = files;
  const result = await compileSource(file.text, file.path, {
    cwd: fileFolder(io.cwd, file.path),
    compiler: `pipewright ${PIPE_VERSION}`,
    validate: options.validate,
  });
  const sources = new Map([[file.path, file.text]]);
  const failed = hasErrors(result.diagnostics) || !result.ir;
  // On success only warnings are worth a look here; `pipe check` shows notes too.
  const shown = failed
    ? result.diagnostics
    : result.diagnostics.filter((d) => d.severity === "error" || d.severity === "warning");
  if (shown.length > 0) printDiagnostics(io, shown, sources, "human");
  if (failed) {
    printSummary(io, result.diagnostics, 1);
    io.stderr(`${file.path}: not compiled; fix the errors above\n`);
    return { ok: false, code: EXIT_DIAGNOSTICS };
  }
  return { ok: true, ir: result.ir!, result };
}

export interface CompileArgs {
  file: string;
  emit: "ir" | "dot" | "mermaid";
  output?: string;
}

export function renderIr(ir: PipelineIr, emit: CompileArgs["emit"]): string {
  switch (emit) {
    case "ir":
      return JSON.stringify(ir, null, 2) + "\n";
    case "dot":
      return irToDot(ir);
    case "mermaid":
      return irToMermaid(ir);
  }
}

/** `pipe compile <file> [--emit ir|dot|mermaid] [-o file]`. */
export async function runCompile(io: CliIo, args: CompileArgs): Promise<number> {
  const compiled = await compileForCli(io, args.file);
  if (!compiled.ok) return compiled.code;
  const text = renderIr(compiled.ir, args.emit);
  if (args.output === undefined) {
    io.stdout(text);
    return EXIT_OK;
  }
  const target = resolve(io.cwd, args.output);
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  } catch (err) {
    io.stderr(`error: cannot write ${args.output}: ${ioReason(err)}\n`);
    return EXIT_USAGE;
  }
  const { nodes, metadata } = compiled.ir;
  io.stderr(
    `wrote ${args.output}: ${nodes.length} node${nodes.length === 1 ? "" : "s"}` +
      (metadata.eliminated.length ? `, ${metadata.eliminated.length} stage(s) not run` : "") +
      "\n",
  );
  return EXIT_OK;
}
