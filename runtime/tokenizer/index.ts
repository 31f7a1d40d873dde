/** The tokenizer package's public API (see README.md in this folder). */
export { Tokenizer } from "./tokenizer.js";
export type {
  DecodeOptions,
  EncodeOptions,
  SpecialToken,
  TokenizerOverrides,
} from "./tokenizer.js";
export { readTokenizerConfig, parseTokenizerConfig } from "./tokenizer-config.js";
export type { TokenizerConfig } from "./tokenizer-config.js";
export { trainBpeTokenizer } from "./bpe-trainer.js";
export type { BpeTrainerOptions } from "./bpe-trainer.js";
export { trainCharTokenizer } from "./char-tokenizer.js";
export type { CharTokenizerOptions } from "./char-tokenizer.js";
export { saveTokenizerFiles, tokenizerConfigJson } from "./tokenizer-files.js";
export type { SpecialRoles } from "./tokenizer-files.js";
export { GPT2_PATTERN, LLAMA3_PATTERN, QWEN2_PATTERN } from "./hf-regex.js";
