/**
 * De-duplication on a normalised key: exact (same `normalizeKey`), and near (character n-gram
 * Jaccard ≥ threshold, found with MinHash + LSH and confirmed exactly). The first row seen wins;
 * a later duplicate names the row it duplicates.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { recordField, type DataRecord, type RecordSource } from "../format/record.js";
import { formatPlace } from "../read/row.js";
import { jaccard, LshIndex, MinHasher, shingles } from "./minhash.js";
import { normalizeKey } from "./normalize-text.js";

export interface DedupeOptions {
  /** Fields whose texts form the key (joined). The seed de-duplicates on `instruction`. */
  fields: readonly string[];
  /** `exact` (default) or `near` (exact, then MinHash near-duplicates). */
  mode?: "exact" | "near";
  /** Jaccard threshold for `near`. Default 0.8. */
  threshold?: number;
  /** Character n-gram size for `near`. Default 5. */
  ngram?: number;
  /** MinHash permutations. Default 128. */
  numPerm?: number;
  /** Seed of the hash family. Default: the cleaning seed. */
  seed?: number;
}

export function dedupeKey(record: DataRecord, fields: readonly string[]): string {
  return fields.map((f) => normalizeKey(recordField(record, f) ?? "")).join("\u0001");
}

export type DedupeVerdict =
  | { duplicate: false }
  | {
      duplicate: true;
      reason: "duplicate" | "near_duplicate";
      of: RecordSource;
      similarity: number;
      detail: string;
    };

interface NearEntry {
  shingles: Set<string>;
  source: RecordSource;
}

export class Deduplicator {
  private readonly exact = new Map<string, RecordSource>();
  private readonly hasher?: MinHasher;
  private readonly lsh?: LshIndex<NearEntry>;
  private readonly threshold: number;
  private readonly ngram: number;

  constructor(
    readonly options: DedupeOptions,
    defaultSeed = 0,
  ) {
    if (options.fields.length === 0)
      throw new PipeError("PW6301", "dedupe needs at least one field");
    this.threshold = options.threshold ?? 0.8;
    this.ngram = options.ngram ?? 5;
    if (!(this.threshold > 0 && this.threshold <= 1)) {
      throw new PipeError("PW6301", `dedupe threshold must be in (0, 1] (got ${this.threshold})`);
    }
    if (!Number.isInteger(this.ngram) || this.ngram < 1) {
      throw new PipeError(
        "PW6301",
        `dedupe n-gram size must be a positive integer (got ${this.ngram})`,
      );
    }
    if (options.mode === "near") {
      const numPerm = options.numPerm ?? 128;
      this.hasher = new MinHasher(numPerm, options.seed ?? defaultSeed);
      this.lsh = new LshIndex<NearEntry>({ numPerm, threshold: this.threshold });
    }
  }

  /** Checks a record; a non-duplicate is remembered, so call this once per record. */
  check(record: DataRecord): DedupeVerdict {
    const key = dedupeKey(record, this.options.fields);
    const first = this.exact.get(key);
    if (first) {
      return {
        duplicate: true,
        reason: "duplicate",
        of: first,
        similarity: 1,
        detail: `duplicate of ${formatPlace(first)}`,
      };
    }
    if (this.hasher && this.lsh) {
      const set = shingles(key, this.ngram);
      const sig = this.hasher.signature(set);
      let best: { entry: NearEntry; sim: number } | undefined;
      // Candidates come most-similar first; the first confirmed one is the answer.
      for (const cand of this.lsh.candidates(sig)) {
        const sim = jaccard(set, cand.shingles);
        if (sim >= this.threshold) {
          best = { entry: cand, sim };
          break;
        }
      }
      if (best) {
        return {
          duplicate: true,
          reason: "near_duplicate",
          of: best.entry.source,
          similarity: best.sim,
          detail: `near-duplicate of ${formatPlace(best.entry.source)} (Jaccard ${best.sim.toFixed(2)})`,
        };
      }
      this.lsh.insert(sig, { shingles: set, source: record.source });
    }
    this.exact.set(key, record.source);
    return { duplicate: false };
  }
}
