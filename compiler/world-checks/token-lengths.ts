/**
 * Token lengths of the sampled rows against `max_length`. Each row is rendered with its
 * template (the data layer's), then counted with the real tokenizer when the model that trains
 * on the data has a tokenizer.json, or else with a rough estimate (about 4 characters per token
 * for Latin text, one token per CJK or other non-ASCII character). Truncation keeps the head of
 * an example, so the answer — which comes last — is what gets cut: when most sampled rows
 * exceed `max_length`, the check warns, with the length distribution.
 */
import * as fs from "node:fs";
import type { DataRecord } from "../../runtime/data/format/record.js";
import type { Segment } from "../../runtime/data/template/segments.js";
import { WORLD } from "../diagnostics/codes/world.js";
import type { AnalyzedStage } from "../semantic/analyze.js";
import { settingSpan } from "./ast-spans.js";
import { diagnostic, displayPath, type WorldContext } from "./context.js";
import type { DatasetFacts } from "./datasets.js";
import { baseModelOf, consumersOf, settingValue } from "./lineage.js";
import { effectiveTokenizer, type ResolvedModel } from "./models.js";
import { BUILTIN_TEMPLATES, isJinja } from "./templates.js";

export interface Counter {
  count(text: string): number;
  addBos: boolean;
  /** "the tokenizer of models/x" or "a rough estimate (…)". */
  describe: string;
}

/** About 4 characters per token for ASCII text, one per other character (CJK). */
export function roughTokenCount(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

const ROUGH: Counter = {
  count: roughTokenCount,
  addBos: true,
  describe: "a rough estimate (~4 characters per token, 1 per CJK character)",
};

interface TokenizerLike {
  encode(text: string): number[];
  addBos: boolean;
  config?: unknown;
}

async function loadCounter(
  ctx: WorldContext,
  model: ResolvedModel | undefined,
  models: ReadonlyMap<string, ResolvedModel>,
): Promise<{ counter: Counter; tokenizer?: TokenizerLike }> {
  if (!model) return { counter: ROUGH };
  const { source } = effectiveTokenizer(models, model);
  if (source.kind !== "dir" || !source.file || !fs.existsSync(source.file))
    return { counter: ROUGH };
  try {
    const { Tokenizer } = await import("../../runtime/tokenizer/tokenizer.js");
    const tok = Tokenizer.load(source.dir);
    return {
      counter: {
        count: (t) => (t === "" ? 0 : tok.encode(t).length),
        addBos: tok.addBos,
        describe: `the tokenizer of ${displayPath(ctx, source.dir)}`,
      },
      tokenizer: tok,
    };
  } catch {
    return { counter: ROUGH }; // an unsupported tokenizer: the estimate still helps
  }
}

/** The template's segments for a record, or a plain prompt/answer split when it cannot render. */
async function renderer(
  template: unknown,
  tokenizer: TokenizerLike | undefined,
): Promise<(r: DataRecord) => { segments: Segment[]; appendEos: boolean }> {
  const plain = (r: DataRecord): { segments: Segment[]; appendEos: boolean } => {
    switch (r.kind) {
      case "instruction":
        return {
          segments: [
            { text: `${r.instruction}\n${r.input}\n`, train: false },
            { text: r.output, train: true },
          ],
          appendEos: true,
        };
      case "preference":
        return {
          segments: [
            { text: r.prompt, train: false },
            { text: r.chosen, train: true },
          ],
          appendEos: true,
        };
      case "chat":
        return {
          segments: r.messages.map((m) => ({ text: m.content, train: m.role === "assistant" })),
          appendEos: false,
        };
      case "text":
        return { segments: [{ text: r.text, train: true }], appendEos: true };
    }
  };
  if (typeof template !== "string" || template === "none") return plain;
  try {
    if (template === "alpaca_zh" || template === "alpaca_en") {
      // The built-in Alpaca templates need no Jinja: importing only them keeps the Jinja
      // engine (~120 kB of JavaScript) out of `pipe check`'s start-up.
      const { applyAlpacaTemplate, BUILTIN_ALPACA_TEMPLATES } =
        await import("../../runtime/data/template/alpaca-template.js");
      const alpaca = BUILTIN_ALPACA_TEMPLATES[template];
      return (r) => {
        if (r.kind === "text") return plain(r);
        try {
          return applyAlpacaTemplate(r, alpaca);
        } catch {
          return plain(r);
        }
      };
    }
    const { resolveTemplate, applyTemplate } =
      await import("../../runtime/data/template/apply-template.js");
    const config = tokenizer?.config as Parameters<typeof resolveTemplate>[1];
    let resolved: ReturnType<typeof resolveTemplate>;
    if (template === "chat") {
      if (!config) return plain;
      resolved = resolveTemplate("chat", config);
    } else if (isJinja(template)) resolved = resolveTemplate({ chat: template }, config);
    else if (!BUILTIN_TEMPLATES.includes(template)) return customRenderer(template, plain);
    else return plain;
    return (r) => {
      try {
        return applyTemplate(r, resolved);
      } catch {
        return plain(r);
      }
    };
  } catch {
    return plain;
  }
}

/** A `{field}` template: the text before `{output}` is the prompt, the answer follows. */
function customRenderer(
  template: string,
  plain: (r: DataRecord) => { segments: Segment[]; appendEos: boolean },
): (r: DataRecord) => { segments: Segment[]; appendEos: boolean } {
  return (r) => {
    if (r.kind !== "instruction") return plain(r);
    const values: Record<string, string> = {
      instruction: r.instruction,
      input: r.input,
      output: r.output,
    };
    const cut = template.indexOf("{output}");
    const head = cut >= 0 ? template.slice(0, cut) : template;
    const prompt = head.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all);
    return {
      segments: [
        { text: prompt, train: false },
        { text: r.output, train: true },
      ],
      appendEos: true,
    };
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface LengthStats {
  rows: number;
  truncated: number;
  answerLost: number;
  p50: number;
  p90: number;
  max: number;
  counter: string;
}

export async function measureLengths(
  records: readonly DataRecord[],
  maxLength: number,
  template: unknown,
  counter: Counter,
  tokenizer?: TokenizerLike,
): Promise<LengthStats> {
  const render = await renderer(template, tokenizer);
  const totals: number[] = [];
  let truncated = 0;
  let answerLost = 0;
  for (const r of records) {
    const { segments, appendEos } = render(r);
    let prompt = counter.addBos ? 1 : 0;
    let total = prompt;
    let seenTrain = false;
    for (const s of segments) {
      const n = counter.count(s.text);
      if (!s.train && !seenTrain) prompt += n;
      if (s.train) seenTrain = true;
      total += n;
    }
    if (appendEos) total += 1;
    totals.push(total);
    if (total > maxLength) truncated++;
    if (prompt >= maxLength) answerLost++;
  }
  totals.sort((a, b) => a - b);
  return {
    rows: records.length,
    truncated,
    answerLost,
    p50: percentile(totals, 50),
    p90: percentile(totals, 90),
    max: totals.at(-1) ?? 0,
    counter: counter.describe,
  };
}

const pct = (n: number, of: number): string => `${Math.round((100 * n) / Math.max(1, of))}%`;

async function checkDataset(
  ctx: WorldContext,
  stage: AnalyzedStage,
  facts: DatasetFacts,
  models: ReadonlyMap<string, ResolvedModel>,
): Promise<void> {
  const records = facts.sample?.records ?? [];
  if (records.length === 0 || stage.source === "text") return;
  const maxLength = settingValue(stage, "max_length");
  if (typeof maxLength !== "number") return;
  const consumer = consumersOf(ctx.pipeline, stage.name)[0];
  const baseStage = consumer ? baseModelOf(ctx.pipeline, consumer.name) : undefined;
  const model = baseStage ? models.get(baseStage.name) : undefined;
  const { counter, tokenizer } = await loadCounter(ctx, model, models);
  const stats = await measureLengths(
    records,
    maxLength,
    settingValue(stage, "template"),
    counter,
    tokenizer,
  );
  if (stats.truncated * 2 <= stats.rows) return;
  const lost = stats.answerLost
    ? ` (${pct(stats.answerLost, stats.rows)} lose the whole answer)`
    : "";
  ctx.report(
    diagnostic(
      WORLD.datasetTruncation,
      "warning",
      settingSpan(stage, "max_length"),
      `${pct(stats.truncated, stats.rows)} of the first ${stats.rows} rows of \`${stage.name}\` are longer than max_length ${maxLength}: truncation would cut their answers${lost}`,
      `token lengths by ${stats.counter}: median ${stats.p50}, 90th percentile ${stats.p90}, longest ${stats.max}; raise \`max_length\` to about ${stats.p90}, or shorten the data`,
    ),
  );
}

export async function checkTokenLengths(
  ctx: WorldContext,
  datasets: ReadonlyMap<string, DatasetFacts>,
  models: ReadonlyMap<string, ResolvedModel>,
): Promise<void> {
  await Promise.all(
    [...datasets.values()].map((facts) => checkDataset(ctx, facts.stage, facts, models)),
  );
}
