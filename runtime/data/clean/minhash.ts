/**
 * MinHash signatures over character n-grams, and an LSH index (banding) to find near-duplicate
 * candidates without comparing every pair. Candidates are then confirmed by the exact Jaccard
 * similarity of their n-gram sets, so LSH only decides recall and speed, never a false drop.
 * Seeded: the hash family's salts come from `createRng(seed)`.
 */
import { createRng } from "../../util/random.js";

/** Character n-grams (code points) of a text; a text shorter than n is one shingle. */
export function shingles(text: string, n: number): Set<string> {
  const chars = Array.from(text);
  const out = new Set<string>();
  if (chars.length === 0) return out;
  if (chars.length <= n) {
    out.add(chars.join(""));
    return out;
  }
  for (let i = 0; i + n <= chars.length; i++) out.add(chars.slice(i, i + n).join(""));
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, finished with murmur3's mixer. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h >>> 0);
}

export class MinHasher {
  private readonly salts: Uint32Array;

  constructor(
    readonly numPerm: number,
    seed: number,
  ) {
    const rng = createRng(seed);
    this.salts = new Uint32Array(numPerm);
    for (let i = 0; i < numPerm; i++) this.salts[i] = rng.nextUint32();
  }

  signature(set: ReadonlySet<string>): Uint32Array {
    const sig = new Uint32Array(this.numPerm).fill(0xffffffff);
    for (const s of set) {
      const h = hashString(s);
      for (let i = 0; i < this.numPerm; i++) {
        const v = fmix32((h ^ this.salts[i]) >>> 0);
        if (v < sig[i]) sig[i] = v;
      }
    }
    return sig;
  }
}

/** Share of equal slots: an unbiased estimate of the Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
  return eq / a.length;
}

/**
 * Rows per band for a threshold: the most rows (fewest false candidates) that still make a pair
 * at the threshold a candidate with probability ≥ 0.99 (P = 1 − (1 − t^r)^b).
 */
export function chooseBands(numPerm: number, threshold: number): { bands: number; rows: number } {
  let best = { bands: numPerm, rows: 1 };
  for (let rows = 1; rows <= numPerm; rows++) {
    if (numPerm % rows !== 0) continue;
    const bands = numPerm / rows;
    const p = 1 - Math.pow(1 - Math.pow(threshold, rows), bands);
    if (p >= 0.99) best = { bands, rows };
  }
  return best;
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialTail(n: number, p: number, k: number): number {
  let term = Math.pow(1 - p, n); // P(X = 0)
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

/**
 * Band collisions a candidate needs: the most that a pair at the threshold still reaches with
 * probability ≥ 0.99. A pair with similarity s shares each band with probability s^r, so the
 * count separates near-duplicates from merely related texts (templated instructions) far
 * better than "any band".
 */
export function minCollisions(bands: number, rows: number, threshold: number): number {
  const p = Math.pow(threshold, rows);
  let k = 1;
  while (k < bands && binomialTail(bands, p, k + 1) >= 0.99) k++;
  return k;
}

export interface LshOptions {
  numPerm: number;
  threshold: number;
  /**
   * Items kept per bucket. Buckets of very common band values (templated text) stop growing
   * here, which bounds the work per query; a near-duplicate still meets its original in the
   * buckets of the bands that make it distinctive. Default 128.
   */
  maxBucket?: number;
}

export class LshIndex<T> {
  readonly bands: number;
  readonly rows: number;
  readonly minCollisions: number;
  private readonly maxBucket: number;
  private readonly tables: Map<string, T[]>[];

  constructor(options: LshOptions) {
    const { bands, rows } = chooseBands(options.numPerm, options.threshold);
    this.bands = bands;
    this.rows = rows;
    this.minCollisions = minCollisions(bands, rows, options.threshold);
    this.maxBucket = options.maxBucket ?? 128;
    this.tables = Array.from({ length: bands }, () => new Map<string, T[]>());
  }

  private key(sig: Uint32Array, band: number): string {
    return Array.from(sig.subarray(band * this.rows, (band + 1) * this.rows)).join(",");
  }

  /** Items sharing at least `minCollisions` bands with `sig`, most shared first. */
  candidates(sig: Uint32Array): T[] {
    const hits = new Map<T, number>();
    for (let b = 0; b < this.bands; b++) {
      for (const item of this.tables[b].get(this.key(sig, b)) ?? [])
        hits.set(item, (hits.get(item) ?? 0) + 1);
    }
    return [...hits.entries()]
      .filter(([, n]) => n >= this.minCollisions)
      .sort((a, b) => b[1] - a[1])
      .map(([item]) => item);
  }

  insert(sig: Uint32Array, item: T): void {
    for (let b = 0; b < this.bands; b++) {
      const k = this.key(sig, b);
      const list = this.tables[b].get(k);
      if (!list) this.tables[b].set(k, [item]);
      else if (list.length < this.maxBucket) list.push(item);
    }
  }
}
