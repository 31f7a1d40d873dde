/**
 * IA3 (Liu et al., "(IA)³"; PEFT's `IA3Config`): learned vectors that rescale activations.
 * Attention targets (default k_proj, v_proj) scale their output: `ia3_l` [out, 1]; feedforward
 * targets (default down_proj) scale their input: `ia3_l` [1, in]. Init 1 (identity).
 */
import type { LlamaModel } from "../model.js";
import type { Linear } from "../linear.js";
import { freezeBase, resolveTargets } from "./targets.js";

export interface Ia3Options {
  /** PEFT `target_modules` (default k_proj, v_proj, down_proj). */
  targets?: readonly string[];
  /** PEFT `feedforward_modules`, a subset of the targets (default down_proj). */
  feedforward?: readonly string[];
}

export function attachIa3(model: LlamaModel, options: Ia3Options = {}): Linear[] {
  const targetNames = options.targets ?? ["k_proj", "v_proj", "down_proj"];
  const ffNames = options.feedforward ?? ["down_proj"];
  const targets = resolveTargets(model, targetNames, { adapter: "ia3" });
  const feedforward = new Set(
    ffNames.length > 0 ? resolveTargets(model, ffNames, { adapter: "ia3 feedforward" }) : [],
  );
  for (const lin of feedforward) {
    if (!targets.includes(lin)) {
      throw new Error(`IA3: feedforward module ${lin.name} is not among the targets`);
    }
  }
  freezeBase(model);
  for (const lin of targets) {
    if (lin.ia3) throw new Error(`${lin.name} already has an IA3 vector`);
    const input = feedforward.has(lin);
    lin.ia3 = {
      mode: input ? "input" : "output",
      vector: model.onesParameter(input ? [1, lin.inFeatures] : [lin.outFeatures, 1]),
    };
  }
  model.adapterConfigs.push({
    kind: "ia3",
    config: {
      targets: [...targetNames],
      feedforward: [...ffNames],
      modules: targets.map((l) => l.name),
      feedforwardModules: [...feedforward].map((l) => l.name),
    },
  });
  return targets;
}
