/**
 * A clean node: the IR's CleanSettings mapped onto the data layer's `Cleaner`, as a chain of
 * cleaners over one record stream, because a clean block may de-duplicate more than once
 * (`dedupe: instruction` then `dedupe: near { key: output }`) and the Cleaner takes one:
 *
 *   A  normalise + rules (required, length, language) in the order written
 *   R  `require` conditions that are not one of those forms, evaluated here
 *   D₁…Dₙ  one cleaner per `dedupe` entry, in the order written
 *   Q  quality score, augmentation, synthesis (with A's rules, for the rows they add)
 *
 * Their reports are merged into one: every row read is kept or dropped for a named reason.
 */
import type { Static } from "@sinclair/typebox";
import type { CleanSettings } from "../../../compiler/ir/schema-settings.js";
import {
  addDrop,
  emptyCleanReport,
  placeOf,
  type CleanReport,
} from "../../data/clean/clean-report.js";
import {
  Cleaner,
  type CleanOptions,
  type CleanRule,
  type NormalizeOptions,
} from "../../data/clean/cleaner.js";
import type { DedupeOptions } from "../../data/clean/dedupe.js";
import type { QualityScorer, TextGenerator } from "../../data/clean/hooks.js";
import type { DataRecord } from "../../data/format/record.js";
import type { Condition } from "../../../compiler/ir/schema-values.js";
import type { DatasetValue } from "../dataset-value.js";
import { conditionText, conditionToRules, fieldName, holds } from "./record-condition.js";
import { heuristicScorer } from "./quality-heuristic.js";
import { makeAugmenter } from "./augment.js";

export type CleanSettingsValue = Static<typeof CleanSettings>;

/** Drop examples kept per reason: in practice every dropped row is listed with its place. */
export const MAX_EXAMPLES = 10_000;

export interface CleanHooks {
  /** The judge behind `quality { scorer: judge }`. */
  judge?: QualityScorer;
  /** The teacher behind `synthesize`. */
  teacher?: TextGenerator;
  onProgress?: (done: number, total: number) => void;
}

export interface CleanPlan {
  normalize?: NormalizeOptions;
  rules: CleanRule[];
  residual: Condition[];
  dedupes: DedupeOptions[];
}

export function planClean(s: CleanSettingsValue, kind: DataRecord["kind"]): CleanPlan {
  const steps = new Set(s.normalize ?? []);
  const punctuation = steps.has("punctuation") || s.steps.includes("punctuation");
  const normalize: NormalizeOptions | undefined =
    steps.size > 0 || punctuation
      ? {
          whitespace: steps.has("whitespace")
            ? kind === "chat"
              ? "keep_newlines"
              : "collapse"
            : false,
          controlChars: steps.has("control_chars"),
          punctuation: punctuation
            ? { direction: s.punctuation === "full_width" ? "to_full" : "to_half" }
            : false,
        }
      : undefined;
  const rules: CleanRule[] = [];
  const residual: Condition[] = [];
  let next = 0;
  for (const step of s.steps) {
    if (step === "require") {
      const c = s.require[next++] as Condition | undefined;
      if (c === undefined) continue;
      const mapped = conditionToRules(c);
      if (mapped) rules.push(...mapped);
      else residual.push(c);
    } else if (step === "language" && s.language) {
      rules.push({ kind: "language", allow: [s.language] });
    }
  }
  // Conditions the steps list did not place (it lists one `require` per condition).
  for (; next < s.require.length; next++) {
    const c = s.require[next] as Condition;
    const mapped = conditionToRules(c);
    if (mapped) rules.push(...mapped);
    else residual.push(c);
  }
  if (s.language && !s.steps.includes("language"))
    rules.push({ kind: "language", allow: [s.language] });
  const dedupes: DedupeOptions[] = (s.dedupe ?? []).map((d) =>
    typeof d === "string"
      ? { fields: [fieldName(d)], mode: "exact" }
      : {
          fields: [fieldName(d.key)],
          mode: "near",
          threshold: d.threshold,
          ngram: d.ngram,
          numPerm: d.permutations,
        },
  );
  return { ...(normalize ? { normalize } : {}), rules, residual, dedupes };
}

/** Adds the drops of a later stage's report to the first one's. */
function mergeDrops(into: CleanReport, from: CleanReport): void {
  for (const [reason, c] of Object.entries(from.dropped)) {
    const e = (into.dropped[reason] ??= c.code
      ? { code: c.code, count: 0, examples: [], more: 0 }
      : { count: 0, examples: [], more: 0 });
    e.count += c.count;
    const room = Math.max(0, MAX_EXAMPLES - e.examples.length);
    e.examples.push(...c.examples.slice(0, room));
    e.more += c.more + Math.max(0, c.examples.length - room);
  }
  into.totals.dropped += from.totals.dropped;
  into.totals.generated.synthetic += from.totals.generated.synthetic;
  into.totals.generated.augmented += from.totals.generated.augmented;
}

export async function runClean(
  input: DatasetValue,
  s: CleanSettingsValue,
  hooks: CleanHooks = {},
): Promise<DatasetValue> {
  const kind = input.records[0]?.kind ?? "instruction";
  const plan = planClean(s, kind);
  const base = { seed: s.seed, maxExamplesPerReason: MAX_EXAMPLES };
  const first = new Cleaner({
    ...base,
    ...(plan.normalize ? { normalize: plan.normalize } : {}),
    rules: plan.rules,
  });
  for (const src of input.sources) first.addSource(src);
  const residual = emptyCleanReport(s.seed);
  const dedupers = plan.dedupes.map((d) => new Cleaner({ ...base, dedupe: d }));
  const q = s.quality;
  let quality: CleanOptions["quality"];
  if (q) {
    const scorer = q.scorer === "heuristic" ? heuristicScorer : hooks.judge;
    if (!scorer) throw new Error("quality { scorer: judge } needs a judge hook");
    quality = { scorer, threshold: q.threshold, concurrency: 16 };
  }
  let synthesize: CleanOptions["synthesize"];
  if (s.synthesize) {
    if (!hooks.teacher) throw new Error("synthesize needs a teacher hook");
    synthesize = {
      teacher: hooks.teacher,
      count: s.synthesize.count,
      seedPool: s.synthesize.seeds,
    };
  }
  const augment = s.augment ? { augmenter: makeAugmenter(s.augment) } : undefined;
  const last =
    quality || synthesize || augment
      ? new Cleaner({
          ...base,
          ...(plan.normalize ? { normalize: plan.normalize } : {}),
          rules: plan.rules,
          ...(quality ? { quality } : {}),
          ...(synthesize ? { synthesize } : {}),
          ...(augment ? { augment } : {}),
        })
      : undefined;

  const total = input.records.length;
  let done = 0;
  async function* source(): AsyncGenerator<DataRecord> {
    for (const r of input.records) {
      yield r;
      done++;
      if (hooks.onProgress && (done % 500 === 0 || done === total)) hooks.onProgress(done, total);
    }
  }
  async function* filterResidual(records: AsyncIterable<DataRecord>): AsyncGenerator<DataRecord> {
    for await (const r of records) {
      const failed = plan.residual.find((c) => !holds(c, r));
      if (failed === undefined) {
        yield r;
        continue;
      }
      addDrop(
        residual,
        "rule",
        placeOf(r.source),
        `\`require ${conditionText(failed)}\` does not hold`,
        MAX_EXAMPLES,
      );
    }
  }
  let stream: AsyncIterable<DataRecord> = first.clean(source());
  if (plan.residual.length > 0) stream = filterResidual(stream);
  for (const d of dedupers) stream = d.clean(stream);
  if (last) stream = last.clean(stream);
  const records: DataRecord[] = [];
  for await (const r of stream) records.push(r);

  const report = first.report;
  const finalStage = last ?? dedupers[dedupers.length - 1] ?? first;
  for (const later of [residual, ...dedupers.map((d) => d.report), ...(last ? [last.report] : [])])
    mergeDrops(report, later);
  if (finalStage !== first) {
    report.totals.kept = finalStage.report.totals.kept;
    report.totals.keptByOrigin = { ...finalStage.report.totals.keptByOrigin };
  }
  // Rows the residual filter dropped were counted as kept by the first stage.
  if (finalStage === first && residual.totals.dropped > 0) {
    report.totals.kept -= residual.totals.dropped;
    report.totals.keptByOrigin.file -= residual.totals.dropped;
  }
  return { kind: "dataset", format: input.format, records, report, sources: input.sources };
}
