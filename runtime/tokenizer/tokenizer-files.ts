/**
 * Building and writing tokenizer files in Hugging Face's layout: `tokenizer.json` (the
 * `tokenizers` serialisation, version "1.0") and `tokenizer_config.json` (transformers: roles of
 * the special tokens, BOS/EOS flags, chat template). Shared by the BPE and character trainers.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AddedToken } from "./added-vocabulary.js";

export interface SpecialRoles {
  bos?: string;
  eos?: string;
  pad?: string;
  unk?: string;
  /** Whether encode(add_special_tokens) starts sequences with BOS. Default true when bos is set. */
  addBos?: boolean;
}

export function addedTokenEntries(
  specials: readonly string[],
  idOf: (t: string) => number,
): AddedToken[] {
  return specials.map((content) => ({
    id: idOf(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
}

/** A TemplateProcessing post-processor that puts BOS before each sequence. */
export function bosTemplate(bos: string, bosId: number): Record<string, unknown> {
  return {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [
      { SpecialToken: { id: bos, type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: bos, type_id: 1 } },
      { Sequence: { id: "B", type_id: 1 } },
    ],
    special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
  };
}

export function tokenizerConfigJson(
  roles: SpecialRoles,
  extra: { chatTemplate?: string; modelMaxLength?: number } = {},
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    tokenizer_class: "PreTrainedTokenizerFast",
    add_bos_token: roles.bos !== undefined && roles.addBos !== false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: extra.modelMaxLength ?? 1e30,
  };
  if (roles.bos !== undefined) config.bos_token = roles.bos;
  if (roles.eos !== undefined) config.eos_token = roles.eos;
  if (roles.pad !== undefined) config.pad_token = roles.pad;
  if (roles.unk !== undefined) config.unk_token = roles.unk;
  if (extra.chatTemplate !== undefined) config.chat_template = extra.chatTemplate;
  return config;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, "utf8");
  await rename(tmp, path);
}

/** Writes `dir/tokenizer.json` and, when given, `dir/tokenizer_config.json`. */
export async function saveTokenizerFiles(
  dir: string,
  tokenizerJson: unknown,
  config?: Record<string, unknown>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson, null, 2) + "\n");
  if (config)
    await writeAtomic(join(dir, "tokenizer_config.json"), JSON.stringify(config, null, 2) + "\n");
}
