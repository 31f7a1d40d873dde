/**
 * `dataset-too-small`: the seed's quantity guidance for fine-tuning data (1.2.2 数量参考):
 * simple tasks 1,000–5,000 rows, medium 5,000–20,000, complex 20,000–100,000 — "质量 > 数量",
 * quality over quantity, but below the simple-task minimum a fine-tune rarely generalises.
 * Preference (RLHF-style) data needs more: "数万-数十万", tens of thousands (2.1.3).
 *
 * Compile time only sees *declared* counts: a split's row count, or a generator's `rows`
 * (times a split fraction). A dataset read from a file has no known size until it is read,
 * and cleaning may drop rows later, so the real count can only be smaller than the declared
 * one. Checked for the data of fine-tuning stages (`sft`, `distill`, and the prompts of
 * `teacher_answers`); pre-training text and detection images have no guidance in the seed.
 * The seed also advises validating on a small set first (从小规模数据开始验证): turn the lint
 * off for such smoke runs (`lint { dataset-too-small: off }`).
 */
import type { LintRule } from "./types.js";
import { declaredRows, formatCount, trainingData } from "./facts.js";

/** Minimum rows per record format, from the seed's guidance. */
export const MIN_ROWS: Readonly<Record<string, { rows: number; guidance: string }>> = {
  alpaca: {
    rows: 1000,
    guidance: "1,000–5,000 rows for a simple task, 5,000–20,000 medium, 20,000–100,000 complex",
  },
  sharegpt: {
    rows: 1000,
    guidance: "1,000–5,000 rows for a simple task, 5,000–20,000 medium, 20,000–100,000 complex",
  },
  preference: { rows: 10000, guidance: "tens of thousands of preference pairs" },
};

const FINE_TUNING = new Set(["sft", "distill", "teacher_answers"]);

export const datasetTooSmall: LintRule = {
  code: "PW5005",
  name: "dataset-too-small",
  check({ pipeline, report }) {
    const reported = new Set<string>();
    for (const stage of pipeline.stages.values()) {
      if (!FINE_TUNING.has(stage.source)) continue;
      const data = trainingData(stage);
      if (!data || reported.has(data.ref.ref)) continue;
      const dataset = pipeline.stages.get(data.ref.stage);
      const min = dataset ? MIN_ROWS[dataset.source] : undefined;
      const declared = declaredRows(pipeline, data.ref);
      if (!min || !declared || declared.rows >= min.rows) continue;
      reported.add(data.ref.ref);
      report({
        span: declared.span,
        message: `\`${data.ref.ref}\` declares ${declared.exact ? "" : "about "}${formatCount(declared.rows)} rows (${declared.how}), below the seed's minimum of ${formatCount(min.rows)} for fine-tuning data`,
        hint: `the seed's guidance: ${min.guidance}; quality matters more than quantity, but collect or generate more rows — or turn this lint off for a smoke run. Declared counts are before cleaning, which can only drop rows`,
        related: [{ span: data.span, message: `\`${stage.name}\` trains on it here` }],
      });
    }
  },
};
