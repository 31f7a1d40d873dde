/**
 * The IR as a Graphviz graph (`pipe compile --emit dot`, `pipe graph --format dot`): one
 * cluster per stage, a box per node with what it does, edges labelled with the input they
 * feed; fused nodes are drawn bold. Deterministic (no hashes, no timestamps), so it can be
 * diffed and kept as a baseline.
 */
import { describeNode, fusionsText, stageTitle } from "./describe.js";
import type { IrNode, PipelineIr } from "./schema.js";

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function nodeLine(node: IrNode, indent: string): string {
  const lines = [node.op, describeNode(node), fusionsText(node)].filter(Boolean) as string[];
  const attrs = [`label=${quote(lines.join("\n"))}`];
  if (node.annotations.fusions.length) attrs.push("penwidth=2", 'color="#b35900"');
  if (node.op === "export") attrs.push("shape=note");
  return `${indent}${quote(node.id)} [${attrs.join(", ")}];`;
}

export function irToDot(ir: PipelineIr): string {
  const out: string[] = [];
  out.push(`digraph ${quote(ir.pipeline.name)} {`);
  out.push(
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=11, labelloc=t, label=${quote(`${ir.pipeline.name} (${ir.pipeline.file})`)}];`,
  );
  out.push('  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];');
  out.push('  edge [fontname="Helvetica", fontsize=9];');
  const groups = new Map<string, IrNode[]>();
  const loose: IrNode[] = [];
  for (const node of ir.nodes) {
    if (node.op === "export") loose.push(node);
    else groups.set(node.stage, [...(groups.get(node.stage) ?? []), node]);
  }
  let i = 0;
  for (const [stage, nodes] of groups) {
    out.push("");
    out.push(`  subgraph cluster_${i++} {`);
    out.push(`    label=${quote(stageTitle(ir, stage))};`);
    out.push('    style="rounded,dashed"; color="#888888";');
    for (const node of nodes) out.push(nodeLine(node, "    "));
    out.push("  }");
  }
  if (loose.length) out.push("");
  for (const node of loose) out.push(nodeLine(node, "  "));
  out.push("");
  for (const e of ir.edges) {
    const label = e.output && e.output !== e.port ? `${e.output} → ${e.port}` : e.port;
    out.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(label)}];`);
  }
  for (const gone of ir.metadata.eliminated) {
    out.push(`  // not run: ${gone.stage} (${gone.nodes.join(", ")}): ${gone.reason}`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}
