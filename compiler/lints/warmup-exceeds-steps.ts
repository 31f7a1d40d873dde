/**
 * `warmup-exceeds-steps`: with linear warmup over `warmup` steps, a run of at most that many
 * optimizer steps never reaches its peak learning rate and never decays — the schedule the
 * author wrote does not happen. Total steps are `max_steps`, or epochs × ⌈rows / (batch ×
 * grad_accum)⌉ when the rows are declared (whichever ends training first); unknown totals are
 * not checked. `warmup_ratio` is a share of the run and cannot exceed it.
 */
import type { LintRule } from "./types.js";
import {
  entryAt,
  formatCount,
  isLlmTrainingStage,
  numberAt,
  objectAt,
  optimizerSteps,
  settingsOf,
} from "./facts.js";

export const warmupExceedsSteps: LintRule = {
  code: "PW5010",
  name: "warmup-exceeds-steps",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (!isLlmTrainingStage(stage)) continue;
      const entry = entryAt(stage.node.body, ["schedule", "warmup"]);
      const warmup = numberAt(objectAt(settingsOf(stage).schedule)?.warmup);
      if (!entry || warmup === undefined || warmup === 0) continue;
      const total = optimizerSteps(pipeline, stage);
      if (!total || warmup < total.steps) continue;
      report({
        span: entry.span,
        message: `warmup of ${formatCount(warmup)} steps is not shorter than the ${formatCount(total.steps)} optimizer steps of \`${stage.name}\` (${total.how}): the learning rate never reaches its peak`,
        hint: `use a warmup of a few percent of the run (e.g. \`warmup: ${Math.max(1, Math.round(total.steps * 0.05))}\`, or \`warmup_ratio: 5%\`)`,
      });
    }
  },
};
