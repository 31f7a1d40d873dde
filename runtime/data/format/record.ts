/**
 * The internal record: what every dataset format is normalised to. Records remember their
 * origin (file and line, or the hook that made them) so that every later decision — cleaning,
 * de-duplication, truncation — can name the row it is about.
 */
import type { RowPlace } from "../read/row.js";

export type DatasetFormat = "alpaca" | "sharegpt" | "preference" | "text";
export const DATASET_FORMATS: readonly DatasetFormat[] = [
  "alpaca",
  "sharegpt",
  "preference",
  "text",
];

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export type RecordOrigin = "file" | "synthetic" | "augmented";

export interface RecordSource extends RowPlace {
  origin: RecordOrigin;
}

export interface InstructionRecord {
  kind: "instruction";
  instruction: string;
  /** "" when the row has no input. */
  input: string;
  output: string;
  source: RecordSource;
}

export interface ChatRecord {
  kind: "chat";
  /** Optional system message first, then user/assistant turns; at least one assistant turn. */
  messages: ChatMessage[];
  source: RecordSource;
}

export interface PreferenceRecord {
  kind: "preference";
  prompt: string;
  chosen: string;
  rejected: string;
  source: RecordSource;
}

export interface TextRecord {
  kind: "text";
  text: string;
  source: RecordSource;
}

export type DataRecord = InstructionRecord | ChatRecord | PreferenceRecord | TextRecord;

/** The record kind each dataset format produces. */
export const RECORD_KIND: Record<DatasetFormat, DataRecord["kind"]> = {
  alpaca: "instruction",
  sharegpt: "chat",
  preference: "preference",
  text: "text",
};

/**
 * Field names a rule or a de-duplication key can use, per record kind. Chat records expose
 * derived fields: `system`, `user` / `assistant` (their turns joined by newlines), `conversation`
 * (every turn), and `instruction` / `output` as aliases of the first user and first assistant
 * turn, so `require instruction.length >= 5` also reads naturally for conversations.
 */
export const RECORD_FIELDS: Record<DataRecord["kind"], readonly string[]> = {
  instruction: ["instruction", "input", "output"],
  chat: ["system", "user", "assistant", "conversation", "instruction", "output"],
  preference: ["prompt", "chosen", "rejected", "instruction"],
  text: ["text"],
};

/** The value of a (possibly derived) text field, or undefined when the kind has no such field. */
export function recordField(record: DataRecord, field: string): string | undefined {
  switch (record.kind) {
    case "instruction":
      if (field === "instruction" || field === "input" || field === "output") return record[field];
      return undefined;
    case "preference":
      if (field === "prompt" || field === "instruction") return record.prompt;
      if (field === "chosen" || field === "rejected") return record[field];
      return undefined;
    case "text":
      return field === "text" ? record.text : undefined;
    case "chat": {
      const of = (role: ChatRole) =>
        record.messages.filter((m) => m.role === role).map((m) => m.content);
      switch (field) {
        case "system":
          return of("system").join("\n");
        case "user":
          return of("user").join("\n");
        case "assistant":
          return of("assistant").join("\n");
        case "conversation":
          return record.messages.map((m) => m.content).join("\n");
        case "instruction":
          return of("user")[0] ?? "";
        case "output":
          return of("assistant")[0] ?? "";
        default:
          return undefined;
      }
    }
  }
}

/** Every stored text of a record, in a fixed order (for normalisation and language checks). */
export function recordTexts(record: DataRecord): string[] {
  switch (record.kind) {
    case "instruction":
      return [record.instruction, record.input, record.output];
    case "chat":
      return record.messages.map((m) => m.content);
    case "preference":
      return [record.prompt, record.chosen, record.rejected];
    case "text":
      return [record.text];
  }
}

/** A copy of the record with every stored text passed through `fn`. */
export function mapRecordTexts<R extends DataRecord>(record: R, fn: (text: string) => string): R {
  switch (record.kind) {
    case "instruction":
      return {
        ...record,
        instruction: fn(record.instruction),
        input: fn(record.input),
        output: fn(record.output),
      };
    case "chat":
      return {
        ...record,
        messages: record.messages.map((m) => ({ role: m.role, content: fn(m.content) })),
      };
    case "preference":
      return {
        ...record,
        prompt: fn(record.prompt),
        chosen: fn(record.chosen),
        rejected: fn(record.rejected),
      };
    case "text":
      return { ...record, text: fn(record.text) };
  }
}
