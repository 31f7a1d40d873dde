/**
 * Simplified distillation (seed 3.1.3, `SimplifiedDistillation`): the teacher answers the
 * prompts of a dataset and its answers become the student's SFT records. Generation is the
 * caller's (`generate`, backed by runtime/llm's decoder), so this module is model-agnostic.
 *
 * The prompt the teacher sees is the templated prompt (what it was fine-tuned on) when a
 * template is given, else the instruction (and input) as plain text. Records keep their
 * source row with origin `synthetic`; empty answers are dropped and reported by row.
 */
import type { DataRecord, InstructionRecord } from "../data/format/record.js";
import type { ResolvedTemplate } from "../data/template/apply-template.js";
import { formatPlace } from "../data/read/row.js";
import {
  firstAssistantTurn,
  recordPrompt,
  type BatchGenerator,
} from "../llm-eval/record-prompt.js";

export type { BatchGenerator };

export interface TeacherAnswersOptions {
  template?: ResolvedTemplate;
  /** Prompts per `generate` call (default 8). */
  batchSize?: number;
  /** Called after each batch with (done, total) — progress without a terminal. */
  onProgress?: (done: number, total: number) => void;
}

export interface TeacherAnswers {
  records: DataRecord[];
  /** Rows whose answer was empty (after trimming). */
  dropped: { place: string; reason: "empty_answer" }[];
}

/** The prompt the teacher is asked to complete for `record`. */
export const teacherPrompt = recordPrompt;

function withAnswer(record: DataRecord, answer: string): DataRecord {
  const source = { ...record.source, origin: "synthetic" as const };
  switch (record.kind) {
    case "instruction":
      return { ...record, output: answer, source } satisfies InstructionRecord;
    case "preference":
      return { kind: "instruction", instruction: record.prompt, input: "", output: answer, source };
    case "chat":
      return {
        kind: "chat",
        messages: [
          ...record.messages.slice(0, firstAssistantTurn(record)),
          { role: "assistant", content: answer },
        ],
        source,
      };
    case "text":
      throw new Error("unreachable");
  }
}

export async function teacherAnswers(
  records: readonly DataRecord[],
  generate: BatchGenerator,
  options: TeacherAnswersOptions = {},
): Promise<TeacherAnswers> {
  const batchSize = options.batchSize ?? 8;
  const prompts = records.map((r) => teacherPrompt(r, options.template));
  const out: TeacherAnswers = { records: [], dropped: [] };
  for (let i = 0; i < records.length; i += batchSize) {
    const chunk = prompts.slice(i, i + batchSize);
    const answers = await generate(chunk);
    if (answers.length !== chunk.length) {
      throw new Error(`generate returned ${answers.length} answers for ${chunk.length} prompts`);
    }
    answers.forEach((a, j) => {
      const record = records[i + j];
      const answer = a.trim();
      if (!answer) out.dropped.push({ place: formatPlace(record.source), reason: "empty_answer" });
      else out.records.push(withAnswer(record, answer));
    });
    options.onProgress?.(Math.min(i + batchSize, records.length), records.length);
  }
  return out;
}
