/**
 * LLM training handlers: train (SFT or pre-training), distill (logit KD from a frozen teacher)
 * and teacher-generate (the teacher answers prompts; the answers become SFT records). They run
 * runtime/train's loop with the stage's settings: progress bars from its log events, a JSONL
 * metrics log under `<output>/logs/`, checkpoints under `<output>/checkpoints/<stage>/` that
 * `--resume` continues from. A trained model is cached as its trained weights.
 */
import { join } from "node:path";
import type { IrNodeOf } from "../../../compiler/ir/schema.js";
import type {
  TrainSettings,
  DistillSettings,
  TeacherGenerateSettings,
} from "../../../compiler/ir/schema-settings.js";
import type { Static } from "@sinclair/typebox";
import { addDrop, emptyCleanReport } from "../../data/clean/clean-report.js";
import { resolveTemplate } from "../../data/template/apply-template.js";
import type { LmExample } from "../../train/batches.js";
import type { TrainOptions } from "../../train/options.js";
import type { TrainResult } from "../../train/trainer.js";
import type { TrainEvent } from "../../train/events.js";
import { readTokenizerConfig } from "../../tokenizer/tokenizer-config.js";
import { interruptedError } from "../context.js";
import { datasetCodec } from "./data.js";
import { isTokenizedValue, templateOption, type TokenizedValue } from "./tokenize.js";
import {
  loadWeights,
  modelInput,
  saveWeights,
  withWeights,
  type LlmModelValue,
} from "../llm/model-value.js";
import { readJson, writeJson, type DatasetValue } from "../dataset-value.js";
import type { CacheCodec, Handler, HandlerContext, HandlerOutcome } from "../types.js";
import { MAX_EXAMPLES } from "../clean/run-clean.js";
import { safeName } from "../names.js";

type Training = Static<typeof TrainSettings> | Static<typeof DistillSettings>;

async function tokenizedInput(ctx: HandlerContext, port: string): Promise<TokenizedValue> {
  const v = await ctx.input<unknown>(port);
  if (!isTokenizedValue(v))
    throw new Error(`${ctx.node.id}: input \`${port}\` is not tokenized data`);
  return v;
}

/**
 * The trainer's examples. Packed sequences keep their position and segment ids, so each
 * example attends only to itself with RoPE positions from 0, as if it were trained alone.
 */
function examples(t: TokenizedValue): LmExample[] {
  if (t.packed)
    return t.packed.map((p) => ({
      inputIds: p.inputIds,
      labels: p.labels,
      positionIds: p.positionIds,
      segmentIds: p.segmentIds,
    }));
  return t.examples.map((e) => ({ inputIds: e.inputIds, labels: e.labels }));
}

/**
 * Prompt and prefix tuning put virtual tokens in front of a row, which packed examples cannot
 * share: such a model trains on packed rows as plain sequences (examples see earlier ones), as
 * before segment masking existed, and the run says so.
 */
function packingFor<T extends { train: readonly LmExample[]; val?: readonly LmExample[] }>(
  ctx: HandlerContext,
  model: { promptAdapter: { kind: string } | null },
  options: T,
): T {
  const pa = model.promptAdapter;
  const strip = (rows: readonly LmExample[]) =>
    rows.map((r) => ({ inputIds: r.inputIds, ...(r.labels ? { labels: r.labels } : {}) }));
  if (!pa || !options.train.concat(options.val ?? []).some((r) => r.segmentIds)) return options;
  ctx.warn(
    `${pa.kind} cannot keep packed examples apart (its virtual tokens sit in front of the whole row): packed examples attend to the examples before them in their row`,
  );
  return {
    ...options,
    train: strip(options.train),
    ...(options.val ? { val: strip(options.val) } : {}),
  };
}

/** The IR's training settings as the trainer's options (model and loss left to the caller). */
export function trainerOptions(
  ctx: HandlerContext,
  s: Training,
  data: TokenizedValue,
  val: TokenizedValue | undefined,
  padId: number,
): Omit<TrainOptions, "model"> {
  const o = s.optimizer;
  const lr = o.lr ?? ("lr0" in o ? o.lr0 : undefined) ?? 1e-3;
  let total: number | undefined;
  const onEvent = (e: TrainEvent) => {
    switch (e.event) {
      case "start":
        total = e.total_steps;
        if (e.resumed_from)
          ctx.log(`resumed from ${ctx.paths.display(e.resumed_from)} at step ${e.step}`);
        break;
      case "log": {
        const values: Record<string, number> = { lr: e.lr };
        // Distillation's `log: [total_loss, hard_loss, soft_loss]` picks the parts shown.
        const shown = "log" in s ? new Set<string>(s.log) : undefined;
        for (const [k, v] of Object.entries(e))
          if (k.endsWith("_loss") && typeof v === "number" && (!shown || shown.has(k)))
            values[k] = v;
        ctx.progress({
          step: e.step,
          total,
          loss: e.loss,
          rate: e.tokens_per_s,
          unit: "tokens",
          eta: e.eta_s,
          values,
        });
        break;
      }
      case "eval":
        ctx.log(
          `step ${e.step}: ${Object.entries(e.metrics)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join(", ")}`,
        );
        break;
      case "early_stop":
        ctx.log(
          `early stop at step ${e.step}: best ${e.metric} ${e.best.toFixed(4)} at step ${e.best_step}`,
        );
        break;
      case "notice":
        ctx.warn(e.message);
        break;
      default:
        break;
    }
  };
  return {
    train: examples(data),
    ...(val ? { val: examples(val) } : {}),
    objective: "mode" in s && s.mode === "pretrain" ? "pretrain" : "sft",
    padId,
    maxLength: s.seq_len ?? data.maxLength,
    batchSize: s.batch,
    gradAccum: s.grad_accum,
    ...(s.epochs !== undefined ? { epochs: s.epochs } : {}),
    ...(s.max_steps !== undefined ? { maxSteps: s.max_steps } : {}),
    seed: s.seed,
    optimizer: {
      kind: o.kind,
      lr,
      betas: [o.betas[0], o.betas[1]],
      eps: o.eps,
      weightDecay: o.weight_decay,
    },
    schedule: {
      kind: s.schedule.kind,
      ...(s.schedule.warmup !== undefined ? { warmupSteps: s.schedule.warmup } : {}),
      ...(s.schedule.warmup_ratio !== undefined ? { warmupRatio: s.schedule.warmup_ratio } : {}),
      minLrRatio: s.schedule.min_lr_ratio,
    },
    maxGradNorm: o.max_grad_norm,
    mixedPrecision: s.precision === "f16" ? "f16" : "no",
    gradientCheckpointing: s.gradient_checkpointing,
    logEvery: s.log_every,
    onEvent,
    metricsFile: join(ctx.paths.outputDir, "logs", `${safeName(ctx.node.stage)}.jsonl`),
    ...(s.eval ? { evalEvery: s.eval.every } : {}),
    ...(s.early_stopping
      ? {
          earlyStopping: {
            metric: s.early_stopping.metric,
            patience: s.early_stopping.patience,
            mode: s.early_stopping.mode,
          },
        }
      : {}),
    checkpoint: {
      dir: join(ctx.paths.outputDir, "checkpoints", safeName(ctx.node.stage)),
      every: s.checkpoint_every ?? 0,
      keepLast: s.keep_checkpoints,
    },
    fingerprint: ctx.hash,
    resume: ctx.resume,
    shouldStop: () => ctx.signal.aborted,
  };
}

function resultNotes(r: TrainResult): string[] {
  const evalText = r.lastEval
    ? `; ${Object.entries(r.lastEval)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(", ")}`
    : "";
  return [
    `${r.step}/${r.totalSteps} steps (${r.epoch.toFixed(2)} epochs), loss ${r.lastLoss?.toFixed(4) ?? "—"}${evalText}` +
      (r.stopReason === "early_stop" ? " — stopped early" : ""),
  ];
}

/** Trained weights in the entry; the base comes from the node's `model` (or `student`) input. */
const trainedCodec = (port: string): CacheCodec => ({
  async save(v, dir) {
    const m = v.value as LlmModelValue;
    if (!m.weights) throw new Error("a trained model without weights");
    saveWeights(dir, m.weights);
    await writeJson(join(dir, "trained.json"), { stage: m.stage });
  },
  async load(dir, node, ctx) {
    const meta = await readJson<{ stage: string }>(join(dir, "trained.json"));
    const base = await modelInput(ctx, port);
    return { value: withWeights(base, loadWeights(dir), meta.stage), outputs: {} };
  },
});

async function finish(
  ctx: HandlerContext,
  base: LlmModelValue,
  model: Awaited<ReturnType<LlmModelValue["make"]>>,
  result: TrainResult,
): Promise<HandlerOutcome> {
  if (result.stopReason === "halted") {
    model.dispose();
    throw interruptedError(
      `training \`${ctx.node.stage}\` (step ${result.step}; the last checkpoint can be resumed with --resume)`,
    );
  }
  const weights = await model.stateDict({ trainableOnly: true });
  model.dispose();
  return {
    value: withWeights(base, weights, ctx.node.stage),
    notes: resultNotes(result),
    data: {
      steps: result.step,
      totalSteps: result.totalSteps,
      lastLoss: result.lastLoss,
      lastEval: result.lastEval,
      best: result.best,
      stopReason: result.stopReason,
    },
  };
}

const train: Handler = {
  op: "train",
  group: "llm",
  cache: trainedCodec("model"),
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"train">;
    const base = await modelInput(ctx, "model");
    const data = await tokenizedInput(ctx, "data");
    const val = ctx.hasInput("eval.data") ? await tokenizedInput(ctx, "eval.data") : undefined;
    const backend = await ctx.backend();
    const model = await base.make(backend);
    if (node.settings.mode === "pretrain" && model.adapterConfigs.length === 0)
      model.setBaseTrainable(true);
    const padId = base.tokenizer?.tokenizer.padId ?? 0;
    const { trainCausalLM } = await import("../../train/trainer.js");
    let result: TrainResult;
    try {
      result = await trainCausalLM({
        model,
        ...packingFor(ctx, model, trainerOptions(ctx, node.settings, data, val, padId)),
      });
    } catch (err) {
      model.dispose();
      throw err;
    }
    return finish(ctx, base, model, result);
  },
};

const distill: Handler = {
  op: "distill",
  group: "llm",
  cache: trainedCodec("student"),
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"distill">;
    const s = node.settings;
    const teacherValue = await modelInput(ctx, "teacher");
    const studentValue = await modelInput(ctx, "student");
    const data = await tokenizedInput(ctx, "data");
    const val = ctx.hasInput("eval.data") ? await tokenizedInput(ctx, "eval.data") : undefined;
    const backend = await ctx.backend();
    const teacher = await teacherValue.make(backend);
    const student = await studentValue.make(backend);
    teacher.eval();
    const padId = studentValue.tokenizer?.tokenizer.padId ?? 0;
    const { distillCausalLM } = await import("../../distill/distill.js");
    let result: TrainResult;
    try {
      result = await distillCausalLM({
        teacher,
        student,
        temperature: s.temperature,
        alpha: s.alpha,
        ...packingFor(ctx, student, trainerOptions(ctx, s, data, val, padId)),
        tokenizers: {
          ...(teacherValue.tokenizer ? { teacher: teacherValue.tokenizer.tokenizer } : {}),
          ...(studentValue.tokenizer ? { student: studentValue.tokenizer.tokenizer } : {}),
        },
      });
    } catch (err) {
      teacher.dispose();
      student.dispose();
      throw err;
    }
    teacher.dispose();
    return finish(ctx, studentValue, student, result);
  },
};

type Generation = Static<typeof TeacherGenerateSettings>;

export function generationOptions(
  g: Generation,
  model: Awaited<ReturnType<LlmModelValue["make"]>>,
) {
  return {
    maxNewTokens: g.max_new_tokens,
    temperature: g.temperature,
    ...(g.top_k > 0 ? { topK: g.top_k } : {}),
    ...(g.top_p < 1 ? { topP: g.top_p } : {}),
    ...(g.stop.length ? { stopStrings: g.stop } : {}),
    seed: g.seed,
    eosTokenIds: model.eosTokenIds,
    ...(model.tokenizer ? { tokenizer: model.tokenizer } : {}),
  };
}

const teacherGenerate: Handler = {
  op: "teacher-generate",
  group: "llm",
  cache: datasetCodec,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"teacher-generate">;
    const teacherValue = await modelInput(ctx, "teacher");
    const prompts = await ctx.input<unknown>("prompts");
    const records = isTokenizedValue(prompts)
      ? prompts.dataset.records
      : (prompts as DatasetValue).records;
    const format = isTokenizedValue(prompts)
      ? prompts.dataset.format
      : (prompts as DatasetValue).format;
    const tok = teacherValue.tokenizer;
    const template =
      isTokenizedValue(prompts) && tok
        ? resolveTemplate(templateOption(prompts.template, format), readTokenizerConfig(tok.dir))
        : undefined;
    const backend = await ctx.backend();
    const teacher = await teacherValue.make(backend);
    const { llmGenerator } = await import("../../llm-eval/llm-generator.js");
    const { teacherAnswers } = await import("../../distill/teacher-answers.js");
    try {
      const out = await teacherAnswers(
        records,
        llmGenerator(teacher, generationOptions(node.settings, teacher)),
        {
          ...(template ? { template } : {}),
          onProgress: (done, total) => {
            ctx.progress({ step: done, total, unit: "prompts" });
            ctx.checkAborted();
          },
        },
      );
      const report = emptyCleanReport(ctx.ir.pipeline.settings.seed ?? 0);
      report.totals.generated.synthetic = records.length;
      for (const d of out.dropped)
        addDrop(report, d.reason, d.place, "the teacher's answer was empty", MAX_EXAMPLES);
      report.totals.kept = out.records.length;
      report.totals.keptByOrigin.synthetic = out.records.length;
      const value: DatasetValue = {
        kind: "dataset",
        format,
        records: out.records,
        report,
        sources: [],
      };
      return {
        value,
        notes: [
          `${out.records.length} answers from \`${teacherValue.stage}\`${out.dropped.length ? `, ${out.dropped.length} empty` : ""}`,
        ],
        data: { answers: out.records.length, empty: out.dropped.length },
      };
    } finally {
      teacher.dispose();
    }
  },
};

export function llmTrainHandlers(): Handler[] {
  return [train, distill, teacherGenerate];
}
