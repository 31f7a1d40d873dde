/**
 * `split-leakage`: a prompt that reaches both the training data and held-out data makes the
 * held-out score measure memorisation.
 *
 * What our pipeline order implies. Inside one dataset the order is fixed, whatever order the
 * blocks are written in: read → `clean` (normalise, rules, de-duplication, quality, then
 * augmentation and synthesis) → `split`. De-duplication therefore always runs *before* the
 * split, over all rows, and the split deals whole groups of rows sharing a key to one split
 * (augmented copies join their original's group). So inside one dataset an exact duplicate on
 * the split key can never straddle two splits. Two gaps remain, and this lint reports both:
 *
 *  1. The split key leaves the prompt out. The key is `split { by: … }`, else the first exact
 *     `dedupe` field, else the record's prompt (`instruction`+`input`, the conversation,
 *     `prompt`). When it is another field (say `output`) and no `dedupe` covers the prompt
 *     field, two rows with the same instruction and different answers can land in `train` and
 *     `val`.
 *  2. De-duplication runs after a split made outside the pipeline. When a model is fine-tuned
 *     on one record dataset and evaluated (an `evaluate` stage, or a training stage's
 *     `eval { data }`) on another — two files split beforehand — each is de-duplicated on its
 *     own, so a row present in both files reaches training and evaluation. Reported when
 *     either dataset asks for `dedupe` (the author relies on de-duplication). Only the data the
 *     evaluated stage itself trains on counts: overlap with a pre-training corpus further up
 *     the lineage is contamination, not a split problem. Two datasets reading the *same* file
 *     are `eval-on-train`'s business.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import type { LintContext, LintRule } from "./types.js";
import {
  asRef,
  datasetPath,
  dedupeKeys,
  objectAt,
  PROMPT_FIELDS,
  refsIn,
  settingSpan,
  settingsOf,
  trainingData,
  valueSpanAt,
  type StageRef,
} from "./facts.js";

export const splitLeakage: LintRule = {
  code: "PW5003",
  name: "split-leakage",
  check(ctx) {
    for (const stage of ctx.pipeline.stages.values()) checkSplitKey(stage, ctx);
    checkSeparateDatasets(ctx);
  },
};

function checkSplitKey(stage: AnalyzedStage, { report }: LintContext): void {
  const promptFields = PROMPT_FIELDS[stage.source];
  const split = objectAt(settingsOf(stage).split);
  if (stage.kind !== "dataset" || !promptFields || !split) return;
  const dedupes = dedupeKeys(stage);
  const firstExact = dedupes.find((d) => !d.near);
  const by = typeof split.by === "string" ? split.by : undefined;
  const key = by ?? firstExact?.field;
  if (key === undefined) return; // the default key is the prompt
  const covers = (field: string) => promptFields.includes(field.split(".")[0]);
  if (covers(key) || dedupes.some((d) => covers(d.field))) return;
  const prompt = promptFields[0];
  const splits = Object.keys(split).filter((k) => k !== "by" && k !== "seed");
  const span: Span = by
    ? (valueSpanAt(stage.node.body, ["split", "by"]) ?? settingSpan(stage, ["split"]))
    : settingSpan(stage, ["clean", "dedupe"]);
  report({
    span,
    message: `\`${stage.name}\` is split by \`${key}\`${by ? "" : " (its first `dedupe` key)"}, and no \`dedupe\` covers \`${prompt}\`: rows with the same ${prompt} can land in ${splits.length > 1 ? splits.map((s) => `\`${s}\``).join(" and ") : "two splits"}`,
    hint: `add \`dedupe: ${prompt}\` to \`clean\`, or \`by: ${prompt}\` to \`split\`, so one prompt stays in one split`,
  });
}

/** Held-out data a model is checked on: `evaluate` stages and `eval { data }` in training. */
function heldOutUses(
  pipeline: AnalyzedPipeline,
): { model: string; data: StageRef; span: Span; by: AnalyzedStage }[] {
  const out: { model: string; data: StageRef; span: Span; by: AnalyzedStage }[] = [];
  for (const stage of pipeline.stages.values()) {
    if (stage.source === "eval") {
      const data = asRef(stage.args.data);
      if (!data) continue;
      for (const model of refsIn(stage.args.model)) {
        out.push({
          model: model.stage,
          data,
          span: stage.argSpans.data ?? stage.node.name.span,
          by: stage,
        });
      }
    }
    const evalData = asRef(objectAt(settingsOf(stage).eval)?.data);
    if (evalData) {
      out.push({
        model: stage.name,
        data: evalData,
        span: valueSpanAt(stage.node.body, ["eval", "data"]) ?? settingSpan(stage, ["eval"]),
        by: stage,
      });
    }
  }
  return out;
}

function hasPrompts(stage: AnalyzedStage | undefined): stage is AnalyzedStage {
  return stage?.kind === "dataset" && stage.source in PROMPT_FIELDS;
}

function checkSeparateDatasets({ pipeline, report }: LintContext): void {
  const reported = new Set<string>();
  for (const use of heldOutUses(pipeline)) {
    const held = pipeline.stages.get(use.data.stage);
    const model = pipeline.stages.get(use.model);
    const direct = model ? trainingData(model) : undefined;
    if (!model || !direct) continue;
    const trained = { ...direct, by: model };
    const train = pipeline.stages.get(trained.ref.stage);
    if (!hasPrompts(train) || !hasPrompts(held) || train.name === held.name) continue;
    const heldPath = datasetPath(held);
    if (heldPath !== undefined && heldPath === datasetPath(train)) continue; // eval-on-train
    const deduped = [train, held].filter((d) => dedupeKeys(d).length > 0);
    if (deduped.length === 0) continue;
    const key = `${use.by.name}:${train.name}:${held.name}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const who = use.by.name === use.model ? `\`${use.model}\`` : `\`${use.by.name}\``;
    report({
      span: use.span,
      message: `${who} holds out \`${use.data.ref}\`, but \`${use.model}\` was trained on \`${trained.ref.ref}\` from another dataset; each is de-duplicated on its own, so rows in both files reach training and evaluation`,
      hint: `de-duplication runs inside one dataset, before its \`split\`; to keep held-out rows out of training, read one file and split it (\`split { train: 90%, val: 10% }\`), or remove the overlap between the files beforehand`,
      related: [
        {
          span: trained.span,
          message: `\`${trained.by.name}\` trains on \`${trained.ref.ref}\` here`,
        },
        {
          span: settingSpan(deduped[0], ["clean", "dedupe"]),
          message: `\`${deduped[0].name}\` is de-duplicated here, within itself only`,
        },
      ],
    });
  }
}
