/**
 * `batch-exceeds-data`: one optimizer step consumes batch × grad_accum examples. When that is
 * more than the declared training rows, an epoch is less than one step: the accumulation
 * never completes within an epoch, and a large `grad_accum` on a small dataset leaves almost
 * no updates. The seed's recipe (3.2.1) uses batch 2 × grad_accum 4 = 8 examples per step.
 * Only declared row counts are known at compile time (see `dataset-too-small`).
 */
import type { LintRule } from "./types.js";
import {
  declaredRows,
  examplesPerStep,
  formatCount,
  isLlmTrainingStage,
  settingSpan,
  settingsOf,
  trainingData,
  setInFile,
} from "./facts.js";

export const batchExceedsData: LintRule = {
  code: "PW5011",
  name: "batch-exceeds-data",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (!isLlmTrainingStage(stage) || stage.source === "pretrain") continue;
      const perStep = examplesPerStep(stage);
      const data = trainingData(stage);
      if (perStep === undefined || !data) continue;
      const rows = declaredRows(pipeline, data.ref);
      if (!rows || perStep <= rows.rows) continue;
      const s = settingsOf(stage);
      const accumulated = setInFile(stage, "grad_accum") && (s.grad_accum as number) > 1;
      report({
        span: settingSpan(stage, [accumulated ? "grad_accum" : "batch"]),
        message: `one optimizer step of \`${stage.name}\` needs ${formatCount(perStep)} examples (batch ${String(s.batch)} × grad_accum ${String(s.grad_accum ?? 1)}), more than the ${rows.exact ? "" : "about "}${formatCount(rows.rows)} rows \`${data.ref.ref}\` declares`,
        hint: `lower ${accumulated ? "`grad_accum`" : "`batch`"} so that an epoch holds several optimizer steps`,
        related: [{ span: rows.span, message: `\`${data.ref.ref}\`'s size is declared here` }],
      });
    }
  },
};
