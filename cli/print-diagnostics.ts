import type { Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { diagnosticToJson, renderDiagnostic, summaryLine } from "../compiler/diagnostics/render.js";
import type { CliIo } from "./io.js";

export type DiagnosticFormat = "human" | "json";

/** Prints diagnostics: human (rustc-style, to stderr) or JSON (to stdout, for tools). */
export function printDiagnostics(
  io: CliIo,
  diagnostics: Diagnostic[],
  sources: Map<string, string>,
  format: DiagnosticFormat,
): void {
  const lookup = (file: string) => sources.get(file);
  if (format === "json") {
    io.stdout(
      JSON.stringify(
        { diagnostics: diagnostics.map((d) => diagnosticToJson(d, lookup)) },
        null,
        2,
      ) + "\n",
    );
    return;
  }
  for (const d of diagnostics) io.stderr(renderDiagnostic(d, lookup, { color: io.color }) + "\n\n");
}

export function printSummary(io: CliIo, diagnostics: Diagnostic[], fileCount: number): void {
  io.stderr(`${summaryLine(diagnostics)} in ${fileCount} file${fileCount === 1 ? "" : "s"}\n`);
}
