/**
 * The IR as a Mermaid flowchart (`pipe graph`, `pipe compile --emit mermaid`): renders in
 * GitHub, GitLab and most Markdown viewers. One subgraph per stage, nodes labelled with their
 * operation and what it does, edges with the input they feed; fused nodes are highlighted.
 * Deterministic, so it can be kept as a baseline.
 */
import { describeNode, fusionsText, stageTitle } from "./describe.js";
import type { IrNode, PipelineIr } from "./schema.js";

/** Mermaid labels are HTML-ish: quotes and angle brackets become entities. */
function escape(text: string): string {
  return text
    .replace(/&/g, "#amp;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/\[/g, "#91;")
    .replace(/\]/g, "#93;");
}

export function irToMermaid(ir: PipelineIr): string {
  const ids = new Map(ir.nodes.map((n, i) => [n.id, `n${i}`]));
  const out: string[] = ["flowchart TD"];
  out.push(`  %% ${ir.pipeline.name} (${ir.pipeline.file})`);
  const nodeLine = (node: IrNode, indent: string) => {
    const parts = [`<b>${escape(node.op)}</b>`, escape(describeNode(node))];
    const fused = fusionsText(node);
    if (fused) parts.push(`<i>${escape(fused)}</i>`);
    const [open, close] = node.op === "export" ? ["[/", "/]"] : ["[", "]"];
    return `${indent}${ids.get(node.id)}${open}"${parts.join("<br/>")}"${close}`;
  };
  const groups = new Map<string, IrNode[]>();
  const loose: IrNode[] = [];
  for (const node of ir.nodes) {
    if (node.op === "export") loose.push(node);
    else groups.set(node.stage, [...(groups.get(node.stage) ?? []), node]);
  }
  let i = 0;
  for (const [stage, nodes] of groups) {
    out.push(`  subgraph s${i++}["${escape(stageTitle(ir, stage))}"]`);
    for (const node of nodes) out.push(nodeLine(node, "    "));
    out.push("  end");
  }
  for (const node of loose) out.push(nodeLine(node, "  "));
  for (const e of ir.edges) {
    const label = e.output && e.output !== e.port ? `${e.output} → ${e.port}` : e.port;
    out.push(`  ${ids.get(e.from)} -->|${escape(label)}| ${ids.get(e.to)}`);
  }
  const fused = ir.nodes.filter((n) => n.annotations.fusions.length).map((n) => ids.get(n.id));
  if (fused.length) {
    out.push("  classDef fused stroke:#b35900,stroke-width:3px");
    out.push(`  class ${fused.join(",")} fused`);
  }
  for (const gone of ir.metadata.eliminated) {
    out.push(`  %% not run: ${gone.stage} (${gone.nodes.join(", ")}): ${gone.reason}`);
  }
  return out.join("\n") + "\n";
}
