/**
 * Jinja chat templates (Hugging Face `chat_template`, rendered with @huggingface/jinja).
 *
 * Loss masking needs to know which characters are the assistant's. We render growing prefixes of
 * the conversation: for each assistant turn i, `render(messages[..i], add_generation_prompt)`
 * ends where the answer starts, and `render(messages[..=i])` ends where it stops (including the
 * template's end-of-turn text, which is trained so the model learns to stop). The pieces are
 * checked to be prefixes of each other and to add up to the full render; a template that is not
 * prefix-stable (one that rewrites earlier turns) is refused with PW6203 rather than mis-masked.
 */
import { Template } from "@huggingface/jinja";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { ChatMessage, DataRecord } from "../format/record.js";
import type { TokenizerConfig } from "../../tokenizer/tokenizer-config.js";
import type { Segment, TemplatedExample } from "./segments.js";

export interface ChatTemplateOptions {
  /** Special tokens the template may use (`bos_token`, `eos_token`, ...). */
  specialTokens?: {
    bos_token?: string;
    eos_token?: string;
    pad_token?: string;
    unk_token?: string;
  };
  /** More variables for the template (e.g. `tools`, `date_string`). */
  context?: Record<string, unknown>;
}

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    readonly source: string,
    readonly options: ChatTemplateOptions = {},
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new PipeError("PW6203", `the chat template does not parse: ${(err as Error).message}`);
    }
  }

  /** From a tokenizer_config.json; `name` picks one of several named templates. */
  static fromConfig(config: TokenizerConfig, name?: string): ChatTemplate {
    const source = name ? config.chatTemplates[name] : config.chatTemplate;
    if (!source) {
      throw new PipeError(
        "PW6202",
        name
          ? `tokenizer_config.json has no chat template named "${name}"`
          : "tokenizer_config.json has no `chat_template`",
        {},
        name
          ? `available: ${Object.keys(config.chatTemplates).join(", ") || "none"}`
          : "use an Alpaca template, or give a template in the pipeline",
      );
    }
    return new ChatTemplate(source, {
      specialTokens: {
        bos_token: config.bosToken,
        eos_token: config.eosToken,
        pad_token: config.padToken,
        unk_token: config.unkToken,
      },
    });
  }

  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    try {
      return this.template.render({
        ...this.options.context,
        ...this.options.specialTokens,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: addGenerationPrompt,
      });
    } catch (err) {
      throw new PipeError(
        "PW6203",
        `rendering the chat template failed: ${(err as Error).message}`,
      );
    }
  }

  /** Segments of a conversation: assistant turns are trained, everything else is context. */
  segments(messages: readonly ChatMessage[]): Segment[] {
    const segments: Segment[] = [];
    let done = "";
    const push = (text: string, train: boolean) => {
      if (text !== "") segments.push({ text, train });
    };
    for (let i = 0; i < messages.length; i++) {
      if (messages[i].role !== "assistant") continue;
      const prompt = this.render(messages.slice(0, i), true);
      const full = this.render(messages.slice(0, i + 1), false);
      if (!prompt.startsWith(done) || !full.startsWith(prompt)) {
        throw new PipeError(
          "PW6203",
          `the chat template is not prefix-stable at turn ${i + 1}: rendering more turns changes earlier text, so answers cannot be masked`,
          {},
          "use a template that renders each turn independently",
        );
      }
      push(prompt.slice(done.length), false);
      push(full.slice(prompt.length), true);
      done = full;
    }
    const all = this.render(messages, false);
    if (!all.startsWith(done)) {
      throw new PipeError(
        "PW6203",
        "the chat template is not prefix-stable: the full conversation renders differently from its turns",
      );
    }
    push(all.slice(done.length), false);
    return segments;
  }

  /** The generation prompt for a conversation whose last turn is the user's. */
  prompt(messages: readonly ChatMessage[]): string {
    return this.render(messages, true);
  }
}

/** The conversation a record stands for under a chat template. */
export function recordMessages(record: DataRecord): ChatMessage[] {
  switch (record.kind) {
    case "chat":
      return record.messages;
    case "instruction":
      return [
        {
          role: "user",
          content:
            record.input !== "" ? `${record.instruction}\n\n${record.input}` : record.instruction,
        },
        { role: "assistant", content: record.output },
      ];
    case "preference":
      return [
        { role: "user", content: record.prompt },
        { role: "assistant", content: record.chosen },
      ];
    case "text":
      throw new PipeError("PW6204", "a plain-text record has no conversation for a chat template", {
        path: record.source.path,
        line: record.source.line,
      });
  }
}

export function applyChatTemplate(record: DataRecord, template: ChatTemplate): TemplatedExample {
  return {
    segments: template.segments(recordMessages(record)),
    source: record.source,
    appendEos: false,
  };
}
