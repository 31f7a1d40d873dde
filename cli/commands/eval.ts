/**
 * `pipe eval --pred p.jsonl --ref r.jsonl --metrics bleu,rouge1,exact_match [--require
 * "rouge1>=0.3"]… [--out eval.json] [--format table|json]`: scores a prediction file against a
 * reference file without a pipeline, through runtime/eval's `scorePredictions` (docs/metrics.md).
 *
 * Exit codes: 0 scored (every gate passed), 1 a `--require` gate failed (eval.json is still
 * written), 2 bad usage or unreadable input: a missing file, malformed lines (each reported as
 * path:line), records that cannot be scored (PW6601, at the record's line).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { PipeError, isPipeError } from "../../compiler/diagnostics/pipe-error.js";
import { isRougeType } from "../../runtime/eval/metrics/rouge.js";
import type { BleuTokenizerName } from "../../runtime/eval/metrics/bleu-tokenizers.js";
import type { RougeTokenizerName } from "../../runtime/eval/metrics/rouge.js";
import {
  METRIC_NAMES,
  MetricInputError,
  scorePredictions,
  type MetricResult,
  type ScoreOptions,
  type ScoreResult,
} from "../../runtime/eval/score.js";
import {
  evaluateGates,
  conditionText,
  type GateCondition,
  type GateReport,
} from "../../runtime/llm-eval/gates.js";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import {
  alignReferences,
  dropMissingReferences,
  EvalInputError,
  readEvalRecords,
  selectField,
  type EvalRecords,
} from "./eval-input.js";
import { parseRequire, requiredMetrics } from "./eval-require.js";

export interface EvalArgs {
  pred: string;
  ref?: string;
  /** Metric names; each entry may hold several, comma-separated. */
  metrics: string[];
  /** Field holding the text in object records (both files unless `refField` is given). */
  field?: string;
  refField?: string;
  bleuTokenizer?: "auto" | BleuTokenizerName;
  rougeTokenizer?: "auto" | RougeTokenizerName;
  lowercase?: boolean;
  stemmer?: boolean;
  perItem?: boolean;
  require?: string[];
  out?: string;
  format: "table" | "json";
}

/** What eval.json holds. */
export interface EvalReport {
  pred: string;
  ref: string | null;
  count: number;
  metrics: Record<string, MetricResult>;
  gates?: GateReport;
}

const NO_REFERENCES = new Set(["perplexity", "judge"]);

/** Comma-separated lists → names, in order, without repeats. */
export function parseMetricList(values: readonly string[]): string[] {
  const names = values.flatMap((v) => v.split(",")).map((s) => s.trim());
  return [...new Set(names.filter((s) => s !== ""))];
}

function usage(io: CliIo, message: string): number {
  io.stderr(`pipe eval: ${message}\nRun \`pipe eval --help\` for usage.\n`);
  return EXIT_USAGE;
}

function printError(io: CliIo, err: PipeError): void {
  const where = err.where();
  io.stderr(
    `error[${err.code}]: ${err.message}\n${where ? `  --> ${where}\n` : ""}${err.hint ? `  = hint: ${err.hint}\n` : ""}`,
  );
}

/** runtime/eval's MetricInputError as PW6601 at the line of the record at fault. */
export function metricInputError(
  err: MetricInputError,
  preds: EvalRecords,
  refs: EvalRecords | null,
): PipeError {
  const file = err.side === "reference" ? refs : err.side === "prediction" ? preds : null;
  if (file && err.record !== undefined && file.lines[err.record] !== undefined) {
    return new PipeError("PW6601", err.message, { path: file.path, line: file.lines[err.record] });
  }
  return new PipeError(
    "PW6601",
    err.message,
    { path: file?.path ?? preds.path },
    refs
      ? `predictions: ${preds.path} (${preds.records.length}), references: ${refs.path} (${refs.records.length})`
      : undefined,
  );
}

export async function runEval(io: CliIo, args: EvalArgs): Promise<number> {
  const metrics = parseMetricList(args.metrics);
  if (metrics.length === 0) return usage(io, "--metrics names no metric");
  const unknown = metrics.filter(
    (m) => !(METRIC_NAMES as readonly string[]).includes(m) && !isRougeType(m),
  );
  if (unknown.length > 0) {
    return usage(
      io,
      `unknown metric${unknown.length > 1 ? "s" : ""} ${unknown.map((m) => `"${m}"`).join(", ")} (known: ${METRIC_NAMES.join(", ")}, rouge1…rouge9)`,
    );
  }
  const measured = new Set(
    metrics.flatMap((m) => (m === "rouge" ? ["rouge1", "rouge2", "rougeL", "rougeLsum"] : [m])),
  );
  const conditions: GateCondition[] = [];
  for (const text of args.require ?? []) {
    const parsed = parseRequire(text);
    if (!parsed.ok) return usage(io, parsed.message);
    conditions.push(parsed.condition);
  }
  const unmeasured = requiredMetrics(conditions).filter((m) => !measured.has(m));
  if (unmeasured.length > 0) {
    return usage(
      io,
      `--require names ${[...new Set(unmeasured)].join(", ")}, which --metrics does not compute (computed: ${[...measured].join(", ")})`,
    );
  }
  const needsRefs = [...measured].filter((m) => !NO_REFERENCES.has(m));
  if (needsRefs.length > 0 && args.ref === undefined) {
    return usage(
      io,
      `${needsRefs.join(", ")} need${needsRefs.length === 1 ? "s" : ""} references: give --ref`,
    );
  }

  let preds: EvalRecords;
  let refs: EvalRecords | null = null;
  try {
    const [p, r] = await Promise.all([
      readEvalRecords(resolve(io.cwd, args.pred), args.pred),
      args.ref === undefined ? null : readEvalRecords(resolve(io.cwd, args.ref), args.ref),
    ]);
    preds = args.field !== undefined ? selectField(p, args.field, "prediction") : p;
    const refField = args.refField ?? args.field;
    refs = r && refField !== undefined ? selectField(r, refField, "reference") : r;
    if (refs) refs = alignReferences(preds, dropMissingReferences(refs));
  } catch (err) {
    if (err instanceof EvalInputError) {
      for (const e of err.errors) printError(io, e);
      return EXIT_USAGE;
    }
    throw err;
  }

  const options: ScoreOptions = {
    bleuTokenize: args.bleuTokenizer ?? "auto",
    rougeTokenizer: args.rougeTokenizer ?? "auto",
    ...(args.lowercase ? { lowercase: true } : {}),
    ...(args.stemmer ? { useStemmer: true } : {}),
    ...(args.perItem ? { perItem: true } : {}),
  };
  let result: ScoreResult;
  try {
    result = scorePredictions(preds.records, refs?.records ?? null, metrics, options);
  } catch (err) {
    if (err instanceof MetricInputError) {
      printError(io, metricInputError(err, preds, refs));
      return EXIT_USAGE;
    }
    throw err;
  }

  let gates: GateReport | undefined;
  if (conditions.length > 0) {
    try {
      gates = evaluateGates(conditions, result.metrics);
    } catch (err) {
      // PW8008: a field that is not a number (e.g. `bleu.signature`).
      if (isPipeError(err)) {
        printError(io, err);
        return EXIT_USAGE;
      }
      throw err;
    }
  }
  const report: EvalReport = {
    pred: args.pred,
    ref: args.ref ?? null,
    count: result.count,
    metrics: result.metrics,
    ...(gates ? { gates } : {}),
  };

  if (args.out !== undefined) {
    const out = resolve(io.cwd, args.out);
    try {
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, JSON.stringify(report, null, 2) + "\n");
    } catch (err) {
      io.stderr(`error: cannot write ${args.out}: ${(err as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  if (args.format === "json") io.stdout(JSON.stringify(report, null, 2) + "\n");
  else io.stdout(renderEvalTable(report, conditions));
  if (args.out !== undefined && args.format !== "json") io.stdout(`wrote ${args.out}\n`);

  if (gates && !gates.passed) {
    for (const f of gates.failures) io.stderr(`error[PW8007]: ${f.message}\n`);
    return EXIT_DIAGNOSTICS;
  }
  return EXIT_OK;
}

/** 0.5 → "0.5000"; BLEU-sized numbers with two decimals. */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 10 ? v.toFixed(2) : v.toFixed(4);
}

const num = (v: unknown): number => (typeof v === "number" ? v : NaN);

function details(name: string, m: MetricResult): string {
  if (name === "bleu") {
    const p = (m.precisions as number[] | undefined) ?? [];
    const sig = String(m.signature ?? "");
    const tok = /tok:([^|]+)/.exec(sig)?.[1];
    return `${p.map((x) => x.toFixed(1)).join("/")} (BP ${num(m.bp).toFixed(3)}, hyp ${m.sysLen}, ref ${m.refLen}${tok ? `, tok ${tok}` : ""})`;
  }
  if (name === "sentence_bleu") return String(m.signature ?? "");
  if (isRougeType(name)) {
    return `P ${formatScore(num(m.precision))}, R ${formatScore(num(m.recall))} (${m.tokenizer})`;
  }
  if (name === "perplexity") return `mean NLL ${num(m.meanNll).toFixed(4)} over ${m.tokens} tokens`;
  if (name === "judge") return `${m.count}/${m.total} scored, ${m.invalid} unreadable`;
  if (typeof m.correct === "number" && typeof m.total === "number") {
    const extra =
      typeof m.unextracted === "number"
        ? `, ${m.unextracted} without a number`
        : typeof m.unanswered === "number"
          ? `, ${m.unanswered} unanswered`
          : "";
    return `${m.correct}/${m.total} correct${extra}`;
  }
  return "";
}

/** The value a simple condition reads, for the "passed" lines. */
function measuredText(c: GateCondition, metrics: Record<string, MetricResult>): string {
  if ("args" in c || "arg" in c) return "";
  const parts: string[] = [];
  for (const o of [c.left, c.right]) {
    if (typeof o === "number") continue;
    const v = metrics[o.metric]?.[o.field ?? "score"];
    if (typeof v === "number")
      parts.push(
        `${o.field && o.field !== "score" ? `${o.metric}.${o.field}` : o.metric} = ${formatScore(v)}`,
      );
  }
  return parts.length ? ` (${parts.join(", ")})` : "";
}

export function renderEvalTable(report: EvalReport, conditions: readonly GateCondition[]): string {
  const rows = Object.entries(report.metrics).map(([name, m]) => [
    name,
    formatScore(m.score),
    details(name, m),
  ]);
  const head = ["metric", "score", ""];
  const w0 = Math.max(head[0].length, ...rows.map((r) => r[0].length));
  const w1 = Math.max(head[1].length, ...rows.map((r) => r[1].length));
  const line = (r: string[]) =>
    `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}${r[2] ? `  ${r[2]}` : ""}`.trimEnd() + "\n";
  let text = `${report.count} prediction${report.count === 1 ? "" : "s"} (${report.pred}${report.ref ? ` vs ${report.ref}` : ""})\n\n`;
  text += line(head);
  for (const r of rows) text += line(r);
  if (conditions.length > 0 && report.gates) {
    const failed = new Set(report.gates.failures.map((f) => f.condition));
    text += "\n";
    for (const c of conditions) {
      const t = conditionText(c);
      text += `require ${t}: ${failed.has(t) ? "FAILED" : "passed"}${measuredText(c, report.metrics)}\n`;
    }
  }
  return text;
}
