/**
 * Prefix tuning (Li & Liang; PEFT's `PrefixTuningConfig` without the reparameterisation MLP):
 * per layer n learned key and n learned value vectors, prepended to the attention's K and V.
 * One tensor `prompt_encoder.embedding.weight` [n, L·2·kvHeads·headDim] in PEFT's layout
 * (column block 2l = layer l's keys, 2l+1 its values; each block kvHeads × headDim). The prefix
 * keys are used as given (not rotated, like PEFT's past_key_values) and the real tokens take
 * positions n, n+1, … as Hugging Face does after a cache of length n.
 */
import type { LlamaModel } from "../model.js";
import { freezeBase } from "./targets.js";

export interface PrefixTuningOptions {
  virtualTokens: number;
  /** Init N(0, std²); PEFT's nn.Embedding default is 1. */
  initStd?: number;
  seed: number;
}

export function attachPrefixTuning(model: LlamaModel, options: PrefixTuningOptions): void {
  const n = options.virtualTokens;
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`virtual tokens must be a positive integer, got ${n}`);
  if (model.promptAdapter) throw new Error(`the model already has ${model.promptAdapter.kind}`);
  const a = model.arch;
  const width = a.numHiddenLayers * 2 * a.numKeyValueHeads * a.headDim;
  freezeBase(model);
  model.promptAdapter = {
    kind: "prefix-tuning",
    virtualTokens: n,
    embedding: model.randomParameter([n, width], options.seed, options.initStd ?? 1),
  };
  model.adapterConfigs.push({ kind: "prefix-tuning", config: { virtualTokens: n } });
}
