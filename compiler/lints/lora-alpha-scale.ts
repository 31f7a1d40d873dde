/**
 * `lora-alpha-scale`: the LoRA update is h = Wx + (α/r)·BAx, so α/r multiplies every update
 * like a learning-rate factor. The seed (1.1.3) says α "通常设为 r 的值" — usually equal to r,
 * a scale of 1 — and its Unsloth example uses r = 16, lora_alpha = 16; α = 2r is the other
 * common choice. A scale outside 0.5–4 is almost always a typo or α copied from another rank.
 */
import type { LintRule } from "./types.js";
import { numberAt, settingSpan, settingsOf, setInFile } from "./facts.js";

export const MIN_SCALE = 0.5;
export const MAX_SCALE = 4;

export const loraAlphaScale: LintRule = {
  code: "PW5001",
  name: "lora-alpha-scale",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (stage.source !== "lora") continue;
      const s = settingsOf(stage);
      const rank = numberAt(s.rank);
      const alpha = numberAt(s.alpha);
      if (rank === undefined || alpha === undefined || rank <= 0) continue;
      const scale = alpha / rank;
      if (scale >= MIN_SCALE && scale <= MAX_SCALE) continue;
      const where = setInFile(stage, "alpha") ? "alpha" : "rank";
      const other = where === "alpha" ? "rank" : "alpha";
      const defaulted = (key: string) => (setInFile(stage, key) ? "" : " (default)");
      report({
        span: settingSpan(stage, [where]),
        message: `LoRA scale α/r = ${alpha}/${rank} = ${+scale.toPrecision(3)} is ${scale < MIN_SCALE ? "far below" : "far above"} common practice (${MIN_SCALE}–${MAX_SCALE})`,
        hint: `the update is multiplied by α/r, so this acts like a ${scale < MIN_SCALE ? "much lower" : "much higher"} learning rate; the seed sets α equal to r (scale 1, e.g. \`rank: ${rank}\` with \`alpha: ${rank}\`), and α = 2r (\`alpha: ${2 * rank}\`) is also common`,
        related: setInFile(stage, other)
          ? [{ span: settingSpan(stage, [other]), message: `\`${other}\` is set here` }]
          : [
              {
                span: stage.node.name.span,
                message: `\`${other}\` is ${other === "rank" ? rank : alpha}${defaulted(other)}`,
              },
            ],
      });
    }
  },
};
