/**
 * Questions several lints ask of an analysed pipeline: what a reference points at, which data
 * a model was trained on, how many rows a dataset declares, how many optimizer steps a
 * training stage will take, and where in the source a setting was written.
 *
 * Everything here is static: it reads the `.pipe` file and its resolved settings, never a
 * data file. Row counts are therefore only the *declared* ones (a generator's `rows`, a
 * split's count); a dataset read from a file has no known size at compile time.
 */
import type * as A from "../../grammar/ast.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import { settingsToJson } from "../settings/check-block.js";
import type { Json } from "../settings/spec.js";
import { groupThousands } from "../text/format-number.js";

/** A resolved `{ $ref }` value: `sft.train` → stage `sft`, output `train`. */
export interface StageRef {
  ref: string;
  stage: string;
  output?: string;
}

export function asRef(value: Json | undefined): StageRef | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const ref = value.$ref;
  if (typeof ref !== "string") return undefined;
  const [stage, output] = ref.split(".");
  return output === undefined ? { ref, stage } : { ref, stage, output };
}

/** References in a value that may be one reference or a list of them (`eval([a, b], d)`). */
export function refsIn(value: Json | undefined): StageRef[] {
  if (Array.isArray(value)) return value.map(asRef).filter((r): r is StageRef => !!r);
  const one = asRef(value);
  return one ? [one] : [];
}

const jsonCache = new WeakMap<AnalyzedStage, Record<string, Json>>();

/** A stage's resolved settings as plain JSON (cached: lints ask for them many times). */
export function settingsOf(stage: AnalyzedStage): Record<string, Json> {
  let json = jsonCache.get(stage);
  if (!json) {
    json = settingsToJson(stage.settings);
    jsonCache.set(stage, json);
  }
  return json;
}

/** A plain object setting (`clean`, `split`, `generate`, `optimizer`…), or undefined. */
export function objectAt(value: Json | undefined): Record<string, Json> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

export function numberAt(value: Json | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Whether `key` was written in the stage's block (not filled in from a default). */
export function setInFile(stage: AnalyzedStage, key: string): boolean {
  return stage.settings[key]?.provenance === "file";
}

// ---------------------------------------------------------------------------------------
// Source spans

type Keyed = A.Property | A.SubBlock;

function keyOf(entry: A.Entry): string | undefined {
  if (entry.recovered) return undefined;
  if (entry.kind === "Property") return entry.key.name;
  if (entry.kind === "SubBlock") return entry.name.name;
  return undefined;
}

/** The block an entry opens: `clean { … }`, `eval: { … }`, `optimizer: adamw { … }`. */
function innerBlock(entry: Keyed): A.Block | undefined {
  if (entry.kind === "SubBlock") return entry.body;
  const v = entry.value;
  if (v.kind === "Map") return v.body;
  if (v.kind === "Call") return v.body;
  return undefined;
}

/** Every entry named `key` directly in `block` (repeatable settings such as `dedupe`). */
export function entriesNamed(block: A.Block | undefined, key: string): Keyed[] {
  return (block?.entries ?? []).filter((e): e is Keyed => keyOf(e) === key);
}

/** The entry at a path of keys, descending through sub-blocks and `name { … }` values. */
export function entryAt(block: A.Block | undefined, path: readonly string[]): Keyed | undefined {
  let current: A.Block | undefined = block;
  let found: Keyed | undefined;
  for (const key of path) {
    found = entriesNamed(current, key)[0];
    if (!found) return undefined;
    current = innerBlock(found);
  }
  return found;
}

/** The span of the value of the entry at `path` (the whole entry for a sub-block). */
export function valueSpanAt(block: A.Block | undefined, path: readonly string[]): Span | undefined {
  const e = entryAt(block, path);
  if (!e) return undefined;
  return e.kind === "Property" ? e.value.span : e.span;
}

/** The span of the entry at `path`, or of the stage's name when it was not written. */
export function settingSpan(stage: AnalyzedStage, path: readonly string[]): Span {
  return entryAt(stage.node.body, path)?.span ?? stage.node.name.span;
}

/** The span of the key of the entry at `path` (`early_stopping` in `early_stopping { … }`). */
export function settingKeySpan(stage: AnalyzedStage, path: readonly string[]): Span {
  const e = entryAt(stage.node.body, path);
  if (!e) return stage.node.name.span;
  return e.kind === "Property" ? e.key.span : e.name.span;
}

/** The written value of a number entry (`rank: 16`), for messages that quote the source. */
export function writtenNumber(
  block: A.Block | undefined,
  path: readonly string[],
): string | undefined {
  const e = entryAt(block, path);
  return e?.kind === "Property" && e.value.kind === "Number" ? e.value.raw : undefined;
}

// ---------------------------------------------------------------------------------------
// Training lineage

/** Stage sources that train weights, with the argument that names their training data. */
const TRAINING_DATA_ARG: Readonly<Record<string, string>> = {
  sft: "data",
  pretrain: "data",
  detect_train: "data",
  distill: "data",
  teacher_answers: "prompts",
};

export function isTrainingStage(stage: AnalyzedStage): boolean {
  return stage.source in TRAINING_DATA_ARG;
}

/** LLM training stages (they share TRAINING_FIELDS: epochs, max_steps, batch, eval…). */
export function isLlmTrainingStage(stage: AnalyzedStage): boolean {
  return ["sft", "pretrain", "distill", "teacher_answers"].includes(stage.source);
}

/** The data a training stage learns from, with the span of the argument that names it. */
export function trainingData(stage: AnalyzedStage): { ref: StageRef; span: Span } | undefined {
  const arg = TRAINING_DATA_ARG[stage.source];
  if (!arg) return undefined;
  const ref = asRef(stage.args[arg]);
  if (!ref) return undefined;
  return { ref, span: stage.argSpans[arg] ?? stage.node.name.span };
}

/**
 * What a stage's weights are built on: a training stage's model (the student for
 * distillation — the teacher's weights are not inherited), an adapter's base model.
 */
export function weightParents(stage: AnalyzedStage): StageRef[] {
  switch (stage.source) {
    case "sft":
    case "pretrain":
    case "detect_train":
      return refsIn(stage.args.model);
    case "distill":
      return refsIn(stage.args.student);
    case "teacher_answers":
      return refsIn(settingsOf(stage).student);
    default:
      if (stage.kind === "adapter") return refsIn(stage.args.base);
      return [];
  }
}

/** The stage and every stage its weights descend from, nearest first, without repeats. */
export function weightLineage(pipeline: AnalyzedPipeline, name: string): AnalyzedStage[] {
  const out: AnalyzedStage[] = [];
  const seen = new Set<string>();
  const queue = [name];
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    const stage = pipeline.stages.get(next);
    if (!stage) continue;
    out.push(stage);
    for (const parent of weightParents(stage)) queue.push(parent.stage);
  }
  return out;
}

/** Every dataset reference a model's weights were trained on, with the stage that did it. */
export function trainedOn(
  pipeline: AnalyzedPipeline,
  name: string,
): { ref: StageRef; span: Span; by: AnalyzedStage }[] {
  const out: { ref: StageRef; span: Span; by: AnalyzedStage }[] = [];
  for (const stage of weightLineage(pipeline, name)) {
    const data = trainingData(stage);
    if (data) out.push({ ...data, by: stage });
  }
  return out;
}

/** The LoRA adapter a training stage trains (directly), if any. */
export function trainedAdapter(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
): AnalyzedStage | undefined {
  for (const parent of weightParents(stage)) {
    const p = pipeline.stages.get(parent.stage);
    if (p?.kind === "adapter") return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Data

/** Dataset formats whose rows are records with a prompt (SFT-style data). */
export const PROMPT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  alpaca: ["instruction"],
  sharegpt: ["conversations"],
  preference: ["prompt"],
};

export function isRecordDataset(stage: AnalyzedStage | undefined): stage is AnalyzedStage {
  return (
    stage?.kind === "dataset" && ["alpaca", "sharegpt", "preference", "text"].includes(stage.source)
  );
}

/** The `path` argument of a dataset, normalised for comparison. */
export function datasetPath(stage: AnalyzedStage): string | undefined {
  const p = stage.args.path;
  if (typeof p !== "string") return undefined;
  return p
    .replace(/\\/g, "/")
    .replace(/^(\.\/)+/, "")
    .replace(/\/+/g, "/");
}

/** Dedupe entries of a dataset's `clean` block as `{ field, near }`. */
export function dedupeKeys(stage: AnalyzedStage): { field: string; near: boolean }[] {
  const clean = objectAt(settingsOf(stage).clean);
  const dedupe = clean?.dedupe;
  if (!Array.isArray(dedupe)) return [];
  const out: { field: string; near: boolean }[] = [];
  for (const d of dedupe) {
    if (typeof d === "string") out.push({ field: d, near: false });
    const o = objectAt(d);
    if (o && typeof o.key === "string") out.push({ field: o.key, near: true });
  }
  return out;
}

/** A split's declared size as written: a fraction of the rows or a row count. */
export type SplitSize = { fraction: number } | { count: number };

/** Split sizes from the AST, classified the way the semantic checker classifies them. */
export function splitSizes(stage: AnalyzedStage): Map<string, { size: SplitSize; span: Span }> {
  const out = new Map<string, { size: SplitSize; span: Span }>();
  const split = entryAt(stage.node.body, ["split"]);
  const block = split ? innerBlock(split) : undefined;
  for (const e of block?.entries ?? []) {
    if (e.kind !== "Property" || e.recovered || e.key.name === "by" || e.key.name === "seed")
      continue;
    if (e.value.kind !== "Number" || e.value.recovered) continue;
    const { value, unit } = e.value;
    if (unit === "%") out.set(e.key.name, { size: { fraction: value / 100 }, span: e.value.span });
    else if (!Number.isInteger(value) && value < 1)
      out.set(e.key.name, { size: { fraction: value }, span: e.value.span });
    else out.set(e.key.name, { size: { count: value }, span: e.value.span });
  }
  return out;
}

export interface DeclaredRows {
  rows: number;
  /** How the number was derived, for messages: "2,000 generated × 90%". */
  how: string;
  /** False when a fraction was rounded to rows. */
  exact: boolean;
  /** Where the number was written (a split count, a generator's `rows`, its `generate:`). */
  span: Span;
}

/**
 * Rows a dataset (or one of its splits) declares, before cleaning drops any: a split's
 * count, or the generator's `rows` (times the split's fraction). Undefined when the file's
 * size is only known at run time.
 */
export function declaredRows(pipeline: AnalyzedPipeline, ref: StageRef): DeclaredRows | undefined {
  const stage = pipeline.stages.get(ref.stage);
  if (!isRecordDataset(stage)) return undefined;
  const generate = objectAt(settingsOf(stage).generate);
  const generated = numberAt(generate?.rows);
  const body = stage.node.body;
  const rowsSpan = entryAt(body, ["generate", "rows"])?.span ?? entryAt(body, ["generate"])?.span;
  if (ref.output !== undefined) {
    const split = splitSizes(stage).get(ref.output);
    if (!split) return undefined;
    if ("count" in split.size) {
      return { rows: split.size.count, how: "the split's count", exact: true, span: split.span };
    }
    if (generated === undefined || !rowsSpan) return undefined;
    const percent = +(split.size.fraction * 100).toFixed(4);
    return {
      rows: Math.round(generated * split.size.fraction),
      how: `${formatCount(generated)} generated × ${percent}%`,
      exact: false,
      span: split.span,
    };
  }
  if (generated === undefined || !rowsSpan) return undefined;
  return { rows: generated, how: "the generator's `rows`", exact: true, span: rowsSpan };
}

/** Optimizer steps a training stage will take, when the file says enough to know. */
export function optimizerSteps(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
): { steps: number; how: string } | undefined {
  const s = settingsOf(stage);
  const maxSteps = numberAt(s.max_steps);
  const fromEpochs = epochSteps(pipeline, stage);
  if (maxSteps !== undefined && fromEpochs !== undefined && fromEpochs.steps < maxSteps) {
    return fromEpochs;
  }
  if (maxSteps !== undefined) return { steps: maxSteps, how: "`max_steps`" };
  return fromEpochs;
}

/**
 * Steps that `epochs` alone would give: epochs × ⌈rows / (batch × grad_accum)⌉ for
 * record data without packing (one row is one sequence). Undefined when unknown.
 */
export function epochSteps(
  pipeline: AnalyzedPipeline,
  stage: AnalyzedStage,
): { steps: number; how: string } | undefined {
  if (!["sft", "distill", "teacher_answers"].includes(stage.source)) return undefined;
  const s = settingsOf(stage);
  const epochs = numberAt(s.epochs);
  const perStep = examplesPerStep(stage);
  const data = trainingData(stage);
  if (epochs === undefined || perStep === undefined || !data) return undefined;
  const dataset = pipeline.stages.get(data.ref.stage);
  if (!dataset || settingsOf(dataset).packing === true) return undefined;
  const rows = declaredRows(pipeline, data.ref);
  if (!rows || rows.rows <= 0) return undefined;
  const perEpoch = Math.ceil(rows.rows / perStep);
  return {
    steps: epochs * perEpoch,
    how: `${epochs} epoch${epochs === 1 ? "" : "s"} × ⌈${formatCount(rows.rows)} rows / ${perStep}⌉`,
  };
}

/** batch × grad_accum: examples consumed by one optimizer step. */
export function examplesPerStep(stage: AnalyzedStage): number | undefined {
  const s = settingsOf(stage);
  const batch = numberAt(s.batch);
  const accum = numberAt(s.grad_accum) ?? 1;
  return batch === undefined ? undefined : batch * accum;
}

/** 12345 → "12,345" (fixed locale, so messages are the same everywhere). */
export function formatCount(n: number): string {
  return groupThousands(n);
}
