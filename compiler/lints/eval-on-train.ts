/**
 * `eval-on-train`: scores on data a model was trained on measure memorisation, not the
 * generalisation the seed's evaluation chapter (2.2) is after. Checked for `evaluate` stages
 * and for periodic evaluation (`eval { data }` in a training stage, which also drives early
 * stopping).
 *
 * "Trained on" follows the model's weight lineage: `eval(run, x)` looks at the data of `run`,
 * of the adapter's base if that was trained in the pipeline, and so on up (a distilled
 * student's teacher is not followed: the student never saw the teacher's data directly).
 *
 * Two references overlap when they are the same output (`sft.train` twice), when one is a
 * whole dataset and the other one of its splits (`sft` contains `sft.train`), or when two
 * datasets read the same file — unless they are different splits of identically configured
 * datasets, which the seeded split keeps disjoint.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import type { LintRule } from "./types.js";
import {
  asRef,
  datasetPath,
  objectAt,
  refsIn,
  settingSpan,
  settingsOf,
  trainedOn,
  valueSpanAt,
  type StageRef,
} from "./facts.js";

export const evalOnTrain: LintRule = {
  code: "PW5004",
  name: "eval-on-train",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (stage.source === "eval") {
        const data = asRef(stage.args.data);
        if (!data) continue;
        for (const model of refsIn(stage.args.model)) {
          const span = stage.argSpans.data ?? stage.node.name.span;
          checkUse(pipeline, model.stage, data, span, `\`${stage.name}\` evaluates`, report);
        }
      }
      const evalData = asRef(objectAt(settingsOf(stage).eval)?.data);
      if (evalData) {
        const span = valueSpanAt(stage.node.body, ["eval", "data"]) ?? settingSpan(stage, ["eval"]);
        checkUse(pipeline, stage.name, evalData, span, "periodic evaluation of", report);
      }
    }
  },
};

function checkUse(
  pipeline: AnalyzedPipeline,
  model: string,
  data: StageRef,
  span: Span,
  what: string,
  report: Parameters<LintRule["check"]>[0]["report"],
): void {
  for (const trained of trainedOn(pipeline, model)) {
    const why = overlap(pipeline, data, trained.ref);
    if (!why) continue;
    const self = trained.by.name === model;
    report({
      span,
      message: `${what} \`${model}\` on \`${data.ref}\`, ${why} ${self ? `\`${model}\`` : `\`${trained.by.name}\` (which \`${model}\` builds on)`} was trained on (\`${trained.ref.ref}\`)`,
      hint: heldOutHint(pipeline, data, trained.ref),
      related: [
        {
          span: trained.span,
          message: `\`${trained.by.name}\` trains on \`${trained.ref.ref}\` here`,
        },
      ],
    });
    return;
  }
}

/** Why two data references share rows, or undefined when they do not. */
function overlap(pipeline: AnalyzedPipeline, a: StageRef, b: StageRef): string | undefined {
  if (a.stage === b.stage) {
    if (a.output === b.output) return "the data";
    if (a.output === undefined) return "a dataset that contains the data";
    if (b.output === undefined) return "a split of the whole dataset";
    return undefined;
  }
  const da = pipeline.stages.get(a.stage);
  const db = pipeline.stages.get(b.stage);
  if (da?.kind !== "dataset" || db?.kind !== "dataset") return undefined;
  const path = datasetPath(da);
  if (path === undefined || path !== datasetPath(db) || da.source !== db.source) return undefined;
  if (
    a.output !== undefined &&
    b.output !== undefined &&
    a.output !== b.output &&
    sameConfig(da, db)
  ) {
    return undefined; // identical seeded splits of one file: disjoint
  }
  return `\`${a.stage}\` reads the same file ("${path}") as the data`;
}

function sameConfig(a: AnalyzedStage, b: AnalyzedStage): boolean {
  return JSON.stringify(settingsOf(a)) === JSON.stringify(settingsOf(b));
}

function heldOutHint(pipeline: AnalyzedPipeline, data: StageRef, trained: StageRef): string {
  const dataset = pipeline.stages.get(trained.stage);
  const splits = Object.keys(dataset?.outputs ?? {});
  const others = splits.filter((s) => s !== trained.output && s !== data.output && s !== "names");
  if (trained.output !== undefined && others.length > 0) {
    return `evaluate on a held-out split instead (${others.map((s) => `\`${trained.stage}.${s}\``).join(", ")})`;
  }
  if (dataset?.kind === "dataset" && splits.length === 0) {
    return `give \`${trained.stage}\` a \`split { train: 90%, val: 10% }\`, train on \`${trained.stage}.train\` and evaluate on \`${trained.stage}.val\``;
  }
  return "evaluate on data the model has not seen; scores on training data measure memorisation";
}
