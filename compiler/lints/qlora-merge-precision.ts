/**
 * `qlora-merge-precision`: merging a QLoRA adapter, W' = W + (α/r)·B·A, must not happen in
 * weights too coarse to hold the update. Merging into the 4-bit NF4 weights themselves (what
 * `merge_and_unload` does on a model loaded in 4 bits) rounds the update away entirely — it is
 * far smaller than one NF4 step; the known fix is to dequantise the base to f16 first and merge
 * there. Pipewright never merges into 4-bit weights: a merged export dequantises each NF4
 * block to f32 (exactly the weights the adapter was trained against), adds the update in f32,
 * and rounds once to the export's `dtype`. What remains is the choice of `dtype`: f32 and
 * f16 (11 significant bits) keep the update; bf16 keeps 8 significant bits (±0.4 %), coarser
 * than a typical LoRA update relative to its weight, so much of the fine-tune is rounded off.
 * That is what this lint reports.
 */
import type { AnalyzedStage } from "../semantic/analyze.js";
import type { LintRule } from "./types.js";
import { settingsOf, trainedAdapter } from "./facts.js";
import { settingsToJson } from "../settings/check-block.js";

export const qloraMergePrecision: LintRule = {
  code: "PW5006",
  name: "qlora-merge-precision",
  check({ pipeline, report }) {
    for (const exp of pipeline.exports) {
      const s = settingsToJson(exp.settings);
      if (s.merged !== true || s.dtype !== "bf16") continue;
      const target = pipeline.stages.get(exp.target.split(".")[0]);
      if (!target) continue;
      const adapter: AnalyzedStage | undefined =
        target.kind === "adapter" ? target : trainedAdapter(pipeline, target);
      if (adapter?.source !== "lora" || settingsOf(adapter).quantize_base !== "nf4") continue;
      const dtypeEntry = exp.node.body?.entries.find(
        (e) => e.kind === "Property" && e.key.name === "dtype",
      );
      report({
        span: dtypeEntry?.span ?? exp.node.span,
        message: `merging QLoRA adapter \`${adapter.name}\` into bf16 weights rounds away much of its update: bf16 keeps 8 significant bits`,
        hint: "write merged weights as `dtype: f16` or `f32` (Pipewright dequantises the NF4 base to f32 and merges there, never in 4 bits); to serve a 4-bit base, export the adapter unmerged (`format: peft`)",
        related: [
          {
            span: adapter.node.name.span,
            message: `\`${adapter.name}\` trains over a 4-bit NF4 base (\`quantize_base: nf4\`)`,
          },
        ],
      });
    }
  },
};
