/** Causal-LM training: SFT and pre-training loop, schedules, checkpoints, exact resume. README.md. */
export { trainCausalLM, type TrainResult } from "./trainer.js";
export {
  checkTrainOptions,
  createOptimizer,
  dataFingerprint,
  type TrainOptions,
  type OptimizerOptions,
  type CheckpointOptions,
  type EvaluateContext,
} from "./options.js";
export {
  type CausalLM,
  type LmForwardOptions,
  type RngState,
  modelBackend,
  inEvalMode,
} from "./causal-lm.js";
export {
  buildMicroBatch,
  epochOrder,
  epochSeed,
  evalMicroBatches,
  stepMicroBatches,
  stepsPerEpoch,
  microBatchesPerEpoch,
  type LmExample,
  type LmObjectiveKind,
  type MicroBatch,
  type DataPosition,
} from "./batches.js";
export {
  crossEntropyObjective,
  inputIdsTensor,
  targetsTensor,
  logitRows,
  modelLogits,
  forwardOptions,
  type Objective,
  type ObjectiveOutput,
} from "./objective.js";
export { accumulateStepGradients } from "./step-gradients.js";
export {
  learningRate,
  resolveSchedule,
  scheduleFactor,
  type ScheduleKind,
  type ScheduleOptions,
  type ResolvedSchedule,
} from "./schedule.js";
export { globalGradNorm, clipFactor } from "./grad-clip.js";
export { evaluateLoss, type LossEvaluation } from "./evaluate-loss.js";
export {
  initialEarlyStopping,
  updateEarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from "./early-stopping.js";
export {
  MetricsLog,
  type TrainEvent,
  type TrainEventListener,
  type LogEvent,
  type EvalEvent,
} from "./events.js";
export {
  checkpointName,
  listCheckpoints,
  latestCheckpoint,
  readTrainCheckpoint,
  writeTrainCheckpoint,
  checkCompatible,
  TRAIN_CHECKPOINT_FORMAT,
  type TrainerState,
  type CheckpointContents,
} from "./checkpoint.js";
