/**
 * `early-stopping-without-eval`: `early_stopping` watches a metric of the periodic
 * evaluation (`val_loss` by default). Without an `eval { data, every }` block in the same
 * stage nothing computes that metric, so early stopping never triggers and training runs to
 * its end. A metric named `train_…` is computed from training batches and is not reported.
 */
import type { LintRule } from "./types.js";
import { isLlmTrainingStage, objectAt, setInFile, settingKeySpan, settingsOf } from "./facts.js";

export const earlyStoppingWithoutEval: LintRule = {
  code: "PW5012",
  name: "early-stopping-without-eval",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (!isLlmTrainingStage(stage) || !setInFile(stage, "early_stopping")) continue;
      if (setInFile(stage, "eval")) continue;
      const metric = objectAt(settingsOf(stage).early_stopping)?.metric;
      if (typeof metric === "string" && metric.startsWith("train")) continue;
      report({
        span: settingKeySpan(stage, ["early_stopping"]),
        message: `\`${stage.name}\` stops early on \`${typeof metric === "string" ? metric : "val_loss"}\`, but has no \`eval\` block to compute it: early stopping never triggers`,
        hint: "add `eval { data: <held-out split>, every: 100 }` to the stage",
      });
    }
  },
};
