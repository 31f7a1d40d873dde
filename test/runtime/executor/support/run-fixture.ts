/**
 * Test helpers: a temporary folder with a `.pipe` file (and data files), compiled the way
 * `pipe run` compiles it, and run through the executor with every event recorded.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasErrors } from "../../../../compiler/diagnostics/diagnostic.js";
import { compileSource } from "../../../../compiler/ir/compile.js";
import type { PipelineIr } from "../../../../compiler/ir/schema.js";
import { runPipeline } from "../../../../runtime/executor/run-pipeline.js";
import type { RunEvent, RunOptions, RunSummary } from "../../../../runtime/executor/types.js";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures");

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `pipe-${name}-`));
}

/** Copies fixture files into `dir`. */
export function copyFixtures(dir: string, ...names: string[]): void {
  for (const n of names) copyFileSync(join(FIXTURES, n), join(dir, n));
}

export async function compileIn(dir: string, file: string, text?: string): Promise<PipelineIr> {
  const path = join(dir, file);
  if (text !== undefined) writeFileSync(path, text);
  const { readFileSync } = await import("node:fs");
  // Validated by runPipeline, as `pipe run` does.
  const result = await compileSource(readFileSync(path, "utf8"), path, {
    cwd: dir,
    validate: false,
  });
  if (hasErrors(result.diagnostics) || !result.ir)
    throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return result.ir;
}

export async function runIn(
  dir: string,
  file: string,
  options: Partial<RunOptions> = {},
): Promise<{ summary: RunSummary; events: RunEvent[] }> {
  const ir = await compileIn(dir, file);
  const events: RunEvent[] = [];
  const summary = await runPipeline(ir, {
    pipeFile: join(dir, file),
    cwd: dir,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { summary, events };
}

export function statusOf(summary: RunSummary): Record<string, string> {
  return Object.fromEntries(summary.nodes.map((n) => [n.id, n.status]));
}
