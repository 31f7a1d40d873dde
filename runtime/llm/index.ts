/**
 * The LLM runtime: a Llama-style decoder with Hugging Face I/O, adapters (LoRA, QLoRA, IA3,
 * prompt/prefix tuning, bottleneck), PEFT export, merged export, and generation. See README.md.
 */
export {
  LlamaModel,
  type ForwardOptions,
  type ForwardPass,
  type ModelOptions,
  type WeightSource,
  type PromptAdapter,
} from "./model.js";
export { DecoderLayer, type BranchAdapter, type LayerContext } from "./layers.js";
export { Linear, type LoraState, type Ia3State } from "./linear.js";
export { KvCache } from "./kv-cache.js";
export {
  loadLlama,
  saveLlama,
  writeHfDirectory,
  hfConfigJson,
  TOKENIZER_FILES,
  type LoadOptions,
  type SaveOptions,
  type SaveDtype,
  type HostTensor,
} from "./hf-io.js";
export { attachLora, attachQLora, type LoraOptions, type QLoraOptions } from "./adapters/lora.js";
export { attachIa3, type Ia3Options } from "./adapters/ia3.js";
export { attachPromptTuning, type PromptTuningOptions } from "./adapters/prompt-tuning.js";
export { attachPrefixTuning, type PrefixTuningOptions } from "./adapters/prefix-tuning.js";
export {
  attachBottleneck,
  type BottleneckOptions,
  type BottleneckActivation,
} from "./adapters/bottleneck.js";
export { resolveTargets } from "./adapters/targets.js";
export {
  exportPeftAdapter,
  loadPeftAdapter,
  saveMerged,
  peftKey,
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  type PeftExportOptions,
} from "./peft-export.js";
export { generate, type GenerateOptions, type Generation } from "./generate.js";
export { sampleToken, samplingDistribution, argmax, type SamplingOptions } from "./sampling.js";
export { dropout } from "./dropout.js";
export { forwardBackward, type ForwardBackwardOptions } from "./checkpointing.js";
