/**
 * Trainer options, their defaults and checks, the optimiser they ask for, and the settings an
 * exact resume depends on (recorded in checkpoints and compared on resume).
 */
import { createHash } from "node:crypto";
import type { Tensor } from "../tensor/tensor.js";
import { AdamW } from "../optim/adamw.js";
import { AdamW8bit } from "../optim/adamw-8bit.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { CausalLM } from "./causal-lm.js";
import type { LmExample, LmObjectiveKind } from "./batches.js";
import type { Objective } from "./objective.js";
import type { ScheduleOptions } from "./schedule.js";
import type { EarlyStoppingOptions } from "./early-stopping.js";
import type { TrainEventListener } from "./events.js";
import type { BeforeWriteHook } from "./checkpoint.js";

export interface OptimizerOptions {
  kind?: "adamw" | "adamw8bit";
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** 8-bit AdamW: parameters smaller than this keep fp32 states (default 4096). */
  minQuantizedSize?: number;
}

export interface CheckpointOptions {
  /** The folder that holds `checkpoint-<step>` directories. */
  dir: string;
  /** Write every N optimizer steps (0: only at the end). */
  every: number;
  /** Keep the newest K (default 3; 0 keeps all). */
  keepLast?: number;
}

export interface EvaluateContext {
  model: CausalLM;
  step: number;
}

export interface TrainOptions {
  model: CausalLM;
  train: readonly LmExample[];
  /** Validation set: `val_loss` / `val_perplexity` at every evaluation. */
  val?: readonly LmExample[];
  /** `sft` (default): loss on labelled tokens; `pretrain`: on every token. */
  objective?: LmObjectiveKind;
  /** The loss of a micro-batch (default cross-entropy; distillation passes its own). */
  loss?: Objective;
  padId: number;
  /** Cut longer examples (they are normally truncated when prepared). */
  maxLength?: number;
  batchSize: number;
  gradAccum?: number;
  /** Epochs (default 1 unless maxSteps is given); training ends at whichever limit comes first. */
  epochs?: number;
  maxSteps?: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  seed: number;
  optimizer: OptimizerOptions;
  schedule?: ScheduleOptions;
  /** Clip the global gradient norm to this (0 or absent: no clipping). */
  maxGradNorm?: number;
  /**
   * Recompute each decoder layer in the backward instead of keeping its activations (less
   * memory, one more forward per step). Needs a model with `forwardBackward` and an objective
   * with `lossFromLogits`; otherwise a notice says it is off.
   */
  gradientCheckpointing?: boolean;
  /** `f16`: mixed precision where the backend and the model support it (see README). */
  mixedPrecision?: "no" | "f16";
  /** Log every N steps (default 10) through `onEvent` and the metrics file. */
  logEvery?: number;
  onEvent?: TrainEventListener;
  /** JSONL file the events are appended to. */
  metricsFile?: string;
  /** Evaluate every N steps (0 or absent: at the end only, when there is something to evaluate). */
  evalEvery?: number;
  evalBatchSize?: number;
  /** Extra metrics at each evaluation (e.g. the llm-eval runner); merged with val_loss. */
  evaluate?: (ctx: EvaluateContext) => Promise<Record<string, number>>;
  earlyStopping?: EarlyStoppingOptions;
  checkpoint?: CheckpointOptions;
  /** The pipeline/stage fingerprint written into checkpoints and checked on resume. */
  fingerprint?: string;
  /** Continue from the newest checkpoint in `checkpoint.dir` (true) or from this directory. */
  resume?: boolean | string;
  /** Stop (as if interrupted) once this many steps are done; the caller resumes later. */
  haltAfterStep?: number;
  /** Polled after every step; true stops the run as interrupted (e.g. on SIGINT). */
  shouldStop?: () => boolean;
  /** Test hook: simulate a crash while a checkpoint is being written. */
  beforeCheckpointWrite?: BeforeWriteHook;
}

const positiveInt = (name: string, v: number | undefined) => {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
    throw new Error(`${name} must be a positive integer, got ${v}`);
  }
};

/** Programming/configuration errors the compiler should have caught: plain Errors. */
export function checkTrainOptions(o: TrainOptions): void {
  positiveInt("batch size", o.batchSize);
  positiveInt("grad_accum", o.gradAccum);
  positiveInt("epochs", o.epochs);
  positiveInt("max_steps", o.maxSteps);
  positiveInt("log_every", o.logEvery);
  if (o.evalEvery) positiveInt("eval every", o.evalEvery);
  if (!(o.optimizer.lr >= 0)) throw new Error(`learning rate must be ≥ 0, got ${o.optimizer.lr}`);
  if (o.earlyStopping) {
    positiveInt("patience", o.earlyStopping.patience);
    if (!o.val && !o.evaluate) {
      throw new Error("early stopping needs an evaluation: give a validation set or `evaluate`");
    }
  }
  if (o.checkpoint) {
    if (!Number.isInteger(o.checkpoint.every) || o.checkpoint.every < 0) {
      throw new Error(`checkpoint every must be a non-negative integer, got ${o.checkpoint.every}`);
    }
  }
  if (o.resume && !o.checkpoint && typeof o.resume !== "string") {
    throw new Error("resume needs a checkpoint folder (checkpoint.dir) or a checkpoint path");
  }
}

export function createOptimizer(options: OptimizerOptions, params: readonly Tensor[]): Optimizer {
  const common = {
    lr: options.lr,
    ...(options.betas ? { betas: options.betas } : {}),
    ...(options.eps !== undefined ? { eps: options.eps } : {}),
    ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
  };
  return (options.kind ?? "adamw") === "adamw8bit"
    ? new AdamW8bit(params, {
        ...common,
        ...(options.minQuantizedSize !== undefined
          ? { minQuantizedSize: options.minQuantizedSize }
          : {}),
      })
    : new AdamW(params, common);
}

/**
 * sha256 of the training examples (ids and labels, in order; packed rows add their position and
 * segment ids, so unpacked data keeps the fingerprint it always had).
 */
export function dataFingerprint(examples: readonly LmExample[]): string {
  const h = createHash("sha256");
  for (const e of examples) {
    h.update(Int32Array.from(e.inputIds));
    h.update("|");
    if (e.labels) h.update(Int32Array.from(e.labels));
    if (e.positionIds) h.update("|p").update(Int32Array.from(e.positionIds));
    if (e.segmentIds) h.update("|s").update(Int32Array.from(e.segmentIds));
    h.update("\n");
  }
  return h.digest("hex");
}

/** Everything the weights of step N depend on besides the code itself. */
export function resumeSettings(
  o: TrainOptions,
  parameters: ReadonlyMap<string, Tensor>,
  totalSteps: number,
): Record<string, unknown> {
  return {
    objective: o.objective ?? "sft",
    loss: { name: o.loss?.name ?? "cross_entropy", ...(o.loss?.settings() ?? {}) },
    padId: o.padId,
    maxLength: o.maxLength ?? null,
    batchSize: o.batchSize,
    gradAccum: o.gradAccum ?? 1,
    totalSteps,
    shuffle: o.shuffle ?? true,
    seed: o.seed,
    optimizer: { ...o.optimizer, kind: o.optimizer.kind ?? "adamw" },
    schedule: o.schedule ?? { kind: "linear" },
    maxGradNorm: o.maxGradNorm ?? 0,
    data: dataFingerprint(o.train),
    parameters: [...parameters].map(([name, t]) => `${name}[${t.shape.join(",")}]`),
  };
}
