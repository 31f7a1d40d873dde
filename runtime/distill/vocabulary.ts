/**
 * Logit distillation compares teacher and student distributions token id by token id, so both
 * must use one vocabulary: the same size and, when tokenizers are known, the same token at
 * every id. Anything else is refused with PW8006 before training starts.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { CausalLM } from "../train/causal-lm.js";

/** What the check reads from a tokenizer (runtime/tokenizer's `Tokenizer` has it). */
export interface VocabularyView {
  readonly vocabSize?: number;
  idToToken(id: number): string | undefined;
}

function vocabMismatch(detail: string): PipeError {
  return new PipeError(
    "PW8006",
    `teacher and student do not share a vocabulary: ${detail}`,
    {},
    "logit distillation needs one tokenizer for both models; use simplified distillation (teacher_answers) across vocabularies",
  );
}

export function checkSharedVocabulary(
  teacher: CausalLM,
  student: CausalLM,
  tokenizers: { teacher?: VocabularyView; student?: VocabularyView } = {},
): void {
  const tv = teacher.arch?.vocabSize;
  const sv = student.arch?.vocabSize;
  if (tv !== undefined && sv !== undefined && tv !== sv) {
    throw vocabMismatch(`the teacher has ${tv} tokens, the student ${sv}`);
  }
  const { teacher: tt, student: st } = tokenizers;
  if (!tt || !st) return;
  const n = Math.max(tv ?? 0, sv ?? 0, tt.vocabSize ?? 0, st.vocabSize ?? 0);
  for (let id = 0; id < n; id++) {
    const a = tt.idToToken(id);
    const b = st.idToToken(id);
    if (a !== b) {
      throw vocabMismatch(
        `token id ${id} is ${JSON.stringify(a ?? null)} for the teacher and ${JSON.stringify(b ?? null)} for the student`,
      );
    }
  }
}

/** The runtime check on logits (models without `arch`): the last dimensions must agree. */
export function checkLogitWidths(teacherVocab: number, studentVocab: number): void {
  if (teacherVocab !== studentVocab) {
    throw vocabMismatch(
      `the teacher's logits have ${teacherVocab} entries, the student's ${studentVocab}`,
    );
  }
}
