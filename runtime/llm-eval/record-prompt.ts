/**
 * The prompt a model completes for a record and the reference its completion is scored
 * against: the templated prompt (everything before the first trained segment — what the model
 * was fine-tuned to continue) when a template is given, else the instruction (and input) as
 * plain text. Shared by generation-based evaluation and simplified distillation.
 */
import type { ChatRecord, DataRecord } from "../data/format/record.js";
import { applyTemplate, type ResolvedTemplate } from "../data/template/apply-template.js";
import { promptText } from "../data/template/segments.js";

/** Batched text generation: one completion per prompt, in order. */
export type BatchGenerator = (prompts: readonly string[]) => Promise<string[]>;

export function firstAssistantTurn(r: ChatRecord): number {
  const k = r.messages.findIndex((m) => m.role === "assistant");
  return k === -1 ? r.messages.length : k;
}

function plainPrompt(r: DataRecord): string {
  switch (r.kind) {
    case "instruction":
      return r.input ? `${r.instruction}\n${r.input}` : r.instruction;
    case "preference":
      return r.prompt;
    case "chat":
      return r.messages
        .slice(0, firstAssistantTurn(r))
        .map((m) => m.content)
        .join("\n");
    case "text":
      throw new Error(
        "a prompt needs instruction, chat or preference records (plain text has none)",
      );
  }
}

/** The prompt for `record` (templated when `template` is given). */
export function recordPrompt(record: DataRecord, template?: ResolvedTemplate): string {
  if (record.kind === "text" || !template) return plainPrompt(record);
  const prompted: DataRecord =
    record.kind === "chat"
      ? {
          ...record,
          messages: [
            ...record.messages.slice(0, firstAssistantTurn(record)),
            { role: "assistant", content: "" },
          ],
        }
      : record;
  return promptText(applyTemplate(prompted, template));
}

/** The expected answer of a record (the first assistant turn; the chosen answer). */
export function recordReference(record: DataRecord): string {
  switch (record.kind) {
    case "instruction":
      return record.output;
    case "preference":
      return record.chosen;
    case "chat":
      return record.messages[firstAssistantTurn(record)]?.content ?? "";
    case "text":
      return record.text;
  }
}
