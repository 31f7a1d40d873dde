/**
 * The LLM evaluation runner: one call computes the requested metrics of a model on a dataset
 * and returns a JSON-able report for `eval.json`.
 *
 * - `perplexity`: corpus perplexity over the labelled tokens of the prepared records (answers
 *   of SFT records given their prompts; every token of plain text).
 * - text metrics (`bleu`, `sentence_bleu`, `nltk_*`, `rouge*`, `exact_match*`, `accuracy`,
 *   `gsm8k`): the model completes each record's prompt through `generate`; the completions are
 *   scored against the records' answers by runtime/eval's `scorePredictions`.
 * - `judge`: a judge model (`judge`) scores each completion with the seed's 1–10 prompt.
 * - `mc_loglik` / `mc`: multiple-choice items, by letter likelihood or by generated letter.
 * - `require`: gates over the results (gates.ts); the report says which failed.
 *
 * Generation is a callback so the runner works with any decoder (runtime/llm's `generate`
 * through `llmGenerator`, or a stub in tests). Progress is reported through `onProgress`.
 */
import type { DataRecord } from "../data/format/record.js";
import type { ResolvedTemplate } from "../data/template/apply-template.js";
import { prepareExamples } from "../data/template/prepare-examples.js";
import type { SegmentTokenizer } from "../data/template/tokenize-example.js";
import {
  METRIC_NAMES,
  MetricInputError,
  scorePredictions,
  type MetricResult,
  type ScoreOptions,
} from "../eval/score.js";
import { isRougeType } from "../eval/metrics/rouge.js";
import type { CausalLM } from "../train/causal-lm.js";
import { recordPrompt, recordReference, type BatchGenerator } from "./record-prompt.js";
import { evaluatePerplexity } from "./perplexity.js";
import {
  choicePrompt,
  letterLogLikelihoods,
  toChoiceItem,
  type ChoicePromptStyle,
} from "./multiple-choice.js";
import { judgeReplies } from "./judge.js";
import { evaluateGates, type GateReport } from "./gates.js";

export interface LlmEvalOptions {
  metrics: readonly string[];
  /** Instruction / chat / text records (perplexity, text metrics, judge). */
  records?: readonly DataRecord[];
  /** Multiple-choice rows (`mc`, `mc_loglik`): question, choices/options or A–D, answer. */
  choiceItems?: readonly unknown[];
  model?: CausalLM;
  tokenizer?: SegmentTokenizer;
  template?: ResolvedTemplate;
  generate?: BatchGenerator;
  /** The judge model's generator (`judge`). */
  judge?: BatchGenerator;
  /** Truncation for perplexity (default 1024 tokens). */
  maxLength?: number;
  padId?: number;
  /** Rows per forward pass / prompts per generate call (default 8). */
  batchSize?: number;
  choiceStyle?: ChoicePromptStyle;
  choiceLetters?: readonly string[];
  /** Text before the letter when scoring likelihoods (default ""; " " for English prompts). */
  letterPrefix?: string;
  scoreOptions?: ScoreOptions;
  /** Gate conditions (JSON, see gates.ts). */
  require?: readonly unknown[];
  /** Keep prompts, predictions and references in the report. */
  keepPredictions?: boolean;
  onProgress?: (p: {
    phase: "perplexity" | "generate" | "judge" | "multiple_choice";
    done: number;
    total: number;
  }) => void;
}

export interface LlmEvalReport {
  /** Records (or items) scored per metric family. */
  count: { records: number; choiceItems: number };
  metrics: Record<string, MetricResult>;
  predictions?: { prompt: string; prediction: string; reference: string }[];
  gates?: GateReport;
}

const TEXT_METRICS = new Set([
  "bleu",
  "sentence_bleu",
  "nltk_bleu",
  "nltk_sentence_bleu",
  "exact_match",
  "exact_match_normalized",
  "accuracy",
  "gsm8k",
]);

const UNUSED_TEMPLATE: ResolvedTemplate = {
  kind: "alpaca",
  alpaca: { withInput: "", withoutInput: "" },
};

function need<T>(value: T | undefined, what: string, metric: string): T {
  if (value === undefined) throw new MetricInputError(`metric ${metric} needs ${what}`);
  return value;
}

/**
 * Completions of every prompt, in the prompts' order. Prompts are sent in batches of similar
 * length (sorted by length, ties in their original order): decoders batch prompts of equal
 * token length together, so this turns many small decoding batches into a few large ones.
 */
async function generateAll(
  prompts: readonly string[],
  generate: BatchGenerator,
  batchSize: number,
  progress?: (done: number, total: number) => void,
): Promise<string[]> {
  const order = prompts.map((_, i) => i).sort((a, b) => prompts[a].length - prompts[b].length);
  const out = new Array<string>(prompts.length);
  let done = 0;
  for (let i = 0; i < order.length; i += batchSize) {
    const rows = order.slice(i, i + batchSize);
    const replies = await generate(rows.map((r) => prompts[r]));
    if (replies.length !== rows.length) {
      throw new Error(`generate returned ${replies.length} completions for ${rows.length} prompts`);
    }
    rows.forEach((r, k) => (out[r] = replies[k]));
    done += rows.length;
    progress?.(done, prompts.length);
  }
  return out;
}

export async function evaluateLlm(o: LlmEvalOptions): Promise<LlmEvalReport> {
  const requested = o.metrics.flatMap((m) =>
    m === "rouge" ? ["rouge1", "rouge2", "rougeL", "rougeLsum"] : [m],
  );
  for (const m of requested) {
    if (!(METRIC_NAMES as readonly string[]).includes(m) && !isRougeType(m)) {
      throw new MetricInputError(`unknown metric "${m}" (known: ${METRIC_NAMES.join(", ")})`);
    }
  }
  const batchSize = o.batchSize ?? 8;
  const records = o.records ?? [];
  const report: LlmEvalReport = {
    count: { records: records.length, choiceItems: o.choiceItems?.length ?? 0 },
    metrics: {},
  };
  const progress =
    (phase: Parameters<NonNullable<LlmEvalOptions["onProgress"]>>[0]["phase"]) =>
    (done: number, total: number) =>
      o.onProgress?.({ phase, done, total });

  if (requested.includes("perplexity")) {
    const model = need(o.model, "a model", "perplexity");
    const tokenizer = need(o.tokenizer, "a tokenizer", "perplexity");
    // Plain-text records ignore templates (every token is scored); others need the one the
    // model was tuned with.
    const template = records.some((r) => r.kind !== "text")
      ? need(o.template, "a template for non-text records", "perplexity")
      : (o.template ?? UNUSED_TEMPLATE);
    const { examples } = prepareExamples(records, template, tokenizer, {
      maxLength: o.maxLength ?? 1024,
    });
    const r = await evaluatePerplexity(model, examples, {
      batchSize,
      padId: o.padId ?? tokenizer.eosId ?? 0,
    });
    report.metrics.perplexity = { score: r.score, meanNll: r.meanNll, tokens: r.tokens };
    progress("perplexity")(examples.length, examples.length);
  }

  const textMetrics = requested.filter((m) => TEXT_METRICS.has(m) || isRougeType(m));
  let predictions: string[] | null = null;
  const prompts = () => records.map((r) => recordPrompt(r, o.template));
  const references = () => records.map(recordReference);
  if (textMetrics.length > 0 || requested.includes("judge")) {
    const generate = need(o.generate, "a generate callback", textMetrics[0] ?? "judge");
    predictions = await generateAll(prompts(), generate, batchSize, progress("generate"));
    if (o.keepPredictions) {
      const refs = references();
      const ps = prompts();
      report.predictions = predictions.map((prediction, i) => ({
        prompt: ps[i],
        prediction,
        reference: refs[i],
      }));
    }
  }
  if (textMetrics.length > 0 && predictions) {
    Object.assign(
      report.metrics,
      scorePredictions(predictions, references(), textMetrics, o.scoreOptions).metrics,
    );
  }
  if (requested.includes("judge") && predictions) {
    const judge = need(o.judge, "a judge model (judge callback)", "judge");
    const refs = references();
    const items = records.map((r, i) => ({
      instruction: recordPrompt(r),
      reference: refs[i],
      prediction: predictions![i],
    }));
    const replies = await judgeReplies(items, judge, { batchSize, onProgress: progress("judge") });
    Object.assign(
      report.metrics,
      scorePredictions(replies, null, ["judge"], o.scoreOptions).metrics,
    );
  }

  const wantsLoglik = requested.includes("mc_loglik");
  const wantsMc = requested.includes("mc");
  if (wantsLoglik || wantsMc) {
    const rows = need(
      o.choiceItems,
      "multiple-choice items (choiceItems)",
      wantsLoglik ? "mc_loglik" : "mc",
    );
    const letters = o.choiceLetters;
    const items = rows.map((row, i) => toChoiceItem(row, i, letters));
    const refs = items.map((it) => ({ answer: it.answer }));
    const scoreOptions = { ...o.scoreOptions, ...(letters ? { choiceLetters: letters } : {}) };
    if (wantsLoglik) {
      const model = need(o.model, "a model", "mc_loglik");
      const tokenizer = need(o.tokenizer, "a tokenizer", "mc_loglik");
      const scores = await letterLogLikelihoods(model, tokenizer, items, {
        padId: o.padId ?? tokenizer.eosId ?? 0,
        batchSize,
        style: o.choiceStyle,
        template: o.template,
        letters,
        letterPrefix: o.letterPrefix,
      });
      Object.assign(
        report.metrics,
        scorePredictions(scores, refs, ["mc_loglik"], scoreOptions).metrics,
      );
      progress("multiple_choice")(items.length, items.length);
    }
    if (wantsMc) {
      const generate = need(o.generate, "a generate callback", "mc");
      const mcPrompts = items.map((it) =>
        choicePrompt(it, { style: o.choiceStyle, template: o.template, letters }),
      );
      const replies = await generateAll(
        mcPrompts,
        generate,
        batchSize,
        progress("multiple_choice"),
      );
      const preds = replies.map((prediction, i) => ({ prediction, options: items[i].choices }));
      Object.assign(report.metrics, scorePredictions(preds, refs, ["mc"], scoreOptions).metrics);
    }
  }

  if (o.require && o.require.length > 0) report.gates = evaluateGates(o.require, report.metrics);
  return report;
}

/** The report as the text of `eval.json` (stable key order, two-space indent). */
export function evalJson(report: LlmEvalReport, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...extra, ...report }, null, 2) + "\n";
}
