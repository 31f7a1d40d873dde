/**
 * Raw row → internal record. Validation against the format's schema first; a row that fails
 * becomes an issue (PW6101 schema, PW6102 conversation shape) with its place, never a record.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { excerptOf, type RawRow, type ReadIssue } from "../read/row.js";
import {
  DATASET_FORMATS,
  type ChatMessage,
  type ChatRole,
  type DataRecord,
  type DatasetFormat,
} from "./record.js";
import { validateRow } from "./schemas.js";

const ROLE_OF: Record<string, ChatRole> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  system: "system",
};

export function assertDatasetFormat(format: string): DatasetFormat {
  if ((DATASET_FORMATS as readonly string[]).includes(format)) return format as DatasetFormat;
  throw new PipeError(
    "PW6103",
    `unknown dataset format "${format}"`,
    {},
    `use one of ${DATASET_FORMATS.join(", ")}`,
  );
}

/** CSV cells are strings: a ShareGPT `conversations` cell holding JSON is decoded first. */
function coerceCells(format: DatasetFormat, value: unknown): unknown {
  if (format === "sharegpt" && value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.conversations === "string") {
      try {
        return { ...v, conversations: JSON.parse(v.conversations) };
      } catch {
        return value; // the schema reports "must be array"
      }
    }
  }
  return value;
}

export type RowResult = { ok: true; record: DataRecord } | { ok: false; issue: ReadIssue };

export function normalizeRow(format: DatasetFormat, raw: RawRow): RowResult {
  const value = coerceCells(format, raw.value);
  const source = { path: raw.place.path, line: raw.place.line, origin: "file" as const };
  const problems = validateRow(format, value);
  const fail = (code: string, reason: string, message: string): RowResult => ({
    ok: false,
    issue: {
      code,
      place: raw.place,
      row: raw.row,
      reason,
      message,
      dropsRow: true,
      excerpt: excerptOf(JSON.stringify(raw.value) ?? String(raw.value)),
    },
  });
  if (problems.length > 0) {
    const reason = problems.some((p) => p.reason === "missing_field")
      ? "missing_field"
      : "invalid_field";
    return fail("PW6101", reason, `${format} row: ${problems.map((p) => p.message).join("; ")}`);
  }
  const v = value as Record<string, unknown>;
  switch (format) {
    case "alpaca":
      return {
        ok: true,
        record: {
          kind: "instruction",
          instruction: v.instruction as string,
          input: (v.input as string | null | undefined) ?? "",
          output: v.output as string,
          source,
        },
      };
    case "text":
      return { ok: true, record: { kind: "text", text: v.text as string, source } };
    case "preference": {
      const base = (v.prompt as string | undefined) ?? (v.instruction as string);
      const input = (v.input as string | null | undefined) ?? "";
      return {
        ok: true,
        record: {
          kind: "preference",
          prompt: input ? `${base}\n\n${input}` : base,
          chosen: v.chosen as string,
          rejected: v.rejected as string,
          source,
        },
      };
    }
    case "sharegpt": {
      const turns = v.conversations as { from: string; value: string }[];
      const messages: ChatMessage[] = [];
      if (typeof v.system === "string" && v.system !== "")
        messages.push({ role: "system", content: v.system });
      for (const t of turns) messages.push({ role: ROLE_OF[t.from], content: t.value });
      const lateSystem = messages.findIndex((m, k) => m.role === "system" && k > 0);
      if (lateSystem !== -1) {
        return fail(
          "PW6102",
          "invalid_conversation",
          `sharegpt row: a system turn may only come first (turn ${lateSystem + 1})`,
        );
      }
      if (!messages.some((m) => m.role === "assistant")) {
        return fail(
          "PW6102",
          "invalid_conversation",
          "sharegpt row: the conversation has no gpt/assistant turn to learn from",
        );
      }
      return { ok: true, record: { kind: "chat", messages, source } };
    }
  }
}
