/**
 * tokenizer_config.json (Hugging Face transformers): the special tokens by role, whether BOS/EOS
 * are added, and the chat template. Token entries are either strings or AddedToken objects
 * (`{ "content": "<s>", ... }`). `chat_template` is a string or a list of named templates; newer
 * exports keep it in a separate `chat_template.jinja` beside the config.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export interface TokenizerConfig {
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  unkToken?: string;
  addBosToken?: boolean;
  addEosToken?: boolean;
  modelMaxLength?: number;
  /** The default chat template, when there is one. */
  chatTemplate?: string;
  /** Every named chat template (`default` is the plain `chat_template`). */
  chatTemplates: Record<string, string>;
  /** The raw JSON, for keys this reader does not interpret. */
  raw: Record<string, unknown>;
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") {
    return (v as { content: string }).content;
  }
  return undefined;
}

export function parseTokenizerConfig(
  raw: Record<string, unknown>,
  path = "tokenizer_config.json",
): TokenizerConfig {
  const chatTemplates: Record<string, string> = {};
  const ct = raw.chat_template;
  if (typeof ct === "string") chatTemplates.default = ct;
  else if (Array.isArray(ct)) {
    for (const entry of ct) {
      const e = entry as { name?: unknown; template?: unknown };
      if (typeof e.name === "string" && typeof e.template === "string")
        chatTemplates[e.name] = e.template;
    }
  } else if (ct !== undefined && ct !== null) {
    throw new PipeError(
      "PW6501",
      "`chat_template` must be a string or a list of { name, template }",
      { path },
    );
  }
  const maxLen = raw.model_max_length;
  return {
    bosToken: tokenText(raw.bos_token),
    eosToken: tokenText(raw.eos_token),
    padToken: tokenText(raw.pad_token),
    unkToken: tokenText(raw.unk_token),
    addBosToken: typeof raw.add_bos_token === "boolean" ? raw.add_bos_token : undefined,
    addEosToken: typeof raw.add_eos_token === "boolean" ? raw.add_eos_token : undefined,
    // transformers writes 1e30 for "no limit".
    modelMaxLength: typeof maxLen === "number" && maxLen < 1e15 ? maxLen : undefined,
    chatTemplate: chatTemplates.default ?? Object.values(chatTemplates)[0],
    chatTemplates,
    raw,
  };
}

/**
 * Reads `dir/tokenizer_config.json` (and `dir/chat_template.jinja` when the config has no
 * template). A missing config gives an empty one; a malformed one is PW6501.
 */
export function readTokenizerConfig(dir: string): TokenizerConfig {
  const path = join(dir, "tokenizer_config.json");
  let raw: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error("the top level is not an object");
      raw = parsed as Record<string, unknown>;
    } catch (err) {
      throw new PipeError(
        "PW6501",
        `tokenizer_config.json is not valid: ${(err as Error).message}`,
        { path },
      );
    }
  }
  const config = parseTokenizerConfig(raw, path);
  const jinjaPath = join(dir, "chat_template.jinja");
  if (!config.chatTemplate && existsSync(jinjaPath)) {
    config.chatTemplate = readFileSync(jinjaPath, "utf8");
    config.chatTemplates.default = config.chatTemplate;
  }
  return config;
}
