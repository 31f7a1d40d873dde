/**
 * Alpaca prompt templates. The Chinese one is the seed's (chapter 1.2.1, `format_alpaca_prompt`):
 *
 *   ### 指令:\n{instruction}\n\n### 输入:\n{input}\n\n### 回答:\n{output}
 *
 * and without input the `### 输入` block is left out. The English one is Stanford Alpaca's
 * PROMPT_DICT text with a newline after `### Response:`, as in alpaca-lora's templates/alpaca.json
 * (Stanford's original ends at the colon and relies on SentencePiece's leading space; with a
 * byte-level tokenizer the newline keeps the answer on its own line). The prompt is everything
 * up to and including the answer header; the answer (`output`) is the trained segment.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { DataRecord, InstructionRecord } from "../format/record.js";
import type { TemplatedExample } from "./segments.js";

export interface AlpacaTemplate {
  /** Prompt for rows with a non-empty input; placeholders {instruction} and {input}. */
  withInput: string;
  /** Prompt for rows without input; placeholder {instruction}. */
  withoutInput: string;
}

export const ALPACA_ZH: AlpacaTemplate = {
  withInput: "### 指令:\n{instruction}\n\n### 输入:\n{input}\n\n### 回答:\n",
  withoutInput: "### 指令:\n{instruction}\n\n### 回答:\n",
};

export const ALPACA_EN: AlpacaTemplate = {
  withInput:
    "Below is an instruction that describes a task, paired with an input that provides further context. " +
    "Write a response that appropriately completes the request.\n\n" +
    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n",
  withoutInput:
    "Below is an instruction that describes a task. " +
    "Write a response that appropriately completes the request.\n\n" +
    "### Instruction:\n{instruction}\n\n### Response:\n",
};

export const BUILTIN_ALPACA_TEMPLATES: Record<string, AlpacaTemplate> = {
  alpaca_zh: ALPACA_ZH,
  alpaca_en: ALPACA_EN,
};

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fails with PW6201 on placeholders other than {instruction} / {input}. */
export function checkAlpacaTemplate(t: AlpacaTemplate): void {
  for (const [which, text, allowed] of [
    ["withInput", t.withInput, ["instruction", "input"]],
    ["withoutInput", t.withoutInput, ["instruction"]],
  ] as const) {
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (!(allowed as readonly string[]).includes(m[1])) {
        throw new PipeError(
          "PW6201",
          `template (${which}) uses the unknown placeholder {${m[1]}}`,
          {},
          `use ${allowed.map((a) => `{${a}}`).join(" and ")}; the answer follows the prompt`,
        );
      }
    }
  }
}

function fill(text: string, values: Record<string, string>): string {
  // One pass, so a value that itself contains "{input}" is not substituted again.
  return text.replace(PLACEHOLDER, (all, name: string) => values[name] ?? all);
}

/** The Alpaca prompt of a record (without the answer). */
export function alpacaPrompt(
  record: Pick<InstructionRecord, "instruction" | "input">,
  t: AlpacaTemplate,
): string {
  return record.input !== ""
    ? fill(t.withInput, { instruction: record.instruction, input: record.input })
    : fill(t.withoutInput, { instruction: record.instruction });
}

/** Instruction-like view of a record for an Alpaca template (single-turn chats qualify). */
export function asInstruction(record: DataRecord): {
  instruction: string;
  input: string;
  output: string;
} {
  switch (record.kind) {
    case "instruction":
      return record;
    case "preference":
      return { instruction: record.prompt, input: "", output: record.chosen };
    case "text":
      throw new PipeError(
        "PW6204",
        "a plain-text record has no instruction/answer for an Alpaca template",
        {
          path: record.source.path,
          line: record.source.line,
        },
      );
    case "chat": {
      const turns = record.messages.filter((m) => m.role !== "system");
      if (turns.length !== 2 || turns[0].role !== "user" || turns[1].role !== "assistant") {
        throw new PipeError(
          "PW6204",
          "an Alpaca template fits single-turn rows only; this conversation has " +
            `${turns.length} turns`,
          { path: record.source.path, line: record.source.line },
          "use a chat template (jinja) for multi-turn ShareGPT data",
        );
      }
      return { instruction: turns[0].content, input: "", output: turns[1].content };
    }
  }
}

export function applyAlpacaTemplate(record: DataRecord, t: AlpacaTemplate): TemplatedExample {
  const r = asInstruction(record);
  return {
    segments: [
      { text: alpacaPrompt(r, t), train: false },
      { text: r.output, train: true },
    ],
    source: record.source,
    appendEos: true,
  };
}
