/** LLM evaluation (seed chapter 2.2): perplexity, generation metrics, judge, multiple choice, gates. */
export { evaluateLlm, evalJson, type LlmEvalOptions, type LlmEvalReport } from "./runner.js";
export { evaluatePerplexity, type PerplexityReport } from "./perplexity.js";
export { sequenceLogLikelihoods, type SequenceScore } from "./log-likelihood.js";
export {
  choicePrompt,
  letterLogLikelihoods,
  toChoiceItem,
  type ChoiceItem,
  type ChoicePromptStyle,
} from "./multiple-choice.js";
export { judgePrompt, judgeReplies, type JudgeItem } from "./judge.js";
export {
  assertGates,
  conditionText,
  evaluateGates,
  validateGate,
  type GateCondition,
  type GateOperand,
  type GateReport,
  type GateFailure,
  type MetricValues,
} from "./gates.js";
export { recordPrompt, recordReference, type BatchGenerator } from "./record-prompt.js";
export { llmGenerator } from "./llm-generator.js";
