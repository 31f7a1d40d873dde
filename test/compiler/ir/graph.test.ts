/**
 * Graphviz and Mermaid output of every example, against baselines in ./baselines
 * (UPDATE_EXPECT=1 rewrites them; review the diff like code).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { irToDot } from "../../../compiler/ir/graph-dot.js";
import { irToMermaid } from "../../../compiler/ir/graph-mermaid.js";
import { expectMatchesFile } from "../../support/expect-file.js";
import { exampleFiles } from "../../support/examples.js";
import { compileText } from "./compile-text.js";

const BASELINES = join(import.meta.dirname, "baselines");

describe.each(exampleFiles())("$name", ({ name, text }) => {
  const file = `examples/${name}`;
  const stem = name.replace(/\.pipe$/, "");

  it("dot matches its baseline", async () => {
    const ir = await compileText(text, { file });
    expectMatchesFile(irToDot(ir), join(BASELINES, `${stem}.dot`));
  });

  it("mermaid matches its baseline", async () => {
    const ir = await compileText(text, { file });
    expectMatchesFile(irToMermaid(ir), join(BASELINES, `${stem}.mmd`));
  });

  it("names every node and edge once", async () => {
    const ir = await compileText(text, { file });
    const dot = irToDot(ir);
    const mermaid = irToMermaid(ir);
    expect(dot.match(/ -> /g) ?? []).toHaveLength(ir.edges.length);
    expect(mermaid.match(/ -->\|/g) ?? []).toHaveLength(ir.edges.length);
    for (const n of ir.nodes) expect(dot).toContain(`"${n.id}" [label=`);
  });
});

describe("graph escaping", () => {
  it("escapes quotes in Graphviz labels and markup in Mermaid labels", async () => {
    const ir = await compileText(
      `pipeline "q\\"x" { }
       dataset d = alpaca("generated/none.jsonl") { generate: arithmetic_zh { rows: 10, format: alpaca } }
       model base = llama("${join(import.meta.dirname, "../../fixtures/models/tiny-llama")}")
       evaluate e = eval(base, d) {
         metrics: [perplexity]
         require perplexity < 50
       }`,
    );
    const dot = irToDot(ir);
    expect(dot).toContain('digraph "q\\"x" {');
    expect(dot).toContain("gate: perplexity < 50");
    const mermaid = irToMermaid(ir);
    expect(mermaid).toContain("gate: perplexity #lt; 50");
    expect(mermaid).toContain("|model#91;0#93;|");
    expect(mermaid).not.toMatch(/perplexity < 50/);
  });
});
