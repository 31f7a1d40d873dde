/**
 * `scorePredictions(preds, refs, metrics)`: score prediction records against reference
 * records with named metrics and return a JSON-able result. `pipe eval --pred p.jsonl
 * --ref r.jsonl --metrics bleu,rouge1,…` reads the two files and calls this.
 *
 * Records: a string, or an object whose text is under `prediction` / `output` / `response` /
 * `text` (predictions) and `reference` / `references` / `answer` / `target` / `output` /
 * `label` (references; an array means several references). When every record on both sides
 * has an `id`, records are paired by id; otherwise by position.
 * Metric inputs that are not text: `perplexity` reads `tokenNlls` (+ `labels` or `mask`) or
 * `nllSum` + `tokenCount` from predictions; `mc_loglik` reads `choiceLogLikelihoods`.
 */
import { bleuSignature, corpusBleu, sentenceBleu, type BleuSmoothMethod } from "./metrics/bleu.js";
import { bleuTokenizer, type BleuTokenizerName } from "./metrics/bleu-tokenizers.js";
import { corpusExactMatch, exactMatch } from "./metrics/exact-match.js";
import { extractFinalNumber, sameNumber } from "./metrics/gsm8k.js";
import { aggregateJudgeScores } from "./metrics/judge-score.js";
import {
  DEFAULT_CHOICE_LETTERS,
  extractChoiceLetter,
  multipleChoiceAccuracy,
  pickByLogLikelihood,
} from "./metrics/multiple-choice.js";
import { nltkCorpusBleu, nltkSentenceBleu, type NltkSmoothing } from "./metrics/nltk-bleu.js";
import { corpusPerplexity, type PerplexityItem } from "./metrics/perplexity.js";
import { pythonSplit } from "./metrics/python-text.js";
import {
  containsCjk,
  isRougeType,
  rougeScore,
  rougeScoreMulti,
  type RougeTokenizerName,
} from "./metrics/rouge.js";

/** A problem with the inputs (unknown metric, missing field, unpaired record). */
export class MetricInputError extends Error {
  /** 0-based record index on the side named, when the problem is one record. */
  readonly record?: number;
  readonly side?: "prediction" | "reference";
  constructor(message: string, side?: "prediction" | "reference", record?: number) {
    super(message);
    this.name = "MetricInputError";
    this.side = side;
    this.record = record;
  }
}

export const METRIC_NAMES = [
  "bleu",
  "sentence_bleu",
  "nltk_bleu",
  "nltk_sentence_bleu",
  "rouge",
  "rouge1",
  "rouge2",
  "rougeL",
  "rougeLsum",
  "exact_match",
  "exact_match_normalized",
  "accuracy",
  "perplexity",
  "mc",
  "mc_loglik",
  "gsm8k",
  "judge",
] as const;

export interface ScoreOptions {
  /** BLEU tokenizer; `auto` (default) = `zh` when the texts hold CJK, else `13a`. */
  bleuTokenize?: "auto" | BleuTokenizerName;
  bleuSmooth?: BleuSmoothMethod;
  bleuSmoothValue?: number;
  lowercase?: boolean;
  nltkSmoothing?: NltkSmoothing;
  /** ROUGE tokenizer; `auto` (default) = `cjk` when the texts hold CJK, else `rouge-score`. */
  rougeTokenizer?: "auto" | RougeTokenizerName;
  useStemmer?: boolean;
  choiceLetters?: readonly string[];
  judgeMin?: number;
  judgeMax?: number;
  /** Include per-record values for metrics that have them. */
  perItem?: boolean;
}

export type MetricResult = { score: number } & Record<string, unknown>;

export interface ScoreResult {
  count: number;
  metrics: Record<string, MetricResult>;
}

type Record_ = Readonly<Record<string, unknown>>;

const PREDICTION_KEYS = ["prediction", "output", "response", "text"] as const;
const REFERENCE_KEYS = ["reference", "references", "answer", "target", "output", "label"] as const;

function textOf(
  item: unknown,
  keys: readonly string[],
  side: "prediction" | "reference",
  index: number,
): string | string[] | null {
  if (typeof item === "string") return item;
  if (Array.isArray(item) && item.every((x) => typeof x === "string")) return item as string[];
  if (item && typeof item === "object") {
    for (const key of keys) {
      const v = (item as Record_)[key];
      if (typeof v === "string") return v;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
      if (typeof v === "number") return String(v);
    }
    return null;
  }
  throw new MetricInputError(`${side} ${index + 1} is neither a string nor an object`, side, index);
}

function requireText(
  value: string | string[] | null,
  side: "prediction" | "reference",
  index: number,
  keys: readonly string[],
): string | string[] {
  if (value === null) {
    throw new MetricInputError(
      `${side} ${index + 1} has no text (looked for ${keys.join(", ")})`,
      side,
      index,
    );
  }
  return value;
}

function idOf(item: unknown): string | null {
  if (item && typeof item === "object" && !Array.isArray(item)) {
    const id = (item as Record_).id;
    if (typeof id === "string" || typeof id === "number") return String(id);
  }
  return null;
}

/** Pair records by id when all have one, else by position. */
function pair(preds: readonly unknown[], refs: readonly unknown[]): [unknown, unknown][] {
  const predIds = preds.map(idOf);
  const refIds = refs.map(idOf);
  if (
    preds.length &&
    refs.length &&
    predIds.every((x) => x !== null) &&
    refIds.every((x) => x !== null)
  ) {
    const byId = new Map<string, unknown>();
    refIds.forEach((id, i) => {
      if (byId.has(id!))
        throw new MetricInputError(`reference id ${id} appears twice`, "reference", i);
      byId.set(id!, refs[i]);
    });
    return preds.map((p, i) => {
      const ref = byId.get(predIds[i]!);
      if (ref === undefined) {
        throw new MetricInputError(`prediction id ${predIds[i]} has no reference`, "prediction", i);
      }
      return [p, ref];
    });
  }
  if (preds.length !== refs.length) {
    throw new MetricInputError(
      `${preds.length} predictions but ${refs.length} references (and no ids to pair them by)`,
    );
  }
  return preds.map((p, i) => [p, refs[i]]);
}

const asList = (v: string | string[]): string[] => (typeof v === "string" ? [v] : v);
const mean = (xs: readonly number[]): number =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;

export function scorePredictions(
  preds: readonly unknown[],
  refs: readonly unknown[] | null,
  metrics: readonly string[],
  options: ScoreOptions = {},
): ScoreResult {
  const requested = metrics.flatMap((m) =>
    m === "rouge" ? ["rouge1", "rouge2", "rougeL", "rougeLsum"] : [m],
  );
  for (const m of requested) {
    if (!(METRIC_NAMES as readonly string[]).includes(m) && !isRougeType(m)) {
      throw new MetricInputError(`unknown metric "${m}" (known: ${METRIC_NAMES.join(", ")})`);
    }
  }
  const needsRefs = requested.some((m) => m !== "perplexity" && m !== "judge");
  const result: ScoreResult = { count: preds.length, metrics: {} };
  let pairs: [unknown, unknown][] = preds.map((p) => [p, null]);
  if (needsRefs) {
    if (!refs) throw new MetricInputError(`metrics ${requested.join(", ")} need references`);
    pairs = pair(preds, refs);
  }
  const predTexts = (): string[] =>
    pairs.map(([p], i) => {
      const t = requireText(
        textOf(p, PREDICTION_KEYS, "prediction", i),
        "prediction",
        i,
        PREDICTION_KEYS,
      );
      return typeof t === "string" ? t : t.join("\n");
    });
  const refTexts = (): string[][] =>
    pairs.map(([, r], i) =>
      asList(
        requireText(textOf(r, REFERENCE_KEYS, "reference", i), "reference", i, REFERENCE_KEYS),
      ),
    );

  let hyps: string[] | null = null;
  let references: string[][] | null = null;
  const text = (): [string[], string[][]] => {
    hyps ??= predTexts();
    references ??= refTexts();
    return [hyps, references];
  };
  const hasCjk = (): boolean => {
    const [h, r] = text();
    return h.some(containsCjk) || r.some((rs) => rs.some(containsCjk));
  };

  for (const metric of requested) {
    if (result.metrics[metric]) continue;
    switch (metric) {
      case "bleu":
      case "sentence_bleu": {
        const [h, r] = text();
        const tokenize =
          options.bleuTokenize && options.bleuTokenize !== "auto"
            ? options.bleuTokenize
            : hasCjk()
              ? "zh"
              : "13a";
        const bleuOptions = {
          tokenize,
          lowercase: options.lowercase,
          smoothMethod: options.bleuSmooth,
          smoothValue: options.bleuSmoothValue,
        };
        const nrefs = new Set(r.map((x) => x.length));
        if (metric === "bleu") {
          const s = corpusBleu(h, r, bleuOptions);
          result.metrics.bleu = {
            score: s.score,
            counts: s.counts,
            totals: s.totals,
            precisions: s.precisions,
            bp: s.bp,
            sysLen: s.sysLen,
            refLen: s.refLen,
            signature: bleuSignature(bleuOptions, nrefs.size === 1 ? [...nrefs][0] : "var"),
          };
        } else {
          const per = h.map((hyp, i) => sentenceBleu(hyp, r[i], bleuOptions).score);
          result.metrics.sentence_bleu = {
            score: mean(per),
            signature: bleuSignature(
              { ...bleuOptions, effectiveOrder: true },
              nrefs.size === 1 ? [...nrefs][0] : "var",
            ),
            ...(options.perItem ? { perItem: per } : {}),
          };
        }
        break;
      }
      case "nltk_bleu":
      case "nltk_sentence_bleu": {
        const [h, r] = text();
        const tokenize = bleuTokenizer(
          options.bleuTokenize && options.bleuTokenize !== "auto"
            ? options.bleuTokenize
            : hasCjk()
              ? "zh"
              : "13a",
        );
        const tok = (s: string): string[] => pythonSplit(tokenize(s));
        const nOptions = { smoothing: options.nltkSmoothing };
        const hypTokens = h.map(tok);
        const refTokens = r.map((rs) => rs.map(tok));
        if (metric === "nltk_bleu") {
          result.metrics.nltk_bleu = { score: nltkCorpusBleu(refTokens, hypTokens, nOptions) };
        } else {
          const per = hypTokens.map((hyp, i) => nltkSentenceBleu(refTokens[i], hyp, nOptions));
          result.metrics.nltk_sentence_bleu = {
            score: mean(per),
            ...(options.perItem ? { perItem: per } : {}),
          };
        }
        break;
      }
      case "exact_match":
      case "exact_match_normalized":
      case "accuracy": {
        const [h, r] = text();
        const mode = metric === "exact_match_normalized" ? "normalized" : "strict";
        const res = corpusExactMatch(h, r, mode);
        result.metrics[metric] = {
          score: res.accuracy,
          correct: res.correct,
          total: res.total,
          ...(options.perItem ? { perItem: h.map((p, i) => exactMatch(p, r[i], mode)) } : {}),
        };
        break;
      }
      case "perplexity": {
        const items = pairs.map(([p], i): PerplexityItem => {
          const o = p as Record_ | null;
          if (o && Array.isArray(o.tokenNlls)) return o as unknown as PerplexityItem;
          if (o && typeof o.nllSum === "number" && typeof o.tokenCount === "number") {
            return { nllSum: o.nllSum, tokenCount: o.tokenCount };
          }
          throw new MetricInputError(
            `prediction ${i + 1} has neither tokenNlls nor nllSum + tokenCount`,
            "prediction",
            i,
          );
        });
        const res = corpusPerplexity(items);
        result.metrics.perplexity = {
          score: res.perplexity,
          meanNll: res.meanNll,
          tokens: res.tokens,
        };
        break;
      }
      case "mc":
      case "mc_loglik": {
        const letters = options.choiceLetters ?? DEFAULT_CHOICE_LETTERS;
        const gold = pairs.map(([, r], i) => {
          const t = requireText(
            textOf(r, REFERENCE_KEYS, "reference", i),
            "reference",
            i,
            REFERENCE_KEYS,
          );
          return (typeof t === "string" ? t : t[0]).trim();
        });
        const chosen = pairs.map(([p], i) => {
          if (metric === "mc_loglik") {
            const scores = (p as Record_ | null)?.choiceLogLikelihoods;
            if (!scores || typeof scores !== "object") {
              throw new MetricInputError(
                `prediction ${i + 1} has no choiceLogLikelihoods`,
                "prediction",
                i,
              );
            }
            return pickByLogLikelihood(scores as number[] | Record<string, number>, letters);
          }
          const t = requireText(
            textOf(p, PREDICTION_KEYS, "prediction", i),
            "prediction",
            i,
            PREDICTION_KEYS,
          );
          const opts = (p as Record_ | null)?.options;
          const optionTexts =
            Array.isArray(opts) && opts.every((o) => typeof o === "string")
              ? (opts as string[])
              : undefined;
          return extractChoiceLetter(typeof t === "string" ? t : t.join("\n"), {
            letters,
            optionTexts,
          });
        });
        const res = multipleChoiceAccuracy(chosen, gold);
        result.metrics[metric] = {
          score: res.accuracy,
          correct: res.correct,
          total: res.total,
          unanswered: res.unanswered,
          ...(options.perItem ? { perItem: chosen } : {}),
        };
        break;
      }
      case "gsm8k": {
        const [h, r] = text();
        const got = h.map(extractFinalNumber);
        const want = r.map((rs) => extractFinalNumber(rs[0]));
        const hits = got.map((g, i) => (sameNumber(g, want[i]) ? 1 : 0));
        result.metrics.gsm8k = {
          score: mean(hits),
          correct: hits.reduce<number>((a, b) => a + b, 0),
          total: hits.length,
          unextracted: got.filter((g) => g === null).length,
          ...(options.perItem ? { perItem: got } : {}),
        };
        break;
      }
      case "judge": {
        const replies = pairs.map(([p], i) => {
          const t = requireText(
            textOf(p, PREDICTION_KEYS, "prediction", i),
            "prediction",
            i,
            PREDICTION_KEYS,
          );
          return typeof t === "string" ? t : t.join("\n");
        });
        const res = aggregateJudgeScores(replies, { min: options.judgeMin, max: options.judgeMax });
        result.metrics.judge = {
          score: res.mean,
          count: res.count,
          invalid: res.invalid,
          total: res.total,
          ...(options.perItem ? { perItem: res.scores } : {}),
        };
        break;
      }
      default: {
        // rougeN / rougeL / rougeLsum
        const [h, r] = text();
        const tokenizer =
          options.rougeTokenizer && options.rougeTokenizer !== "auto"
            ? options.rougeTokenizer
            : hasCjk()
              ? "cjk"
              : "rouge-score";
        const rOptions = { tokenizer, useStemmer: options.useStemmer };
        const per = h.map((p, i) =>
          r[i].length === 1
            ? rougeScore(r[i][0], p, [metric], rOptions)[metric]
            : rougeScoreMulti(r[i], p, [metric], rOptions)[metric],
        );
        result.metrics[metric] = {
          score: mean(per.map((s) => s.fmeasure)),
          precision: mean(per.map((s) => s.precision)),
          recall: mean(per.map((s) => s.recall)),
          fmeasure: mean(per.map((s) => s.fmeasure)),
          tokenizer,
          ...(options.perItem ? { perItem: per.map((s) => s.fmeasure) } : {}),
        };
      }
    }
  }
  return result;
}
