/**
 * `unused-stage`: a stage that nothing refers to and that writes nothing is dead work — the
 * execution graph drops it (dead-stage elimination), so it is usually a leftover or a typo in
 * the name of the stage that should have used it.
 *
 * A stage counts as used when another stage or an `export` refers to it. Stages whose purpose
 * is their output count as used on their own: `evaluate`, `generate`, `detect` and `inspect`
 * stages (metrics, generations, predictions, reports), and datasets with a `write` block
 * (cleaned splits and the clean report).
 */
import type * as A from "../../grammar/ast.js";
import type { LintRule } from "./types.js";
import { setInFile } from "./facts.js";

const OUTPUT_KINDS = new Set(["evaluate", "generate", "detect", "inspect"]);

export const unusedStage: LintRule = {
  code: "PW5002",
  name: "unused-stage",
  check({ pipeline, ast, report }) {
    // Stages whose source could not be analysed (an unknown source, say) recorded no
    // references; count every name their text mentions so their inputs are not flagged.
    const mentioned = new Set<string>();
    for (const item of ast.items) {
      if (item.kind !== "Stage" || pipeline.stages.has(item.name.name)) continue;
      if (item.source.kind === "Call") collectNames(item.source, mentioned);
      if (item.body) collectNames(item.body, mentioned);
    }
    for (const stage of pipeline.stages.values()) {
      if (pipeline.referenced.has(stage.name) || mentioned.has(stage.name)) continue;
      if (OUTPUT_KINDS.has(stage.kind)) continue;
      if (stage.kind === "dataset" && setInFile(stage, "write")) continue;
      report({
        span: stage.node.name.span,
        message: `${stage.kind} \`${stage.name}\` is never used: nothing refers to it and it writes no output`,
        hint: `refer to it from another stage, \`export ${stage.name} to "…"\`, or remove it (unused stages are left out of the execution graph)`,
      });
    }
  },
};

/** First names of every reference in a subtree. */
function collectNames(node: unknown, into: Set<string>): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) collectNames(n, into);
    return;
  }
  const n = node as { kind?: string };
  if (n.kind === "Reference") {
    const first = (n as A.Reference).parts[0];
    if (first) into.add(first.name);
    return;
  }
  for (const [key, value] of Object.entries(n)) {
    if (key !== "span") collectNames(value, into);
  }
}
