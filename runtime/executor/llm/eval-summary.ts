/**
 * The run's evaluation summary: every language-model evaluation of the run side by side —
 * one row per (evaluate stage, model), in pipeline order — with what each model is (pre-trained
 * base, LoRA / QLoRA fine-tune, …, read from the IR), the change of every metric against the
 * first model evaluated on the same data (the "before"), and the difference between fine-tunes
 * of the same base on the same data (QLoRA vs LoRA). `pipe run` prints it at the end and writes
 * it to `<output>/eval.json`; each stage's full report stays in `<output>/<stage>/eval.json`.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { safeName } from "../names.js";
import type { IrNode, PipelineIr } from "../../../compiler/ir/schema.js";

export interface EvalRow {
  /** The evaluate stage. */
  evaluation: string;
  /** The evaluated model's stage. */
  model: string;
  /** What the model is, e.g. `sft · QLoRA r16 (NF4, double quant) of pre`. */
  description: string;
  /** The evaluation data (a stage or split name, e.g. `sft.val`). */
  data: string;
  metrics: Record<string, number>;
  /** Against the first row on the same data (absent on that row). */
  baseline?: { model: string; delta: Record<string, number> };
}

export interface EvalComparison {
  /** Two fine-tunes of the same base, evaluated on the same data: `model − reference`. */
  model: string;
  reference: string;
  data: string;
  delta: Record<string, number>;
}

/** The best model for one metric on one evaluation data set (two or more models). */
export interface EvalBest {
  data: string;
  metric: string;
  /** `lower` for loss and perplexity, else `higher`. */
  better: "lower" | "higher";
  model: string;
  value: number;
}

export interface EvalSummary {
  pipeline: string;
  rows: EvalRow[];
  comparisons: EvalComparison[];
  best: EvalBest[];
}

/** What a node's result looks like in the run summary (status aside). */
export interface EvaluatedNode {
  node: IrNode;
  data?: Record<string, unknown>;
}

/** The summary, or null when the run has fewer than one language-model evaluation result. */
export function evaluationSummary(
  ir: PipelineIr,
  nodes: readonly EvaluatedNode[],
): EvalSummary | null {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const rows: EvalRow[] = [];
  /** The model node of each row. */
  const modelOf = new Map<EvalRow, IrNode>();
  for (const { node, data } of nodes) {
    if (node.op !== "evaluate" || !data) continue;
    for (const input of node.inputs) {
      const m = /^model(\[\d+\])?$/.exec(input.port);
      if (!m) continue;
      const modelNode = byId.get(input.node);
      if (!modelNode) continue;
      const scores = data[modelNode.stage];
      if (!isScores(scores)) continue;
      const dataInput = node.inputs.find((i) => i.port === `data${m[1] ?? ""}`);
      const row: EvalRow = {
        evaluation: node.stage,
        model: modelNode.stage,
        description: describeModel(modelNode, byId),
        data: dataInput ? dataName(dataInput.node) : "",
        metrics: ordered(scores, (node.settings as { metrics?: string[] }).metrics ?? []),
      };
      rows.push(row);
      modelOf.set(row, modelNode);
    }
  }
  if (rows.length === 0) return null;

  const first = new Map<string, EvalRow>();
  for (const row of rows) {
    const base = first.get(row.data);
    if (!base) first.set(row.data, row);
    else if (base.model !== row.model)
      row.baseline = { model: base.model, delta: deltas(row.metrics, base.metrics) };
  }

  const comparisons: EvalComparison[] = [];
  const baseOf = (r: EvalRow) => fineTuneBase(modelOf.get(r)!, byId);
  const tuned = rows.filter((r) => baseOf(r) !== undefined);
  for (let i = 0; i < tuned.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = tuned[j];
      const b = tuned[i];
      if (a.data !== b.data || a.model === b.model || baseOf(a) !== baseOf(b)) continue;
      comparisons.push({
        model: b.model,
        reference: a.model,
        data: a.data,
        delta: deltas(b.metrics, a.metrics),
      });
    }
  }
  return { pipeline: ir.pipeline.name, rows, comparisons, best: bestOf(rows) };
}

const LOWER_IS_BETTER = new Set(["loss", "perplexity"]);

/** Per data set and metric with two or more models: the best one (ties: the first). */
function bestOf(rows: readonly EvalRow[]): EvalBest[] {
  const out: EvalBest[] = [];
  for (const data of new Set(rows.map((r) => r.data))) {
    const on = rows.filter((r) => r.data === data);
    if (new Set(on.map((r) => r.model)).size < 2) continue;
    for (const metric of new Set(on.flatMap((r) => Object.keys(r.metrics)))) {
      const better = LOWER_IS_BETTER.has(metric) ? "lower" : "higher";
      let best: EvalRow | undefined;
      for (const r of on) {
        const v = r.metrics[metric];
        if (!Number.isFinite(v)) continue;
        const b = best?.metrics[metric];
        if (b === undefined || (better === "lower" ? v < b : v > b)) best = r;
      }
      if (best) out.push({ data, metric, better, model: best.model, value: best.metrics[metric] });
    }
  }
  return out;
}

/** Plain-text table: one block per evaluation data set. */
export function formatEvalSummary(s: EvalSummary): string {
  const lines: string[] = [];
  const datasets = [...new Set(s.rows.map((r) => r.data))];
  for (const data of datasets) {
    const rows = s.rows.filter((r) => r.data === data);
    const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
    const base = rows[0];
    const header = ["stage", "model", "what", ...metrics.flatMap((m) => [m, `Δ vs ${base.model}`])];
    const table = rows.map((r) => [
      r.evaluation,
      r.model,
      r.description,
      ...metrics.flatMap((m) => [
        fmt(r.metrics[m]),
        r.baseline && r.baseline.delta[m] !== undefined ? signed(r.baseline.delta[m]) : "",
      ]),
    ]);
    // Δ columns that are empty everywhere (a single model) are dropped.
    const keep = header.map((_, c) => c < 3 || table.some((row) => row[c] !== ""));
    const cols = [header, ...table].map((row) => row.filter((_, c) => keep[c]));
    const widths = cols[0].map((_, c) => Math.max(...cols.map((row) => width(row[c]))));
    if (datasets.length > 1 || data) lines.push(`on ${data}:`);
    for (const row of cols)
      lines.push(
        "  " +
          row
            .map((cell, c) => (c < 3 ? pad(cell, widths[c]) : padStart(cell, widths[c])))
            .join("  ")
            .trimEnd(),
      );
    for (const b of (s.best ?? []).filter((x) => x.data === data)) {
      const others = rows
        .filter((r) => r.model !== b.model && r.metrics[b.metric] !== undefined)
        .map((r) => `${r.model} ${fmt(r.metrics[b.metric])}`);
      lines.push(
        `  ${b.better === "lower" ? "lowest" : "highest"} ${b.metric}: ${b.model} ${fmt(b.value)}` +
          (others.length ? ` (${others.join(", ")})` : ""),
      );
    }
    for (const c of s.comparisons.filter((x) => x.data === data)) {
      const parts = Object.entries(c.delta).map(([m, d]) => `${m} ${signed(d)}`);
      lines.push(`  ${c.model} − ${c.reference} (same base, same data): ${parts.join(", ")}`);
    }
  }
  return lines.join("\n");
}

function isScores(v: unknown): v is Record<string, number> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "number")
  );
}

/** Metrics in the order the stage asked for them (`loss` is reported as itself), then the rest. */
function ordered(scores: Record<string, number>, asked: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of asked) if (m in scores) out[m] = scores[m];
  for (const [m, v] of Object.entries(scores)) if (!(m in out)) out[m] = v;
  return out;
}

function deltas(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a))
    if (typeof b[k] === "number" && Number.isFinite(v) && Number.isFinite(b[k])) out[k] = v - b[k];
  return out;
}

/** `sft.val/tokenize@base` → `sft.val`; `corpus/load-dataset` → `corpus`. */
function dataName(id: string): string {
  return id.split("/")[0];
}

const input = (n: IrNode, port: string, byId: Map<string, IrNode>) => {
  const i = n.inputs.find((x) => x.port === port);
  return i ? byId.get(i.node) : undefined;
};

/** For a fine-tune (train / distill of an adapter or a model): the node id it started from. */
function fineTuneBase(n: IrNode, byId: Map<string, IrNode>): string | undefined {
  if (n.op === "distill") return input(n, "student", byId)?.id;
  if (n.op !== "train" || n.settings.mode === "pretrain") return undefined;
  let m = input(n, "model", byId);
  while (m && (m.op === "attach-adapter" || m.op === "quantize")) m = input(m, "model", byId);
  return m?.id;
}

function describeModel(n: IrNode, byId: Map<string, IrNode>): string {
  switch (n.op) {
    case "train": {
      if (n.settings.mode === "pretrain") return "pre-trained";
      const m = input(n, "model", byId);
      if (m?.op === "attach-adapter") {
        const from = fineTuneBase(n, byId);
        return `sft · ${describeAdapter(m, byId)}${from ? ` of ${byId.get(from)!.stage}` : ""}`;
      }
      return `sft · full fine-tune${m ? ` of ${m.stage}` : ""}`;
    }
    case "distill": {
      const s = input(n, "student", byId);
      return `logit KD (T ${n.settings.temperature}, α ${n.settings.alpha})${s ? ` of ${s.stage}` : ""}`;
    }
    case "attach-adapter":
      return `${describeAdapter(n, byId)} (untrained)`;
    case "init-model":
      return "random init";
    case "load-model":
      return "loaded";
    default:
      return n.op;
  }
}

function describeAdapter(n: IrNode, byId: Map<string, IrNode>): string {
  const s = n.settings as { method?: string; rank?: number; quantized_base?: boolean };
  const method = s.method ?? "adapter";
  if (method !== "lora") return method;
  if (!s.quantized_base) return `LoRA r${s.rank}`;
  const q = input(n, "model", byId);
  const qs =
    q?.op === "quantize" ? (q.settings as { format?: string; double_quant?: boolean }) : {};
  const fmtName = (qs.format ?? "nf4").toUpperCase();
  return `QLoRA r${s.rank} (${fmtName}${qs.double_quant ? ", double quant" : ""})`;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : "−"}${fmt(Math.abs(v))}`;
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  return w;
}

function pad(s: string, w: number): string {
  return s + " ".repeat(Math.max(0, w - width(s)));
}

function padStart(s: string, w: number): string {
  return " ".repeat(Math.max(0, w - width(s))) + s;
}

/** Writes the summary as JSON (temporary file + rename: never half a file). */
export async function writeEvalSummary(file: string, s: EvalSummary): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, JSON.stringify(s, null, 2) + "\n", "utf8");
  await rename(temp, file);
}

/**
 * The scores an evaluate node wrote to `<output>/<stage>/eval*.json` during this run (files
 * older than `since` are ignored): the results of a node that then failed its `require` gate,
 * so that the summary still shows them. Undefined when there are none.
 */
export function resultsFromFiles(
  node: IrNode,
  ir: PipelineIr,
  outputDir: string,
  since: number,
): Record<string, Record<string, number>> | undefined {
  if (node.op !== "evaluate") return undefined;
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const models = node.inputs
    .filter((i) => /^model(\[\d+\])?$/.test(i.port))
    .map((i) => byId.get(i.node)?.stage)
    .filter((s): s is string => s !== undefined);
  const out: Record<string, Record<string, number>> = {};
  for (const model of models) {
    const name = models.length > 1 ? `eval-${safeName(model)}.json` : "eval.json";
    const file = join(outputDir, safeName(node.stage), name);
    try {
      if (statSync(file).mtimeMs < since) continue;
      const report = JSON.parse(readFileSync(file, "utf8")) as {
        metrics?: Record<string, { score?: unknown }>;
      };
      const scores: Record<string, number> = {};
      for (const [k, v] of Object.entries(report.metrics ?? {}))
        if (typeof v?.score === "number") scores[k] = v.score;
      out[model] = scores;
    } catch {
      // Not written in this run (or unreadable): the model is left out.
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
