/**
 * `pipe run <file> [--dry-run] [--resume] [--output dir] [--format human|json]`: compile (the
 * diagnostics printed as `pipe check` prints them), run through the executor with progress,
 * print a summary. Exit 0 on success, 1 on errors, a failed stage or a failed `require` gate,
 * 130 when interrupted (Ctrl-C stops after the current step; finished stages stay cached).
 */
import { dirname, resolve } from "node:path";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { compileSource } from "../../compiler/ir/compile.js";
import type { PipelineIr } from "../../compiler/ir/schema.js";
import { adapterLimits, type AdapterLimits } from "../adapter-limits.js";
import type { NodeSummary, RunSummary } from "../../runtime/executor/types.js";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { printDiagnostics, printSummary } from "../print-diagnostics.js";
import { formatSeconds } from "../progress/format.js";
import { RunReporter, shortPath } from "../progress/run-reporter.js";
import { readSourceFiles } from "../source-files.js";
import { PIPE_VERSION } from "../version.js";

export const EXIT_INTERRUPTED = 130;

export interface RunArgs {
  file: string;
  dryRun?: boolean;
  resume?: boolean;
  output?: string;
  format?: "human" | "json";
  /** Stops the run (tests; the command itself wires SIGINT). */
  signal?: AbortSignal;
}

/** Compiles with relative paths taken from the file's folder, as the runtime reads them. */
/**
 * The limits of the adapter a pipeline with training stages will use (the run shares it), or
 * undefined when nothing trains, the pipeline or PIPE_BACKEND asks for the CPU, or no adapter
 * exists.
 */
async function limitsForTraining(ir: PipelineIr): Promise<AdapterLimits | undefined> {
  const trains = ir.nodes.some((n) => TRAINING_OPS.has(n.op));
  if (!trains || ir.pipeline.settings.device === "cpu" || process.env.PIPE_BACKEND === "cpu")
    return undefined;
  return adapterLimits();
}

const TRAINING_OPS = new Set(["train", "distill", "detect-train"]);

async function compileForRun(
  io: CliIo,
  file: string,
  format: "human" | "json",
  dryRun: boolean,
): Promise<{ ir: PipelineIr; path: string } | { code: number }> {
  const { files, failures } = await readSourceFiles(io.cwd, [file]);
  for (const f of failures) io.stderr(`error: cannot read ${f.path}: ${f.reason}\n`);
  if (failures.length > 0) return { code: EXIT_USAGE };
  if (files.length !== 1) {
    io.stderr(`error: ${file} is not one .pipe file\n`);
    return { code: EXIT_USAGE };
  }
  const [src] = files;
  const options = {
    cwd: dirname(resolve(io.cwd, src.path)),
    compiler: `pipewright ${PIPE_VERSION}`,
    // The runtime validates the IR against the schema (runPipeline); once is enough.
    validate: false,
  };
  let result = await compileSource(src.text, src.path, options);
  const limits = result.ir && !dryRun ? await limitsForTraining(result.ir) : undefined;
  // Training will run on this adapter: check every buffer against its real limits (PW4002
  // errors) rather than WebGPU's defaults (PW4003 warnings), before anything runs.
  if (limits) result = await compileSource(src.text, src.path, { ...options, ...limits });
  const sources = new Map([[src.path, src.text]]);
  const failed = hasErrors(result.diagnostics) || !result.ir;
  const shown = failed
    ? result.diagnostics
    : result.diagnostics.filter((d) => d.severity === "error" || d.severity === "warning");
  if (shown.length > 0)
    printDiagnostics(io, shown, sources, format === "json" && failed ? "json" : "human");
  if (failed) {
    if (format === "human") printSummary(io, result.diagnostics, 1);
    io.stderr(`${src.path}: not run; fix the errors above\n`);
    return { code: EXIT_DIAGNOSTICS };
  }
  return { ir: result.ir!, path: src.path };
}

const STATUS: Record<NodeSummary["status"], string> = {
  ran: "ran",
  cached: "cached",
  "would-run": "would run",
  "not-needed": "not needed",
  failed: "FAILED",
  pending: "not run",
};

function printRunSummary(io: CliIo, s: RunSummary): void {
  const w = Math.max(4, ...s.nodes.map((n) => n.id.length));
  io.stdout(`\n${s.dryRun ? "Plan" : "Summary"} of \`${s.pipeline}\`\n`);
  for (const n of s.nodes) {
    const time = n.status === "ran" ? formatSeconds(n.seconds) : "";
    io.stdout(`  ${n.id.padEnd(w)}  ${STATUS[n.status].padEnd(10)}  ${time.padStart(8)}\n`);
    if (s.dryRun || n.status === "cached")
      for (const note of n.notes) io.stdout(`  ${" ".repeat(w)}  ${note}\n`);
  }
  const count = (st: NodeSummary["status"]) => s.nodes.filter((n) => n.status === st).length;
  const parts = s.dryRun
    ? [`${count("would-run")} would run`, `${count("cached")} cached`]
    : [`${count("ran")} ran`, `${count("cached")} cached`];
  if (count("not-needed")) parts.push(`${count("not-needed")} not needed`);
  if (s.warnings) parts.push(`${s.warnings} warning${s.warnings === 1 ? "" : "s"}`);
  io.stdout(
    `${parts.join(", ")}${s.dryRun ? "" : ` in ${formatSeconds(s.seconds)}`}; output: ${shortPath(io.cwd, s.output)}\n`,
  );
}

function printError(io: CliIo, s: RunSummary): void {
  const e = s.error!.error;
  const where = e.where();
  io.stderr(
    `error[${e.code}]: ${e.message}\n${where ? `  --> ${where}\n` : ""}` +
      `${s.error!.node ? `  = in node \`${s.error!.node}\`\n` : ""}${e.hint ? `  = hint: ${e.hint}\n` : ""}`,
  );
}

function summaryJson(s: RunSummary, reporter: RunReporter): string {
  const e = s.error;
  return (
    JSON.stringify(
      {
        pipeline: s.pipeline,
        output: s.output,
        dryRun: s.dryRun,
        status: s.status,
        seconds: s.seconds,
        nodes: s.nodes,
        warnings: reporter.warnings.map(({ type: _t, ...w }) => w),
        ...(e
          ? {
              error: {
                code: e.error.code,
                message: e.error.message,
                ...(e.error.where() ? { at: e.error.where() } : {}),
                ...(e.node ? { node: e.node } : {}),
                ...(e.error.hint ? { hint: e.error.hint } : {}),
              },
            }
          : {}),
      },
      null,
      2,
    ) + "\n"
  );
}

export async function runRun(io: CliIo, args: RunArgs): Promise<number> {
  const format = args.format ?? "human";
  const compiled = await compileForRun(io, args.file, format, args.dryRun === true);
  if ("code" in compiled) return compiled.code;
  const { runPipeline } = await import("../../runtime/executor/run-pipeline.js");
  const reporter = new RunReporter(io);
  const controller = new AbortController();
  const outer = args.signal;
  const onOuter = () => controller.abort();
  outer?.addEventListener("abort", onOuter);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    reporter.finish();
    io.stderr("\ninterrupted: stopping after the current step (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  let summary: RunSummary;
  try {
    summary = await runPipeline(compiled.ir, {
      pipeFile: compiled.path,
      cwd: io.cwd,
      ...(args.output !== undefined ? { output: args.output } : {}),
      dryRun: args.dryRun === true,
      resume: args.resume === true,
      signal: controller.signal,
      onEvent: (e) => reporter.handle(e, format === "json"),
    });
  } finally {
    process.off("SIGINT", onSigint);
    outer?.removeEventListener("abort", onOuter);
    reporter.finish();
  }
  if (format === "json") io.stdout(summaryJson(summary, reporter));
  else {
    printRunSummary(io, summary);
    if (summary.error) printError(io, summary);
  }
  if (summary.status === "interrupted") return EXIT_INTERRUPTED;
  return summary.status === "ok" ? EXIT_OK : EXIT_DIAGNOSTICS;
}
