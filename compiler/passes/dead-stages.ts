/**
 * Dead-stage elimination: a node runs only when its result reaches an output — an export,
 * an evaluation (metrics, gates), an inspection, a generation or a detection (they write
 * reports and predictions). Everything else is removed, and the IR's metadata says which
 * stages lost nodes and why, so nothing disappears silently.
 */
import type { DraftGraph } from "../ir/draft.js";
import type { EliminatedStage, IrOp } from "../ir/schema.js";
import { compareText } from "../text/compare-text.js";

/** Operations whose results are outputs of the pipeline. */
export const OUTPUT_OPS: ReadonlySet<IrOp> = new Set<IrOp>([
  "export",
  "evaluate",
  "inspect",
  "generate",
  "detect",
]);

export const DEAD_STAGE_REASON =
  "its result reaches no export, evaluation, inspection, generation or detection";

export function eliminateDeadStages(graph: DraftGraph): DraftGraph {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = graph.nodes.filter((n) => OUTPUT_OPS.has(n.op)).map((n) => n.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    for (const input of byId.get(id)?.inputs ?? []) stack.push(input.node);
  }
  const removedByStage = new Map<string, string[]>();
  for (const n of graph.nodes) {
    if (live.has(n.id)) continue;
    removedByStage.set(n.stage, [...(removedByStage.get(n.stage) ?? []), n.id]);
  }
  const kept = graph.nodes.filter((n) => live.has(n.id));
  const stillThere = new Set(kept.map((n) => n.stage));
  const rank = (stage: string) => {
    const i = graph.stageOrder.indexOf(stage);
    return i < 0 ? graph.stageOrder.length : i;
  };
  const eliminated: EliminatedStage[] = [...removedByStage.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || compareText(a, b))
    .map(([stage, nodes]) => ({
      stage,
      nodes,
      whole: !stillThere.has(stage),
      reason: DEAD_STAGE_REASON,
    }));
  return {
    ...graph,
    nodes: kept,
    eliminated: [...graph.eliminated, ...eliminated],
    passes: [...graph.passes, "dead-stage-elimination"],
  };
}
