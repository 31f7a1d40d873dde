/**
 * `no-evaluation` (info): a trained model that leaves the pipeline — exported, or used by a
 * `generate` or `detect` stage — without any evaluation: no `evaluate` stage over it and no
 * periodic `eval` block. The seed's closing advice is to build a complete evaluation system
 * (实践建议: 建立完善的评估体系); a model that ships unmeasured cannot be compared with the
 * next one. Models only used inside the pipeline (a teacher, a pre-trained base) are not
 * reported: what is built on them is.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import type { LintRule } from "./types.js";
import { isTrainingStage, refsIn, setInFile } from "./facts.js";

export const noEvaluation: LintRule = {
  code: "PW5013",
  name: "no-evaluation",
  check({ pipeline, report }) {
    const evaluated = new Set<string>();
    const leaves = new Map<string, { span: Span; how: string }>();
    for (const stage of pipeline.stages.values()) {
      if (stage.source === "eval") for (const m of refsIn(stage.args.model)) evaluated.add(m.stage);
      if (stage.kind === "generate" || stage.kind === "detect") {
        for (const m of refsIn(stage.args.model)) {
          if (!leaves.has(m.stage)) {
            leaves.set(m.stage, {
              span: stage.argSpans.model ?? stage.node.name.span,
              how: `\`${stage.name}\` uses it`,
            });
          }
        }
      }
    }
    for (const exp of pipeline.exports) {
      const name = exp.target.split(".")[0];
      if (!leaves.has(name)) leaves.set(name, { span: exp.node.target.span, how: "exported here" });
    }
    for (const stage of pipeline.stages.values()) {
      if (!isTrainingStage(stage) || evaluated.has(stage.name) || setInFile(stage, "eval"))
        continue;
      const leaf = leaves.get(stage.name);
      if (!leaf) continue;
      report({
        span: stage.node.name.span,
        message: `\`${stage.name}\` leaves the pipeline without being evaluated`,
        hint: `add \`evaluate ev = eval(${stage.name}, <held-out data>) { … }\` or an \`eval { data, every }\` block, so the model's quality is measured before it is used`,
        related: [{ span: leaf.span, message: leaf.how }],
      });
    }
  },
};
