/**
 * `high-learning-rate`: a learning rate far above practice for the training method usually
 * diverges or wrecks the base model. Thresholds, about 50× the usual values:
 *
 *  - LoRA / QLoRA (and IA3, bottleneck adapters): above 1e-2. The seed's Unsloth recipe uses
 *    2e-4 (3.2.1); 1e-4–1e-3 is the usual range.
 *  - Full fine-tuning of a pre-trained model loaded from a directory: above 1e-3 (usual:
 *    1e-5–1e-4).
 *
 * Not checked: prompt and prefix tuning (they train a few embeddings and routinely use
 * rates around 1e-2–3e-1), pre-training and models declared inline (random initialisation
 * tolerates higher rates), and detection training (`lr0`, Ultralytics conventions).
 */
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import type { LintRule } from "./types.js";
import {
  entryAt,
  isLlmTrainingStage,
  numberAt,
  objectAt,
  settingsOf,
  trainedAdapter,
  weightParents,
  writtenNumber,
} from "./facts.js";

const ADAPTER_METHODS: Readonly<Record<string, string>> = {
  lora: "LoRA",
  ia3: "IA3",
  bottleneck: "bottleneck-adapter",
};

export const ADAPTER_MAX_LR = 1e-2;
export const FULL_FINE_TUNE_MAX_LR = 1e-3;

export const highLearningRate: LintRule = {
  code: "PW5009",
  name: "high-learning-rate",
  check({ pipeline, report }) {
    for (const stage of pipeline.stages.values()) {
      if (!isLlmTrainingStage(stage) || stage.source === "pretrain") continue;
      const entry = entryAt(stage.node.body, ["optimizer", "lr"]);
      const lr = numberAt(objectAt(settingsOf(stage).optimizer)?.lr);
      if (!entry || lr === undefined) continue;
      const method = methodOf(pipeline, stage);
      if (!method || lr <= method.max) continue;
      const written = writtenNumber(stage.node.body, ["optimizer", "lr"]) ?? String(lr);
      report({
        span: entry.span,
        message: `learning rate ${written} is high for ${method.name} (above ${method.max.toExponential()})`,
        hint: method.usual,
      });
    }
  },
};

function methodOf(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
): { name: string; max: number; usual: string } | undefined {
  const adapter = trainedAdapter(pipeline, stage);
  if (adapter) {
    const method = ADAPTER_METHODS[adapter.source];
    if (!method) return undefined;
    const qlora = adapter.source === "lora" && settingsOf(adapter).quantize_base === "nf4";
    return {
      name: `${qlora ? "QLoRA" : method} training`,
      max: ADAPTER_MAX_LR,
      usual:
        "the seed's LoRA recipe uses `lr: 2e-4`; 1e-4–1e-3 is the usual range, and α/r scales the update further",
    };
  }
  const fromDirectory = weightParents(stage).some((p) => {
    const parent = pipeline.stages.get(p.stage);
    return (
      parent?.kind === "model" && parent.source === "llama" && typeof parent.args.path === "string"
    );
  });
  if (!fromDirectory) return undefined;
  return {
    name: "full fine-tuning of a pre-trained model",
    max: FULL_FINE_TUNE_MAX_LR,
    usual:
      "full fine-tuning usually uses 1e-5–1e-4; at higher rates the model forgets what it learned in pre-training — or train a LoRA adapter instead",
  };
}
