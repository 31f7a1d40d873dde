/**
 * A `BatchGenerator` backed by runtime/llm's decoder: greedy by default (deterministic, what
 * evaluation wants), EOS and stop strings from the options, the model's tokenizer for text.
 */
import { generate, type GenerateOptions } from "../llm/generate.js";
import type { LlamaModel } from "../llm/model.js";
import type { BatchGenerator } from "./record-prompt.js";

export function llmGenerator(model: LlamaModel, options: GenerateOptions): BatchGenerator {
  return async (prompts) => {
    const out = await generate(model, prompts, options);
    return out.map((g) => g.text ?? "");
  };
}
