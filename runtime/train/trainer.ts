/**
 * The causal-LM training loop (SFT and pre-training; distillation plugs in its objective).
 *
 * One optimizer step = up to `gradAccum` micro-batches. Each micro-batch's loss is its mean
 * over its loss tokens, weighted by (its loss tokens / the step's loss tokens) before
 * backward, so the step's gradient is that of Σ token losses / all loss tokens of the step —
 * the per-token normalisation across accumulation that Hugging Face adopted in 2024, not a
 * mean of micro-batch means. Then: optional global-norm clipping (folded into the optimiser's
 * `gradScale`), the update, the schedule's next lr.
 *
 * Exact resume: the weights after step N depend on the parameters, the optimiser state, the
 * data position (the order is a function of seed and epoch), the model's random streams
 * (dropout) and the schedule (a function of the step). Checkpoints store all of them; GPU
 * kernels are deterministic (no atomics), so a resumed run computes the same bits.
 */
import type { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/scope.js";
import { noGrad } from "../autograd/grad-mode.js";
import { add } from "../ops/elementwise.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { modelBackend } from "./causal-lm.js";
import {
  epochOrder,
  microBatchesPerEpoch,
  stepMicroBatches,
  stepsPerEpoch,
  type DataPosition,
} from "./batches.js";
import { crossEntropyObjective } from "./objective.js";
import { accumulateStepGradients, canCheckpoint } from "./step-gradients.js";
import { learningRate, resolveSchedule } from "./schedule.js";
import { clipFactor, globalGradNorm } from "./grad-clip.js";
import { evaluateLoss } from "./evaluate-loss.js";
import {
  initialEarlyStopping,
  updateEarlyStopping,
  type EarlyStoppingState,
} from "./early-stopping.js";
import { MetricsLog, type TrainEvent } from "./events.js";
import { settleQuietly } from "./gpu-wait.js";
import {
  checkCompatible,
  latestCheckpoint,
  readTrainCheckpoint,
  writeTrainCheckpoint,
  type TrainerState,
} from "./checkpoint.js";
import {
  checkTrainOptions,
  createOptimizer,
  resumeSettings,
  type TrainOptions,
} from "./options.js";

export interface TrainResult {
  /** Optimizer steps completed (in total, across resumes). */
  step: number;
  totalSteps: number;
  /** Fractional epochs completed. */
  epoch: number;
  stopReason: "completed" | "early_stop" | "halted";
  /** The mean training loss of the last logged window. */
  lastLoss: number | null;
  lastEval: Record<string, number> | null;
  /** Every evaluation of this session, in order. */
  evaluations: { step: number; metrics: Record<string, number> }[];
  best: { metric: string; value: number; step: number } | null;
  /** The newest checkpoint written (or resumed from). */
  checkpoint: string | null;
  resumedFrom: string | null;
}

/** Accumulates step losses on the device between two log events. */
class LossWindow {
  loss: Tensor | null = null;
  parts = new Map<string, Tensor>();
  steps = 0;
  tokens = 0;
  started = performance.now();

  /** Takes ownership of the scalars. */
  add(loss: Tensor, parts: Record<string, Tensor>): void {
    this.loss = accumulate(this.loss, loss);
    for (const [k, v] of Object.entries(parts))
      this.parts.set(k, accumulate(this.parts.get(k) ?? null, v));
  }

  async read(): Promise<{ loss: number; parts: Record<string, number> } | null> {
    if (!this.loss || this.steps === 0) return null;
    await settleQuietly(this.loss.backend);
    const loss = (await this.loss.item()) / this.steps;
    const parts: Record<string, number> = {};
    for (const [k, v] of this.parts) parts[k] = (await v.item()) / this.steps;
    return { loss, parts };
  }

  reset(): void {
    this.loss?.dispose();
    for (const v of this.parts.values()) v.dispose();
    this.loss = null;
    this.parts.clear();
    this.steps = 0;
    this.tokens = 0;
    this.started = performance.now();
  }
}

function accumulate(acc: Tensor | null, x: Tensor): Tensor {
  if (!acc) return keep(x);
  const next = noGrad(() => add(acc, x));
  acc.dispose();
  x.dispose();
  return keep(next);
}

/** AdamW and AdamW8bit scale gradients inside their update (clipping without a pass). */
function setGradScale(optimizer: object, value: number): void {
  if ("gradScale" in optimizer) (optimizer as { gradScale: number }).gradScale = value;
  else if (value !== 1) throw new Error("this optimizer cannot clip gradients (no gradScale)");
}

export async function trainCausalLM(o: TrainOptions): Promise<TrainResult> {
  checkTrainOptions(o);
  const { model } = o;
  const backend = modelBackend(model);
  const objective = o.loss ?? crossEntropyObjective;
  const objectiveKind = o.objective ?? "sft";
  const gradAccum = o.gradAccum ?? 1;
  const logEvery = o.logEvery ?? 10;
  const named = model.trainableParameters();
  const params = [...named.values()];
  if (params.length === 0) throw new Error("the model has no trainable parameter");
  if (o.train.length === 0) {
    throw new PipeError(
      "PW8009",
      "the training set is empty",
      {},
      "check the dataset and its split",
    );
  }

  const perEpoch = stepsPerEpoch(o.train.length, o.batchSize, gradAccum);
  const microPerEpoch = microBatchesPerEpoch(o.train.length, o.batchSize);
  const epochs = o.epochs ?? (o.maxSteps ? Infinity : 1);
  const totalSteps = Math.min(o.maxSteps ?? Infinity, epochs * perEpoch);
  const schedule = resolveSchedule(o.schedule ?? { kind: "linear" }, o.optimizer.lr, totalSteps);
  const settings = resumeSettings(o, named, totalSteps);
  const fingerprint = o.fingerprint ?? "";
  const optimizer = createOptimizer(o.optimizer, params);
  const log = o.metricsFile ? new MetricsLog(o.metricsFile) : null;
  const emit = (e: TrainEvent) => {
    o.onEvent?.(e);
    log?.append(e);
  };

  let step = 0;
  let position: DataPosition = { epoch: 0, microBatch: 0 };
  let early: EarlyStoppingState = initialEarlyStopping();
  let lastEval: Record<string, number> | null = null;
  let lastCheckpoint: string | null = null;
  let resumedFrom: string | null = null;
  let finished: TrainerState["finished"] = null;

  // ---- resume ------------------------------------------------------------------------------
  if (o.resume) {
    const from = typeof o.resume === "string" ? o.resume : latestCheckpoint(o.checkpoint!.dir);
    if (from) {
      const ck = readTrainCheckpoint(from, (state) =>
        checkCompatible(from, state, fingerprint, settings),
      );
      model.loadStateDict(ck.parameters);
      optimizer.loadStateDict(ck.optimizer, { path: from });
      if (ck.state.rng.model) model.setRandomState?.(ck.state.rng.model);
      step = ck.state.step;
      position = ck.state.position;
      early = ck.state.earlyStopping;
      lastEval = ck.state.lastEval;
      lastCheckpoint = resumedFrom = from;
      finished = ck.state.finished ?? null;
      log?.truncateAfter(step);
    } else {
      log?.clear(); // what a run killed before its first checkpoint wrote
      emit({
        event: "notice",
        step: 0,
        message: "resume: no checkpoint yet, starting from the beginning",
      });
    }
  } else log?.clear(); // a fresh run: its log does not continue an earlier one

  const epochOf = (p: DataPosition) => p.epoch + p.microBatch / microPerEpoch;
  emit({
    event: "start",
    step,
    total_steps: totalSteps,
    steps_per_epoch: perEpoch,
    epochs: Number.isFinite(epochs) ? epochs : Math.ceil(totalSteps / perEpoch),
    examples: o.train.length,
    warmup_steps: schedule.warmupSteps,
    ...(resumedFrom ? { resumed_from: resumedFrom } : {}),
  });
  if (o.mixedPrecision === "f16") {
    emit({
      event: "notice",
      step,
      message: backend.supportsF16
        ? "f16 mixed precision: the model's kernels compute in f32 for now (no f16 matmul path yet); training runs in f32"
        : `f16 mixed precision: ${backend.name} has no shader-f16; training runs in f32`,
    });
  }

  const checkpointing = o.gradientCheckpointing === true && canCheckpoint(model, objective);
  if (o.gradientCheckpointing && !checkpointing) {
    emit({
      event: "notice",
      step,
      message:
        "gradient checkpointing: this model or objective cannot recompute its layers; training without it",
    });
  }

  let orderEpoch = -1;
  let order: number[] = [];
  const orderOf = (epoch: number) => {
    if (epoch !== orderEpoch) {
      order = epochOrder(o.train.length, o.seed, epoch, o.shuffle ?? true);
      orderEpoch = epoch;
    }
    return order;
  };

  const evaluations: TrainResult["evaluations"] = [];
  const runEval = async (): Promise<Record<string, number>> => {
    const metrics: Record<string, number> = {};
    if (o.val) {
      const r = await evaluateLoss(model, o.val, {
        batchSize: o.evalBatchSize ?? o.batchSize,
        padId: o.padId,
        objective: objectiveKind,
        maxLength: o.maxLength,
      });
      metrics.val_loss = r.loss;
      metrics.val_perplexity = r.perplexity;
    }
    if (o.evaluate) Object.assign(metrics, await o.evaluate({ model, step }));
    lastEval = metrics;
    evaluations.push({ step, metrics });
    emit({ event: "eval", step, epoch: epochOf(position), metrics });
    return metrics;
  };

  const saveCheckpoint = async () => {
    if (!o.checkpoint) return;
    const state: TrainerState = {
      format: "pipewright-train-checkpoint",
      version: 1,
      fingerprint,
      settings,
      step,
      position,
      rng: { seed: o.seed, model: model.randomState?.() ?? null },
      schedule: { ...schedule, lr: learningRate(schedule, step) },
      earlyStopping: early,
      lastEval,
      finished,
      parameters: [...named].map(([name, t]) => ({ name, shape: [...t.shape] })),
      optimizer: { kind: optimizer.kind, step: 0, hyper: {}, shapes: [], slots: [] },
    };
    const opt = await optimizer.stateDict();
    state.optimizer = {
      kind: opt.kind,
      step: opt.step,
      hyper: opt.hyper,
      shapes: opt.shapes,
      slots: opt.slots.map((s) => (s ? Object.keys(s) : null)),
    };
    await settleQuietly(backend);
    const parameters = await model.stateDict({ trainableOnly: true });
    lastCheckpoint = writeTrainCheckpoint(
      o.checkpoint.dir,
      { state, parameters, optimizer: opt },
      { keepLast: o.checkpoint.keepLast ?? 3, beforeWrite: o.beforeCheckpointWrite },
    );
    emit({ event: "checkpoint", step, path: lastCheckpoint });
  };

  // ---- the loop ----------------------------------------------------------------------------
  model.train?.();
  const window = new LossWindow();
  const sessionStart = performance.now();
  const sessionFirstStep = step;
  let lastLoss: number | null = null;
  let stopReason: TrainResult["stopReason"] = finished ?? "completed";
  let lastGradNorm: number | null = null;

  while (step < totalSteps && !finished) {
    const { batches, next } = stepMicroBatches(o.train, position, {
      batchSize: o.batchSize,
      gradAccum,
      padId: o.padId,
      objective: objectiveKind,
      maxLength: o.maxLength,
      orderOf,
    });
    optimizer.lr = learningRate(schedule, step);
    const stepTokens = accumulateStepGradients(
      model,
      batches,
      objective,
      backend,
      (l, p) => window.add(l, p),
      { checkpoint: checkpointing },
    );
    if (stepTokens === 0) {
      emit({
        event: "notice",
        step: step + 1,
        message: `step ${step + 1}: no loss token in its batches; no update`,
      });
    } else {
      if (o.maxGradNorm && o.maxGradNorm > 0) {
        lastGradNorm = await globalGradNorm(params);
        setGradScale(optimizer, clipFactor(lastGradNorm, o.maxGradNorm));
      }
      optimizer.step();
      setGradScale(optimizer, 1);
    }
    optimizer.zeroGrad();
    step++;
    position = next;
    window.steps++;
    window.tokens += batches.reduce((a, b) => a + b.inputTokens, 0);

    if (step % logEvery === 0 || step === totalSteps) {
      const w = await window.read();
      if (w) {
        if (!Number.isFinite(w.loss)) {
          throw new PipeError(
            "PW8010",
            `the training loss became ${w.loss} by step ${step}`,
            {},
            "lower the learning rate, enable max_grad_norm, or check the data",
          );
        }
        lastLoss = w.loss;
        const seconds = (performance.now() - window.started) / 1000;
        const perStep = (performance.now() - sessionStart) / 1000 / (step - sessionFirstStep);
        emit({
          event: "log",
          step,
          epoch: epochOf(position),
          loss: w.loss,
          lr: optimizer.lr,
          tokens_per_s: seconds > 0 ? window.tokens / seconds : 0,
          eta_s: perStep * (totalSteps - step),
          ...(lastGradNorm !== null ? { grad_norm: lastGradNorm } : {}),
          ...w.parts,
        });
      }
      window.reset();
    }

    // The last step: evaluate (unless just done) and checkpoint, marked finished, so that a
    // resume of a finished run has nothing left to do.
    const last = step >= totalSteps;
    if (last) finished = "completed";
    let stopNow = false;
    if ((o.evalEvery && step % o.evalEvery === 0) || (last && (o.val || o.evaluate))) {
      const metrics = await runEval();
      if (o.earlyStopping && updateEarlyStopping(early, o.earlyStopping, metrics, step) && !last) {
        stopNow = true;
        stopReason = finished = "early_stop";
        emit({
          event: "early_stop",
          step,
          metric: o.earlyStopping.metric ?? "val_loss",
          best: early.best ?? NaN,
          best_step: early.bestStep ?? step,
        });
      }
    }
    if (
      o.checkpoint &&
      ((o.checkpoint.every > 0 && step % o.checkpoint.every === 0) || stopNow || last)
    ) {
      await saveCheckpoint();
    }
    if (stopNow || last) break;
    if ((o.haltAfterStep !== undefined && step >= o.haltAfterStep) || o.shouldStop?.()) {
      stopReason = "halted";
      break;
    }
  }
  window.reset();
  emit({ event: "end", step, epoch: epochOf(position), reason: stopReason });
  optimizer.dispose();

  const metric = o.earlyStopping?.metric ?? "val_loss";
  return {
    step,
    totalSteps,
    epoch: epochOf(position),
    stopReason,
    lastLoss,
    lastEval,
    evaluations,
    best:
      early.best !== null && early.bestStep !== null
        ? { metric, value: early.best, step: early.bestStep }
        : null,
    checkpoint: lastCheckpoint,
    resumedFrom,
  };
}
