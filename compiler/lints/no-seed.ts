/**
 * `no-seed`: without a pipeline `seed`, splits, initialisation, dropout, shuffles,
 * augmentation and sampling differ from run to run, so two runs cannot be compared and a
 * result cannot be reproduced. The seed's own training code fixes its seeds
 * (`random_state=42`, `seed=42` in 3.2.1). A stage's own `seed` covers only that stage, so
 * only the pipeline-level seed counts.
 */
import type { LintRule } from "./types.js";

export const noSeed: LintRule = {
  code: "PW5007",
  name: "no-seed",
  check({ pipeline, ast, report }) {
    if (pipeline.settings.seed !== undefined) return;
    const node = pipeline.pipelineNode;
    if (node) {
      report({
        span: node.name.span,
        message: `pipeline ${node.name.raw} has no \`seed\`: splits, initialisation, dropout and sampling change from run to run`,
        hint: "add `seed: 42` to the pipeline block",
      });
      return;
    }
    // No pipeline block at all: point at the first declaration.
    const first = ast.items[0];
    report({
      span:
        first?.kind === "Stage"
          ? first.keywordSpan
          : first
            ? { ...first.span, end: Math.min(first.span.end, first.span.start + 6) }
            : { file: pipeline.file, start: 0, end: 0 },
      message:
        "the file has no `pipeline` block, so no `seed`: splits, initialisation, dropout and sampling change from run to run",
      hint: 'start the file with `pipeline "name" { seed: 42 }`',
    });
  },
};
