/**
 * Lowering: an analysed pipeline (names resolved, settings checked, defaults filled) becomes
 * a graph of typed operations. Each stage lowers to one or several nodes, dependencies
 * first, so node creation order is already an execution order; the passes
 * (compiler/passes/) then prune, annotate, order and hash the graph.
 *
 * Lowering assumes a pipeline without errors (`pipe compile` refuses files with errors).
 */
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import { PIPELINE_BLOCK } from "../settings/catalogue.js";
import type { DraftGraph } from "./draft.js";
import { LowerContext, type LoweredStage } from "./lower-context.js";
import { lowerDataset } from "./lower-data.js";
import { lowerAdapter, lowerModel } from "./lower-models.js";
import {
  lowerDetect,
  lowerDistill,
  lowerEvaluate,
  lowerExports,
  lowerGenerate,
  lowerInspect,
  lowerTrain,
} from "./lower-stages.js";
import { settingsTree, treeToJson } from "./settings-tree.js";

function lowerStage(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  switch (stage.kind) {
    case "dataset":
      return lowerDataset(ctx, stage);
    case "model":
      return lowerModel(ctx, stage);
    case "adapter":
      return lowerAdapter(ctx, stage);
    case "train":
      return lowerTrain(ctx, stage);
    case "distill":
      return lowerDistill(ctx, stage);
    case "evaluate":
      return lowerEvaluate(ctx, stage);
    case "generate":
      return lowerGenerate(ctx, stage);
    case "detect":
      return lowerDetect(ctx, stage);
    case "inspect":
      return lowerInspect(ctx, stage);
  }
}

export function lowerPipeline(pipeline: AnalyzedPipeline): DraftGraph {
  const ctx = new LowerContext(pipeline, lowerStage);
  for (const name of pipeline.stages.keys()) ctx.ensure(name);
  const exports = lowerExports(ctx);
  return {
    name: pipeline.name,
    file: pipeline.file,
    pipelineSettings: treeToJson(settingsTree(pipeline.settings, PIPELINE_BLOCK)),
    stageOrder: [...pipeline.stages.keys()],
    stages: [...pipeline.stages.values()].map((s) => ({
      name: s.name,
      kind: s.kind,
      source: s.source,
    })),
    nodes: ctx.nodes,
    exports,
    eliminated: [],
    passes: ["lower"],
  };
}
