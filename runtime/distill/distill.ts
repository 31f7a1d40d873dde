/**
 * Logit distillation = the causal-LM trainer with the KD objective: the student's trainable
 * parameters are optimised, the teacher stays frozen. Everything else (batching, accumulation,
 * schedules, evaluation on hard labels, early stopping, checkpoints, exact resume) is the
 * trainer's. Log events carry `loss` (total), `hard_loss` and `soft_loss`.
 */
import { trainCausalLM, type TrainResult } from "../train/trainer.js";
import type { TrainOptions } from "../train/options.js";
import type { CausalLM } from "../train/causal-lm.js";
import { kdObjective } from "./kd-objective.js";
import { checkSharedVocabulary, type VocabularyView } from "./vocabulary.js";

export interface DistillOptions extends Omit<TrainOptions, "model" | "loss"> {
  teacher: CausalLM;
  student: CausalLM;
  temperature: number;
  alpha: number;
  /** When known, the tokenizers are compared id by id (PW8006 on a difference). */
  tokenizers?: { teacher?: VocabularyView; student?: VocabularyView };
}

export async function distillCausalLM(options: DistillOptions): Promise<TrainResult> {
  const { teacher, student, temperature, alpha, tokenizers, ...rest } = options;
  checkSharedVocabulary(teacher, student, tokenizers);
  const studentParams = new Set(student.trainableParameters().values());
  for (const p of teacher.trainableParameters().values()) {
    if (studentParams.has(p))
      throw new Error("the teacher shares a trainable parameter with the student");
  }
  return trainCausalLM({
    ...rest,
    model: student,
    loss: kdObjective({ teacher, temperature, alpha }),
  });
}
