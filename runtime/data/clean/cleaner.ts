/**
 * The cleaning pipeline of seed chapter 2.1.2, streamed record by record:
 *
 *   normalise (whitespace, control characters, punctuation)
 *   → rules in the order given (required fields, length per field, language)
 *   → de-duplication (exact, then near)            — before the judge, to save its calls
 *   → quality score ≥ threshold (judge hook)
 *   → augmentation of kept rows (hook), synthetic rows from a teacher at the end (hook)
 *
 * Every record that does not come out is counted in the report by reason with its place.
 * Seeded: the augmenter's and the teacher's randomness and the seed-example pool come from
 * `createRng(seed)`, so the same input and seed give the same output.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { createRng, type Rng } from "../../util/random.js";
import type { SourceReport } from "../format/read-records.js";
import {
  mapRecordTexts,
  RECORD_FIELDS,
  recordField,
  recordTexts,
  type DataRecord,
} from "../format/record.js";
import {
  addDrop,
  addSourceReport,
  emptyCleanReport,
  placeOf,
  type CleanReport,
} from "./clean-report.js";
import { Deduplicator, type DedupeOptions } from "./dedupe.js";
import type { Augmenter, QualityScorer, SyntheticSampler, TextGenerator } from "./hooks.js";
import { teacherSynthesis } from "./hooks.js";
import { detectLanguage, type Language } from "./language.js";
import {
  normalizePunctuation,
  normalizeWhitespace,
  removeControlChars,
  type PunctuationOptions,
  type WhitespaceMode,
} from "./normalize-text.js";

export type CleanRule =
  /** The field exists for the record kind and is not empty after trimming (seed: check_format). */
  | { kind: "required"; field: string }
  /** Length in characters (code points), inclusive bounds (seed: check_length). */
  | { kind: "length"; field: string; min?: number; max?: number }
  /** Detected language (script ratio) must be one of `allow`. Default fields: all texts. */
  | { kind: "language"; allow: readonly Language[]; fields?: readonly string[]; minRatio?: number };

export interface NormalizeOptions {
  whitespace?: WhitespaceMode | false;
  controlChars?: boolean;
  punctuation?: PunctuationOptions | false;
}

export interface QualityOptions {
  scorer: QualityScorer;
  /** Keep records scoring at least this (seed: 4 on a 1–5 scale). */
  threshold: number;
  /** Records scored at once. Default 1. */
  concurrency?: number;
}

export interface AugmentOptions {
  augmenter: Augmenter;
  /** Send augmented records to the judge too. Default false. */
  checkQuality?: boolean;
}

export type SynthesisOptions = {
  /** Seed examples; default: a seeded sample of kept rows (`seedPool` of them). */
  seedExamples?: readonly DataRecord[];
  seedPool?: number;
  /** Send synthetic records to the judge. Default true. */
  checkQuality?: boolean;
} & ({ count: number; teacher: TextGenerator } | { sampler: SyntheticSampler });

export interface CleanOptions {
  seed?: number;
  normalize?: NormalizeOptions;
  rules?: readonly CleanRule[];
  dedupe?: DedupeOptions;
  quality?: QualityOptions;
  augment?: AugmentOptions;
  synthesize?: SynthesisOptions;
  /** Example places listed per drop reason. Default 20. */
  maxExamplesPerReason?: number;
}

type Verdict = { ok: true; record: DataRecord } | { ok: false; reason: string; detail: string };

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function validateCleanOptions(options: CleanOptions): void {
  for (const rule of options.rules ?? []) {
    if (rule.kind === "length") {
      const { min, max } = rule;
      for (const [name, v] of [
        ["min", min],
        ["max", max],
      ] as const) {
        if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
          throw new PipeError(
            "PW6301",
            `length rule on \`${rule.field}\`: ${name} must be a non-negative integer (got ${v})`,
          );
        }
      }
      if (min !== undefined && max !== undefined && min > max) {
        throw new PipeError(
          "PW6301",
          `length rule on \`${rule.field}\`: min ${min} is greater than max ${max}`,
        );
      }
      if (min === undefined && max === undefined) {
        throw new PipeError(
          "PW6301",
          `length rule on \`${rule.field}\` needs a min, a max or both`,
        );
      }
    }
    if (rule.kind === "language") {
      if (rule.allow.length === 0)
        throw new PipeError("PW6301", "language rule needs at least one allowed language");
      if (rule.minRatio !== undefined && !(rule.minRatio > 0 && rule.minRatio <= 1)) {
        throw new PipeError(
          "PW6301",
          `language rule: minRatio must be in (0, 1] (got ${rule.minRatio})`,
        );
      }
    }
  }
  const q = options.quality;
  if (q && !Number.isFinite(q.threshold))
    throw new PipeError("PW6301", "quality threshold must be a number");
  const s = options.synthesize;
  if (s && "count" in s && (!Number.isInteger(s.count) || s.count < 0)) {
    throw new PipeError(
      "PW6301",
      `synthesize count must be a non-negative integer (got ${s.count})`,
    );
  }
}

export class Cleaner {
  readonly report: CleanReport;
  private readonly seed: number;
  private readonly maxExamples: number;
  private readonly dedupe?: Deduplicator;
  private readonly checkedKinds = new Set<string>();
  private readonly augmentRng: Rng;
  private readonly synthRng: Rng;
  private readonly poolRng: Rng;
  private readonly pool: DataRecord[] = [];
  private poolSeen = 0;
  private synthCount = 0;

  constructor(readonly options: CleanOptions = {}) {
    validateCleanOptions(options);
    this.seed = options.seed ?? 0;
    this.maxExamples = options.maxExamplesPerReason ?? 20;
    this.report = emptyCleanReport(this.seed);
    if (options.dedupe) this.dedupe = new Deduplicator(options.dedupe, this.seed);
    // Independent streams, so turning one hook on does not change another's draws.
    this.augmentRng = createRng(this.seed ^ 0x41554720);
    this.synthRng = createRng(this.seed ^ 0x53594e54);
    this.poolRng = createRng(this.seed ^ 0x504f4f4c);
  }

  /** Adds a source's read report (malformed and invalid rows become drops by reason). */
  addSource(source: SourceReport): void {
    addSourceReport(this.report, source, this.maxExamples);
  }

  private checkFields(record: DataRecord): void {
    if (this.checkedKinds.has(record.kind)) return;
    this.checkedKinds.add(record.kind);
    const known = RECORD_FIELDS[record.kind];
    const used: string[] = [];
    for (const r of this.options.rules ?? []) {
      if (r.kind === "language") used.push(...(r.fields ?? []));
      else used.push(r.field);
    }
    used.push(...(this.options.dedupe?.fields ?? []));
    for (const f of used) {
      if (!known.includes(f)) {
        throw new PipeError(
          "PW6301",
          `\`${f}\` is not a field of ${record.kind} records`,
          {},
          `fields: ${known.join(", ")}`,
        );
      }
    }
  }

  private normalize(record: DataRecord): DataRecord {
    const n = this.options.normalize;
    if (!n) return record;
    let r = record;
    const step = (
      fn: (t: string) => string,
      counter: "whitespace" | "controlChars" | "punctuation",
    ) => {
      const before = recordTexts(r);
      const next = mapRecordTexts(r, fn);
      if (recordTexts(next).some((t, k) => t !== before[k])) this.report.modified[counter]++;
      r = next;
    };
    // Control characters first: removing one may leave whitespace to collapse.
    if (n.controlChars) step(removeControlChars, "controlChars");
    if (n.punctuation) {
      const p = n.punctuation;
      step((t) => normalizePunctuation(t, p), "punctuation");
    }
    if (n.whitespace) {
      const mode = n.whitespace;
      step((t) => normalizeWhitespace(t, mode), "whitespace");
    }
    return r;
  }

  private applyRules(record: DataRecord): Verdict {
    for (const rule of this.options.rules ?? []) {
      if (rule.kind === "required") {
        const v = recordField(record, rule.field);
        if (v === undefined || v.trim() === "") {
          return {
            ok: false,
            reason: `required:${rule.field}`,
            detail: `\`${rule.field}\` is empty`,
          };
        }
      } else if (rule.kind === "length") {
        const n = charLength(recordField(record, rule.field) ?? "");
        if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
          const range = `${rule.min ?? 0}..${rule.max ?? "∞"}`;
          return {
            ok: false,
            reason: `length:${rule.field}`,
            detail: `\`${rule.field}\` has ${n} character${n === 1 ? "" : "s"}, needs ${range}`,
          };
        }
      } else {
        const text = rule.fields
          ? rule.fields.map((f) => recordField(record, f) ?? "").join("\n")
          : recordTexts(record).join("\n");
        const guess = detectLanguage(text, rule.minRatio ?? 0.5);
        if (!rule.allow.includes(guess.language)) {
          return {
            ok: false,
            reason: "language",
            detail: `detected ${guess.language} (${Math.round(guess.ratio * 100)}% of letters), allowed ${rule.allow.join("/")}`,
          };
        }
      }
    }
    return { ok: true, record };
  }

  /** Normalisation, rules and de-duplication for one record (no hooks). */
  private screen(record: DataRecord, useDedupe = true): Verdict {
    this.checkFields(record);
    const r = this.normalize(record);
    const v = this.applyRules(r);
    if (!v.ok) return v;
    if (useDedupe && this.dedupe) {
      const d = this.dedupe.check(r);
      if (d.duplicate) return { ok: false, reason: d.reason, detail: d.detail };
    }
    return { ok: true, record: r };
  }

  private drop(record: DataRecord, reason: string, detail: string): void {
    addDrop(this.report, reason, placeOf(record.source), detail, this.maxExamples);
  }

  private keep(record: DataRecord): DataRecord {
    this.report.totals.kept++;
    this.report.totals.keptByOrigin[record.source.origin]++;
    if (record.source.origin === "file") {
      // Reservoir sample of kept rows: the teacher's seed examples.
      this.poolSeen++;
      const size = this.options.synthesize?.seedPool ?? 64;
      if (this.pool.length < size) this.pool.push(record);
      else {
        const j = this.poolRng.int(this.poolSeen);
        if (j < size) this.pool[j] = record;
      }
    }
    return record;
  }

  /** Scores records with the judge; returns the ones at or above the threshold, in order. */
  private async judge(records: DataRecord[]): Promise<DataRecord[]> {
    const q = this.options.quality;
    if (!q || records.length === 0) return records;
    const scores = await Promise.all(
      records.map(async (r) => {
        let s: number;
        try {
          s = await q.scorer(r);
        } catch (err) {
          throw new PipeError("PW6302", `the quality scorer failed: ${(err as Error).message}`, {
            path: r.source.path,
            line: r.source.line,
          });
        }
        return s;
      }),
    );
    const kept: DataRecord[] = [];
    records.forEach((r, k) => {
      const s = scores[k];
      if (typeof s !== "number" || Number.isNaN(s)) {
        this.drop(r, "quality_unscored", `the judge gave no number (${String(s)})`);
      } else if (s < q.threshold) this.drop(r, "quality", `score ${s} < ${q.threshold}`);
      else kept.push(r);
    });
    return kept;
  }

  private async augment(record: DataRecord): Promise<DataRecord[]> {
    const a = this.options.augment;
    if (!a) return [];
    let extra: unknown;
    try {
      extra = await a.augmenter(record, this.augmentRng);
    } catch (err) {
      throw new PipeError("PW6303", `the augmenter failed: ${(err as Error).message}`, {
        path: record.source.path,
        line: record.source.line,
      });
    }
    if (!Array.isArray(extra)) {
      throw new PipeError("PW6303", "the augmenter must return a list of records", {
        path: record.source.path,
        line: record.source.line,
      });
    }
    const out: DataRecord[] = [];
    for (const e of extra as DataRecord[]) {
      this.report.totals.generated.augmented++;
      const rec = {
        ...e,
        source: {
          path: record.source.path,
          line: record.source.line,
          origin: "augmented" as const,
        },
      };
      // Augmented copies are deliberately close to their original: no de-duplication against
      // it; the splitter keeps them in the original's split.
      const v = this.screen(rec, false);
      if (!v.ok) this.drop(rec, v.reason, v.detail);
      else out.push(v.record);
    }
    return a.checkQuality ? this.judge(out) : out;
  }

  /** Cleans a stream of records. The report is complete when the generator ends. */
  async *clean(
    records: AsyncIterable<DataRecord> | Iterable<DataRecord>,
  ): AsyncGenerator<DataRecord> {
    const batchSize = Math.max(1, this.options.quality?.concurrency ?? 1);
    let pending: DataRecord[] = [];
    const flush = async function* (this: Cleaner): AsyncGenerator<DataRecord> {
      const passed = await this.judge(pending);
      pending = [];
      for (const r of passed) {
        yield this.keep(r);
        for (const extra of await this.augment(r)) yield this.keep(extra);
      }
    }.bind(this);

    for await (const record of records) {
      const v = this.screen(record);
      if (!v.ok) {
        this.drop(record, v.reason, v.detail);
        continue;
      }
      pending.push(v.record);
      if (pending.length >= batchSize) yield* flush();
    }
    yield* flush();
    yield* this.synthesize();
  }

  private async *synthesize(): AsyncGenerator<DataRecord> {
    const s = this.options.synthesize;
    if (!s) return;
    const seeds = s.seedExamples ?? this.pool;
    const made: DataRecord[] = [];
    const next = () => ({
      path: "<synthetic>",
      line: ++this.synthCount,
      origin: "synthetic" as const,
    });
    try {
      if ("teacher" in s) {
        for (const res of await teacherSynthesis(s.teacher, seeds, s.count, this.synthRng)) {
          this.report.totals.generated.synthetic++;
          const source = next();
          if ("failed" in res) {
            addDrop(
              this.report,
              "synthetic_unparseable",
              placeOf(source),
              `reply without 指令/回答: ${res.reply.slice(0, 60)}`,
              this.maxExamples,
            );
          } else
            made.push({
              kind: "instruction",
              instruction: res.instruction,
              input: "",
              output: res.output,
              source,
            });
        }
      } else {
        const out = await s.sampler(seeds, this.synthRng);
        if (!Array.isArray(out)) throw new Error("the sampler must return a list of records");
        for (const r of out) {
          this.report.totals.generated.synthetic++;
          made.push({ ...r, source: next() });
        }
      }
    } catch (err) {
      if (err instanceof PipeError) throw err;
      throw new PipeError(
        "PW6304",
        `synthetic-sample generation failed: ${(err as Error).message}`,
      );
    }
    const screened: DataRecord[] = [];
    for (const r of made) {
      const v = this.screen(r);
      if (!v.ok) this.drop(r, v.reason, v.detail);
      else screened.push(v.record);
    }
    const kept = s.checkQuality === false ? screened : await this.judge(screened);
    for (const r of kept) yield this.keep(r);
  }
}

/** Cleans an in-memory list (tests, small datasets). */
export async function cleanRecords(
  records: Iterable<DataRecord> | AsyncIterable<DataRecord>,
  options: CleanOptions = {},
  sources: readonly SourceReport[] = [],
): Promise<{ records: DataRecord[]; report: CleanReport }> {
  const cleaner = new Cleaner(options);
  for (const s of sources) cleaner.addSource(s);
  const out: DataRecord[] = [];
  for await (const r of cleaner.clean(records)) out.push(r);
  return { records: out, report: cleaner.report };
}
