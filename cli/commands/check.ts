import { hasErrors, type Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { checkSource } from "../../compiler/check.js";
import { parseLintOptions } from "../../compiler/lints/config.js";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { printDiagnostics, printSummary, type DiagnosticFormat } from "../print-diagnostics.js";
import { readSourceFiles } from "../source-files.js";
import { fileFolder } from "../source-files.js";
import { limitsOrNotice } from "../adapter-limits.js";

export interface CheckArgs {
  files: string[];
  format: DiagnosticFormat;
  /** `name=severity` overrides for lints (each value may hold several, comma-separated). */
  lint?: string[];
  /** Check buffer sizes against this machine's adapter (loads Dawn). */
  device?: boolean;
}

/** `pipe check <files…>`: every diagnostic of every file, then a summary line. */
export async function runCheck(io: CliIo, args: CheckArgs): Promise<number> {
  // A bad `--lint` is a usage error, reported before any file is read.
  const { levels, problems } = parseLintOptions(args.lint ?? []);
  if (problems.length > 0) {
    for (const p of problems) {
      io.stderr(`pipe: --lint: ${p.message}${p.hint ? `\n  = hint: ${p.hint}` : ""}\n`);
    }
    io.stderr("Run `pipe check --help` for usage.\n");
    return EXIT_USAGE;
  }
  const limits = args.device ? await limitsOrNotice(io) : undefined;
  const { files, failures } = await readSourceFiles(io.cwd, args.files);
  for (const f of failures) io.stderr(`error: cannot read ${f.path}: ${f.reason}\n`);
  const all: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    sources.set(file.path, file.text);
    const result = await checkSource(file.text, file.path, {
      cwd: fileFolder(io.cwd, file.path),
      lintOverrides: levels,
      ...limits,
    });
    all.push(...result.diagnostics);
  }
  printDiagnostics(io, all, sources, args.format);
  if (args.format === "human") printSummary(io, all, files.length);
  if (failures.length > 0) return EXIT_USAGE;
  return hasErrors(all) ? EXIT_DIAGNOSTICS : EXIT_OK;
}
