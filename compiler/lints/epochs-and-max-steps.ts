/**
 * `epochs-and-max-steps` (info): with both set, training stops at whichever comes first
 * (docs/language.md, train). That is legal — the seed's SPEC example does it — but one of the
 * two numbers is then dead, and which one depends on the data size. When the rows are
 * declared, the message says which limit ends training.
 */
import type { LintRule } from "./types.js";
import { epochSteps, formatCount, isLlmTrainingStage, setInFile, settingSpan } from "./facts.js";

export const epochsAndMaxSteps: LintRule = {
  code: "PW5008",
  name: "epochs-and-max-steps",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (!isLlmTrainingStage(stage)) continue;
      if (!setInFile(stage, "epochs") || !setInFile(stage, "max_steps")) continue;
      const maxSteps = stage.settings.max_steps.value as number;
      const epochs = stage.settings.epochs.value as number;
      const fromEpochs = epochSteps(pipeline, stage);
      const which = fromEpochs
        ? fromEpochs.steps <= maxSteps
          ? `; here \`epochs: ${epochs}\` ends training first (${formatCount(fromEpochs.steps)} optimizer steps = ${fromEpochs.how})`
          : `; here \`max_steps: ${maxSteps}\` ends training first (\`epochs: ${epochs}\` would be ${formatCount(fromEpochs.steps)} steps = ${fromEpochs.how})`
        : "";
      report({
        span: settingSpan(stage, ["max_steps"]),
        message: `\`${stage.name}\` sets both \`epochs\` and \`max_steps\`: training stops at whichever comes first${which}`,
        hint: "keep one of them so the stop condition is explicit",
        related: [{ span: settingSpan(stage, ["epochs"]), message: "`epochs` is set here" }],
      });
    }
  },
};
