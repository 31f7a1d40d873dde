/** Execution order: topological and deterministic, whatever the order of the file. */
import { describe, expect, it } from "vitest";
import { orderTopologically } from "../../../compiler/passes/order.js";
import type { DraftGraph, DraftNode } from "../../../compiler/ir/draft.js";
import { TINY_LLAMA, alpacaRows, compileText, ids, tempProject } from "../ir/compile-text.js";

function draft(id: string, inputs: string[]): DraftNode {
  return {
    id,
    op: "train",
    stage: id,
    settings: {},
    inputs: inputs.map((node, i) => ({ port: `p${i}`, node })),
    outputs: [],
    reads: [],
    fusions: [],
  };
}

function graph(nodes: DraftNode[]): DraftGraph {
  return {
    name: "g",
    file: "g.pipe",
    pipelineSettings: {},
    stageOrder: [],
    stages: [],
    nodes,
    exports: [],
    eliminated: [],
    passes: [],
  };
}

describe("topological order", () => {
  it("puts producers first and breaks ties by creation order", () => {
    const g = orderTopologically(
      graph([draft("c", ["a", "b"]), draft("a", []), draft("d", ["c"]), draft("b", [])]),
    );
    expect(g.nodes.map((n) => n.id)).toEqual(["a", "b", "c", "d"]);
    expect(g.passes).toEqual(["order"]);
  });

  it("reports a cycle as an internal error (the checker rejects cycles first)", () => {
    expect(() => orderTopologically(graph([draft("a", ["b"]), draft("b", ["a"])]))).toThrow(
      /cycle through a, b/,
    );
  });

  it("does not depend on the order stages are written in", async () => {
    const stages = [
      `dataset d = alpaca("data.jsonl") { split { train: 90%, val: 10% } }`,
      `model base = llama("${TINY_LLAMA}")`,
      `adapter a = lora(base) { rank: 4, targets: [q_proj, v_proj] }`,
      `train run = sft(a, d.train) { max_steps: 5 }`,
      `evaluate ev = eval(run, d.val) { metrics: [perplexity] }`,
    ];
    const dir = tempProject({ "data.jsonl": alpacaRows(40) });
    const forward = await compileText(stages.join("\n"), { cwd: dir });
    const backward = await compileText([...stages].reverse().join("\n"), { cwd: dir });
    for (const ir of [forward, backward]) {
      const position = new Map(ir.nodes.map((n, i) => [n.id, i]));
      for (const e of ir.edges) expect(position.get(e.from)!).toBeLessThan(position.get(e.to)!);
    }
    expect(new Set(ids(backward))).toEqual(new Set(ids(forward)));
    // Same nodes, same content: the hashes do not depend on the order either.
    const hashes = (ir: typeof forward) => Object.fromEntries(ir.nodes.map((n) => [n.id, n.hash]));
    expect(hashes(backward)).toEqual(hashes(forward));
  });
});
