/** Distillation (seed chapter 3.1): logit KD with a frozen teacher, and teacher answers as SFT data. */
export { kdObjective, type KdOptions } from "./kd-objective.js";
export { distillCausalLM, type DistillOptions } from "./distill.js";
export { checkSharedVocabulary, checkLogitWidths, type VocabularyView } from "./vocabulary.js";
export {
  teacherAnswers,
  teacherPrompt,
  type BatchGenerator,
  type TeacherAnswers,
  type TeacherAnswersOptions,
} from "./teacher-answers.js";
