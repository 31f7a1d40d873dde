/**
 * `distill-teacher-unused`: logit distillation minimises
 * L = α·CE(hard) + (1−α)·T²·KL(teacher ‖ student) (seed 3.1.3). With `alpha: 1` the teacher's
 * term has weight 0: the stage is plain supervised fine-tuning that still pays for a teacher
 * forward pass on every batch. The seed's example uses α = 0.5, T = 2.
 */
import type { LintRule } from "./types.js";
import { numberAt, setInFile, settingSpan, settingsOf } from "./facts.js";

export const distillTeacherUnused: LintRule = {
  code: "PW5014",
  name: "distill-teacher-unused",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (stage.source !== "distill" || !setInFile(stage, "alpha")) continue;
      if (numberAt(settingsOf(stage).alpha) !== 1) continue;
      report({
        span: settingSpan(stage, ["alpha"]),
        message: `with \`alpha: 1\` the teacher's soft targets get weight 1 − α = 0: \`${stage.name}\` is plain fine-tuning that still runs the teacher on every batch`,
        hint: "lower `alpha` (the seed uses 0.5), or train the student with `sft` instead",
      });
    }
  },
};
