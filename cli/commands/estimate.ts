/**
 * `pipe estimate <file> [--budget 8GB] [--format table|json]`: checks the file like `pipe
 * check` (the estimate needs the real-world facts: config.json, adapters, data), then prints
 * the memory table of every train/distill stage and, with a budget, what fits. Exit 1 when the
 * file has errors (they are printed too), 2 on bad usage.
 */
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { diagnosticToJson, renderDiagnostic } from "../../compiler/diagnostics/render.js";
import { checkSource } from "../../compiler/check.js";
import { limitsOrNotice } from "../adapter-limits.js";
import { buildEstimateReport, estimateToJson } from "../../compiler/estimate/report.js";
import { renderEstimate } from "../../compiler/estimate/render-table.js";
import { unitInfo } from "../../compiler/settings/units.js";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { readSourceFiles } from "../source-files.js";
import { fileFolder } from "../source-files.js";

export interface EstimateArgs {
  file: string;
  budget?: string;
  format: "table" | "json";
  /** Check buffer sizes against this machine's adapter (loads Dawn). */
  device?: boolean;
}

/** "8GB", "24GiB", "512 MiB" → bytes; undefined when it is not a memory size. */
export function parseBudget(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = unitInfo(m[2]);
  if (!unit || unit.kind !== "memory") return undefined;
  const bytes = Number(m[1]) * unit.factor;
  return bytes > 0 ? Math.round(bytes) : undefined;
}

export async function runEstimate(io: CliIo, args: EstimateArgs): Promise<number> {
  const budget = args.budget === undefined ? undefined : parseBudget(args.budget);
  if (args.budget !== undefined && budget === undefined) {
    io.stderr(
      `pipe: --budget ${JSON.stringify(args.budget)} is not a memory size (e.g. 8GB, 512MiB, 24GiB)\n`,
    );
    return EXIT_USAGE;
  }
  const { files, failures } = await readSourceFiles(io.cwd, [args.file]);
  for (const f of failures) io.stderr(`error: cannot read ${f.path}: ${f.reason}\n`);
  if (failures.length > 0 || files.length !== 1) {
    if (files.length > 1) io.stderr("pipe: `pipe estimate` takes one .pipe file\n");
    return EXIT_USAGE;
  }
  const { path, text } = files[0];
  const limits = args.device ? await limitsOrNotice(io) : undefined;
  const result = await checkSource(text, path, { cwd: fileFolder(io.cwd, path), ...limits });
  const lookup = (f: string) => (f === path ? text : undefined);
  const shown = result.diagnostics.filter(
    (d) => d.severity === "error" || d.severity === "warning",
  );
  const memoryBudget = result.pipeline.settings.memory_budget?.value;
  const report = result.world
    ? buildEstimateReport(
        path,
        result.pipeline.name,
        result.world,
        budget,
        typeof memoryBudget === "number" ? memoryBudget : undefined,
      )
    : undefined;
  if (args.format === "json") {
    io.stdout(
      JSON.stringify(
        estimateToJson(
          report ?? { file: path, pipeline: result.pipeline.name, stages: [] },
          shown.map((d) => diagnosticToJson(d, lookup)),
        ),
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const d of shown) io.stderr(renderDiagnostic(d, lookup, { color: io.color }) + "\n\n");
    if (report) io.stdout(renderEstimate(report));
  }
  return hasErrors(result.diagnostics) ? EXIT_DIAGNOSTICS : EXIT_OK;
}
