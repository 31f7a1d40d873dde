/**
 * The prompts of `pipe generate`: `--prompt` texts and the rows of a `--prompts` file, as data
 * records so the data layer's templates (runtime/data/template) render them exactly as training
 * rendered the model's data.
 *
 * A prompts file row is a string (an instruction), or an object with `instruction` (+ `input`),
 * `prompt`, `messages` (`role`/`content`), `conversations` (ShareGPT `from`/`value`), or `text`
 * (raw text, never templated). `id` is kept for the JSON output. Answers in the rows (`output`,
 * assistant turns) are ignored: generation starts where the answer would. A file that is not
 * .jsonl/.json/.csv is read as one instruction per non-empty line.
 */
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { ChatMessage, ChatRole, DataRecord } from "../../runtime/data/format/record.js";
import { readAllRows } from "../../runtime/data/read/read-rows.js";
import { readLines } from "../../runtime/data/read/jsonl-reader.js";
import { readTextChunks } from "../../runtime/data/read/text-chunks.js";
import type { ResolvedTemplate } from "../../runtime/data/template/apply-template.js";
import { recordPrompt } from "../../runtime/llm-eval/record-prompt.js";

export interface PromptItem {
  record: DataRecord;
  id?: string | number;
}

/** The prompts file cannot be used: missing, or rows that are not prompts (every one listed). */
export class PromptInputError extends Error {
  constructor(readonly errors: PipeError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "PromptInputError";
  }
}

const STRUCTURED = new Set([".jsonl", ".ndjson", ".json", ".csv", ".tsv"]);

const ROLES: Record<string, ChatRole> = {
  system: "system",
  user: "user",
  human: "user",
  assistant: "assistant",
  gpt: "assistant",
  bot: "assistant",
};

function instruction(text: string, path: string, line: number, input = ""): DataRecord {
  return {
    kind: "instruction",
    instruction: text,
    input,
    output: "",
    source: { path, line, origin: "file" },
  };
}

/** `--prompt` values as records (`<prompt k>` is their place). */
export function promptsFromArgs(texts: readonly string[]): PromptItem[] {
  return texts.map((t, i) => ({ record: instruction(t, "--prompt", i + 1) }));
}

function messagesOf(value: unknown, sharegpt: boolean): ChatMessage[] | string {
  if (!Array.isArray(value) || value.length === 0) return "must be a non-empty list";
  const out: ChatMessage[] = [];
  for (const [k, m] of value.entries()) {
    const o = (m ?? {}) as Record<string, unknown>;
    const role = ROLES[String(sharegpt ? o.from : o.role)];
    const content = sharegpt ? o.value : o.content;
    if (!role || typeof content !== "string") {
      return `turn ${k + 1} needs ${sharegpt ? "`from` (human, gpt, system) and a string `value`" : "`role` (system, user, assistant) and a string `content`"}`;
    }
    out.push({ role, content });
  }
  return out;
}

/** One row of a prompts file → a record, or the reason it is not a prompt. */
export function rowToPrompt(value: unknown, path: string, line: number): PromptItem | string {
  if (typeof value === "string") return { record: instruction(value, path, line) };
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return "a prompt row is a string or an object";
  }
  const o = value as Record<string, unknown>;
  const id = typeof o.id === "string" || typeof o.id === "number" ? o.id : undefined;
  const withId = (record: DataRecord): PromptItem =>
    id === undefined ? { record } : { record, id };
  const source = { path, line, origin: "file" as const };
  if (typeof o.instruction === "string") {
    return withId(
      instruction(o.instruction, path, line, typeof o.input === "string" ? o.input : ""),
    );
  }
  if (typeof o.prompt === "string") return withId(instruction(o.prompt, path, line));
  for (const key of ["messages", "conversations"] as const) {
    if (o[key] === undefined) continue;
    const messages = messagesOf(o[key], key === "conversations");
    if (typeof messages === "string") return `\`${key}\` ${messages}`;
    return withId({ kind: "chat", messages, source });
  }
  if (typeof o.text === "string") return withId({ kind: "text", text: o.text, source });
  return `no prompt field (looked for instruction, prompt, messages, conversations, text; found ${Object.keys(o).join(", ") || "none"})`;
}

export async function readPromptsFile(path: string, displayPath = path): Promise<PromptItem[]> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new PromptInputError([
      new PipeError("PW6001", `cannot read ${displayPath}: no such file`, { path: displayPath }),
    ]);
  }
  const items: PromptItem[] = [];
  if (!STRUCTURED.has(extname(path).toLowerCase())) {
    for await (const { text, line } of readLines(readTextChunks(path))) {
      if (text.trim() !== "") items.push({ record: instruction(text, displayPath, line) });
    }
    return items;
  }
  const { rows, report } = await readAllRows(path, { onMalformed: "skip" });
  const errors = report.issues
    .filter((i) => i.dropsRow)
    .map(
      (i) =>
        new PipeError(i.code, i.message, {
          path: displayPath,
          line: i.place.line,
          ...(i.column ? { column: i.column } : {}),
        }),
    );
  for (const r of rows) {
    const item = rowToPrompt(r.value, displayPath, r.place.line);
    if (typeof item === "string") {
      errors.push(new PipeError("PW6101", item, { path: displayPath, line: r.place.line }));
    } else items.push(item);
  }
  if (errors.length > 0) throw new PromptInputError(errors);
  return items;
}

/** The text the model continues: templated (when a template is given) or as written. */
export function renderPrompt(record: DataRecord, template: ResolvedTemplate | undefined): string {
  if (record.kind === "text") return record.text;
  return recordPrompt(record, template);
}
