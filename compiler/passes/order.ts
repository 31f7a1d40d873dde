/**
 * Execution order: a topological order of the nodes (every node after the nodes it reads),
 * deterministic: among the nodes that are ready, the one created first by lowering — which
 * follows the file's stage order, dependencies first — runs first.
 */
import type { DraftGraph } from "../ir/draft.js";

export function orderTopologically(graph: DraftGraph): DraftGraph {
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  const consumers = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const n of graph.nodes) {
    const producers = new Set(n.inputs.map((i) => i.node).filter((id) => index.has(id)));
    indegree.set(n.id, producers.size);
    for (const p of producers) consumers.get(p)!.push(n.id);
  }
  const ready = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const ordered: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const id = ready.shift()!;
    ordered.push(id);
    for (const c of consumers.get(id)!) {
      const d = indegree.get(c)! - 1;
      indegree.set(c, d);
      if (d === 0) ready.push(c);
    }
  }
  if (ordered.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((n) => !ordered.includes(n.id)).map((n) => n.id);
    throw new Error(`internal: the execution graph has a cycle through ${stuck.join(", ")}`);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return {
    ...graph,
    nodes: ordered.map((id) => byId.get(id)!),
    passes: [...graph.passes, "order"],
  };
}
