import { dirname } from "node:path";
/** Every shipped example compiles to IR that both sides of the contract accept. */
import { describe, expect, it } from "vitest";
import { compileSource } from "../../../compiler/ir/compile.js";
import { validateIr } from "../../../compiler/ir/validate.js";
import type { PipelineIr } from "../../../compiler/ir/schema.js";
import { loadIr } from "../../../runtime/ir/load-ir.js";
import { exampleFiles } from "../../support/examples.js";

async function compileExample(path: string, text: string): Promise<PipelineIr> {
  const result = await compileSource(text, path, { cwd: dirname(path) });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(result.ir).toBeDefined();
  return result.ir!;
}

describe.each(exampleFiles())("$name", ({ path, text }) => {
  it("compiles to IR that validates against the schema (compiler and runtime)", async () => {
    const ir = await compileExample(path, text);
    expect(validateIr(ir)).toMatchObject({ ok: true });
    // The runtime re-validates from compiler/ir/schema.json, after a JSON round trip.
    const loaded = loadIr(JSON.parse(JSON.stringify(ir)), path);
    expect(loaded.nodes.map((n) => n.id)).toEqual(ir.nodes.map((n) => n.id));
    expect(ir.metadata.passes).toEqual([
      "lower",
      "dead-stage-elimination",
      "fusion",
      "order",
      "cache",
    ]);
  });

  it("lists nodes in execution order, with edges equal to the inputs", async () => {
    const ir = await compileExample(path, text);
    const position = new Map(ir.nodes.map((n, i) => [n.id, i]));
    for (const [i, n] of ir.nodes.entries()) {
      for (const input of n.inputs) expect(position.get(input.node)).toBeLessThan(i);
    }
    const fromInputs = ir.nodes.flatMap((n) =>
      n.inputs.map((i) => `${i.node} -> ${n.id} (${i.port}${i.output ? `, ${i.output}` : ""})`),
    );
    const fromEdges = ir.edges.map(
      (e) => `${e.from} -> ${e.to} (${e.port}${e.output ? `, ${e.output}` : ""})`,
    );
    expect(fromEdges).toEqual(fromInputs);
    expect(new Set(ir.nodes.map((n) => n.id)).size).toBe(ir.nodes.length);
  });

  it("is deterministic: two compiles give the same bytes", async () => {
    const a = await compileExample(path, text);
    const b = await compileExample(path, text);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("keeps every stage (each example reaches its outputs)", async () => {
    const ir = await compileExample(path, text);
    expect(ir.metadata.eliminated).toEqual([]);
    const stages = new Set(ir.nodes.map((n) => n.stage));
    for (const s of ir.metadata.stages) expect(stages.has(s.name)).toBe(true);
  });
});
