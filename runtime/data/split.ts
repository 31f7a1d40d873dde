/**
 * Seeded, leakage-free splits. Records are grouped by their normalised key first (the same key
 * de-duplication uses; optionally also near-duplicates by MinHash), and whole groups are
 * assigned to splits, so no duplicate can sit in two splits. Augmented copies join their
 * original's group. Groups are shuffled with `createRng(seed)` and dealt to the split that is
 * furthest below its target; a group too large for what a split still needs waits for a second
 * pass. Within a split, records keep their input order. Same records + same seed → same splits.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { createRng } from "../util/random.js";
import { jaccard, LshIndex, MinHasher, shingles } from "./clean/minhash.js";
import { dedupeKey } from "./clean/dedupe.js";
import type { DataRecord } from "./format/record.js";
import { formatPlace } from "./read/row.js";

export type SplitSize = { fraction: number } | { count: number } | "rest";

export interface SplitSpec {
  name: string;
  size: SplitSize;
}

export interface SplitOptions {
  splits: readonly SplitSpec[];
  seed: number;
  /** Fields of the grouping key. Default: the first text field of the record kind. */
  keyFields?: readonly string[];
  /** Also group near-duplicates (character n-gram Jaccard ≥ threshold). */
  near?: { threshold?: number; ngram?: number; numPerm?: number };
}

export interface SplitReport {
  sizes: Record<string, number>;
  targets: Record<string, number>;
  groups: number;
  largestGroup: number;
  /** Records in no split (fractions that add up to less than 100 % and no `rest`). */
  unassigned: number;
  warnings: { code: string; message: string }[];
}

const DEFAULT_KEY: Record<DataRecord["kind"], string[]> = {
  instruction: ["instruction", "input"],
  chat: ["conversation"],
  preference: ["prompt"],
  text: ["text"],
};

class UnionFind {
  private readonly parent: number[] = [];
  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(x: number): number {
    while (this.parent[x] !== x) {
      this.parent[x] = this.parent[this.parent[x]];
      x = this.parent[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller index stays root, so group order is the order of first appearance.
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** Groups of record indices that must share a split, in order of first appearance. */
export function leakageGroups(
  records: readonly DataRecord[],
  options: Pick<SplitOptions, "keyFields" | "near" | "seed">,
): number[][] {
  const uf = new UnionFind();
  const byKey = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const near = options.near;
  const hasher = near ? new MinHasher(near.numPerm ?? 128, options.seed) : undefined;
  const threshold = near?.threshold ?? 0.8;
  const lsh = near ? new LshIndex<number>({ numPerm: near.numPerm ?? 128, threshold }) : undefined;
  const sets: Set<string>[] = [];
  records.forEach((r, i) => {
    uf.add();
    const key = dedupeKey(r, options.keyFields ?? DEFAULT_KEY[r.kind]);
    const same = byKey.get(key);
    if (same !== undefined) uf.union(same, i);
    else byKey.set(key, i);
    const place = formatPlace(r.source);
    if (r.source.origin === "file") {
      if (!byPlace.has(place)) byPlace.set(place, i);
    } else if (r.source.origin === "augmented") {
      const orig = byPlace.get(place);
      if (orig !== undefined) uf.union(orig, i);
    }
    if (hasher && lsh) {
      const set = shingles(key, near?.ngram ?? 5);
      sets[i] = set;
      const sig = hasher.signature(set);
      for (const j of lsh.candidates(sig)) if (jaccard(set, sets[j]) >= threshold) uf.union(j, i);
      lsh.insert(sig, i);
    }
  });
  const groups = new Map<number, number[]>();
  records.forEach((_, i) => {
    const root = uf.find(i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/** Target sizes for N records; throws PW6401 on impossible specs. */
export function splitTargets(
  specs: readonly SplitSpec[],
  n: number,
): { targets: number[]; complete: boolean } {
  if (specs.length === 0) throw new PipeError("PW6401", "no splits given");
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new PipeError("PW6401", `split "${s.name}" is given twice`);
    names.add(s.name);
  }
  const rests = specs.filter((s) => s.size === "rest").length;
  if (rests > 1) throw new PipeError("PW6401", "only one split can take the rest");
  let fractionSum = 0;
  let countSum = 0;
  for (const s of specs) {
    if (s.size === "rest") continue;
    if ("fraction" in s.size) {
      if (!(s.size.fraction >= 0 && s.size.fraction <= 1)) {
        throw new PipeError(
          "PW6401",
          `split "${s.name}": a fraction must be between 0% and 100% (got ${s.size.fraction})`,
        );
      }
      fractionSum += s.size.fraction;
    } else {
      if (!Number.isInteger(s.size.count) || s.size.count < 0) {
        throw new PipeError(
          "PW6401",
          `split "${s.name}": a count must be a non-negative integer (got ${s.size.count})`,
        );
      }
      countSum += s.size.count;
    }
  }
  if (fractionSum > 1 + 1e-9) {
    throw new PipeError(
      "PW6401",
      `split fractions add up to ${(fractionSum * 100).toFixed(1)}%, more than 100%`,
    );
  }
  if (countSum > n)
    throw new PipeError(
      "PW6401",
      `split counts add up to ${countSum}, but there are only ${n} rows`,
    );
  const targets = new Array<number>(specs.length).fill(0);
  // Fractions of what the counts leave, rounded by largest remainder.
  const left = n - countSum;
  const fracIdx = specs
    .map((s, k) => (s.size !== "rest" && "fraction" in s.size ? k : -1))
    .filter((k) => k >= 0);
  const exact = fracIdx.map((k) => left * (specs[k].size as { fraction: number }).fraction);
  const floors = exact.map(Math.floor);
  let spare = Math.round(left * Math.min(1, fractionSum)) - floors.reduce((a, b) => a + b, 0);
  const byRemainder = fracIdx
    .map((_, j) => j)
    .sort((a, b) => exact[b] - floors[b] - (exact[a] - floors[a]) || a - b);
  for (const j of byRemainder) {
    if (spare <= 0) break;
    floors[j]++;
    spare--;
  }
  fracIdx.forEach((k, j) => (targets[k] = floors[j]));
  specs.forEach((s, k) => {
    if (s.size !== "rest" && "count" in s.size) targets[k] = s.size.count;
  });
  const restIdx = specs.findIndex((s) => s.size === "rest");
  const assigned = targets.reduce((a, b) => a + b, 0);
  if (restIdx >= 0) targets[restIdx] = n - assigned;
  // Fractions are of what the counts leave, so 100% of fractions covers every row.
  const complete = restIdx >= 0 || Math.abs(fractionSum - 1) < 1e-9 || assigned === n;
  return { targets, complete };
}

export function splitRecords<R extends DataRecord>(
  records: readonly R[],
  options: SplitOptions,
): { splits: Record<string, R[]>; report: SplitReport } {
  const { targets, complete } = splitTargets(options.splits, records.length);
  const groups = leakageGroups(records, options);
  createRng(options.seed).shuffle(groups);
  const current = new Array<number>(targets.length).fill(0);
  const members: number[][] = targets.map(() => []);
  const deficit = (k: number) => targets[k] - current[k];
  const pick = (size: number, mustFit: boolean): number => {
    let best = -1;
    for (let k = 0; k < targets.length; k++) {
      const d = deficit(k);
      if (mustFit ? d < size : d <= 0) continue;
      if (best === -1 || d > deficit(best)) best = k;
    }
    return best;
  };
  const deferred: number[][] = [];
  for (const g of groups) {
    const k = pick(g.length, true);
    if (k === -1) deferred.push(g);
    else {
      members[k].push(...g);
      current[k] += g.length;
    }
  }
  let unassigned = 0;
  for (const g of deferred) {
    let k = pick(g.length, false);
    if (k === -1 && complete) {
      // Every row must land somewhere: the split with the largest (least negative) deficit.
      k = 0;
      for (let j = 1; j < targets.length; j++) if (deficit(j) > deficit(k)) k = j;
    }
    if (k === -1) unassigned += g.length;
    else {
      members[k].push(...g);
      current[k] += g.length;
    }
  }
  const splits: Record<string, R[]> = {};
  const report: SplitReport = {
    sizes: {},
    targets: {},
    groups: groups.length,
    largestGroup: Math.max(0, ...groups.map((g) => g.length)),
    unassigned,
    warnings: [],
  };
  options.splits.forEach((s, k) => {
    splits[s.name] = members[k].sort((a, b) => a - b).map((i) => records[i]);
    report.sizes[s.name] = members[k].length;
    report.targets[s.name] = targets[k];
    if (targets[k] > 0 && members[k].length === 0) {
      report.warnings.push({
        code: "PW6402",
        message: `split "${s.name}" asked for ${targets[k]} row${targets[k] === 1 ? "" : "s"} but received none`,
      });
    }
  });
  return { splits, report };
}
