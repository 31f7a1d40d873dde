/**
 * Choosing and applying a prompt template. The compiler passes a `TemplateOption` as written in
 * the pipeline (`alpaca_zh`, `alpaca_en`, a custom Alpaca pair, `chat` for the tokenizer's own
 * chat template, or a Jinja source); plain-text records ignore templates and train on all text.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { DataRecord } from "../format/record.js";
import type { TokenizerConfig } from "../../tokenizer/tokenizer-config.js";
import {
  applyAlpacaTemplate,
  BUILTIN_ALPACA_TEMPLATES,
  checkAlpacaTemplate,
  type AlpacaTemplate,
} from "./alpaca-template.js";
import { applyChatTemplate, ChatTemplate } from "./chat-template.js";
import type { TemplatedExample } from "./segments.js";

export type TemplateOption =
  | "alpaca_zh"
  | "alpaca_en"
  /** The tokenizer's chat template (tokenizer_config.json). */
  | "chat"
  | { alpaca: AlpacaTemplate }
  /** A Jinja chat template given inline; `name` picks a named template of the tokenizer instead. */
  | { chat: string }
  | { chatName: string };

export type ResolvedTemplate =
  { kind: "alpaca"; alpaca: AlpacaTemplate } | { kind: "chat"; chat: ChatTemplate };

export function resolveTemplate(
  option: TemplateOption,
  config?: TokenizerConfig,
): ResolvedTemplate {
  if (option === "alpaca_zh" || option === "alpaca_en")
    return { kind: "alpaca", alpaca: BUILTIN_ALPACA_TEMPLATES[option] };
  if (option === "chat" || (typeof option === "object" && "chatName" in option)) {
    if (!config)
      throw new PipeError("PW6202", "a chat template needs the model's tokenizer_config.json");
    return {
      kind: "chat",
      chat: ChatTemplate.fromConfig(config, option === "chat" ? undefined : option.chatName),
    };
  }
  if ("alpaca" in option) {
    checkAlpacaTemplate(option.alpaca);
    return { kind: "alpaca", alpaca: option.alpaca };
  }
  return {
    kind: "chat",
    chat: new ChatTemplate(option.chat, {
      specialTokens: config
        ? {
            bos_token: config.bosToken,
            eos_token: config.eosToken,
            pad_token: config.padToken,
            unk_token: config.unkToken,
          }
        : {},
    }),
  };
}

export function applyTemplate(record: DataRecord, template: ResolvedTemplate): TemplatedExample {
  if (record.kind === "text") {
    return {
      segments: [{ text: record.text, train: true }],
      source: record.source,
      appendEos: true,
    };
  }
  return template.kind === "alpaca"
    ? applyAlpacaTemplate(record, template.alpaca)
    : applyChatTemplate(record, template.chat);
}
