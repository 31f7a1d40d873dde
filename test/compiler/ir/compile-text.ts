/** Test helper: compile `.pipe` text to IR, failing loudly (with the diagnostics) on errors. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { compileSource, type CompileResult } from "../../../compiler/ir/compile.js";
import type { IrNode, PipelineIr } from "../../../compiler/ir/schema.js";

export const REPO_ROOT = join(import.meta.dirname, "../../..");

export async function compileText(
  text: string,
  options: { file?: string; cwd?: string } = {},
): Promise<PipelineIr> {
  return (await compileTextWithResult(text, options)).ir;
}

export async function compileTextWithResult(
  text: string,
  options: { file?: string; cwd?: string } = {},
): Promise<{ ir: PipelineIr; result: CompileResult }> {
  const file = options.file ?? "test.pipe";
  // Relative paths resolve against the file's folder, as `pipe` does.
  const cwd = options.cwd ?? dirname(resolve(REPO_ROOT, file));
  const result = await compileSource(text, file, { cwd });
  if (!result.ir) {
    const errors = result.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.message}`);
    throw new Error(`expected the text to compile, got:\n${errors.join("\n")}`);
  }
  return { ir: result.ir, result };
}

export function node(ir: PipelineIr, id: string): IrNode {
  const n = ir.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id}; nodes: ${ir.nodes.map((x) => x.id).join(", ")}`);
  return n;
}

export function ids(ir: PipelineIr): string[] {
  return ir.nodes.map((n) => n.id);
}

/** `a <- b.output` for each input of a node: a compact view of its wiring. */
export function wiring(n: IrNode): string[] {
  return n.inputs.map((i) => `${i.port} <- ${i.node}${i.output ? `.${i.output}` : ""}`);
}

/** A fresh directory holding the given files (paths relative to it). */
export function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pipe-ir-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Alpaca rows that pass the compiler's data checks. */
export function alpacaRows(n: number, seed = 0): string {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      JSON.stringify({
        instruction: `计算 ${i + seed} 加 ${i * 2 + 1} 等于多少？`,
        input: "",
        output: `${i + seed} 加 ${i * 2 + 1} 等于 ${i + seed + i * 2 + 1}。`,
      }),
    );
  }
  return rows.join("\n") + "\n";
}

export const TINY_LLAMA = join(REPO_ROOT, "test/fixtures/models/tiny-llama");
