import { describe, expect, it } from "vitest";
import {
  binomialTail,
  chooseBands,
  estimateJaccard,
  jaccard,
  LshIndex,
  MinHasher,
  shingles,
} from "../../../../runtime/data/clean/minhash.js";
import { Deduplicator } from "../../../../runtime/data/clean/dedupe.js";
import type { DataRecord } from "../../../../runtime/data/format/record.js";
import { createRng } from "../../../../runtime/util/random.js";

const rec = (instruction: string, line: number): DataRecord => ({
  kind: "instruction",
  instruction,
  input: "",
  output: "o",
  source: { path: "d.jsonl", line, origin: "file" },
});

describe("MinHash and LSH", () => {
  it("computes character n-gram shingles and exact Jaccard", () => {
    expect([...shingles("abcd", 2)]).toEqual(["ab", "bc", "cd"]);
    expect([...shingles("你好", 5)]).toEqual(["你好"]);
    expect(jaccard(shingles("abcd", 2), shingles("abce", 2))).toBeCloseTo(2 / 4);
  });

  it("estimates Jaccard within a few points and is seeded", () => {
    const rng = createRng(11);
    const words = Array.from({ length: 400 }, () => String.fromCharCode(0x4e00 + rng.int(2000)));
    const a = shingles(words.join(""), 3);
    const b = shingles(words.slice(0, 300).join("") + words.slice(0, 100).join("x"), 3);
    const h = new MinHasher(256, 5);
    const est = estimateJaccard(h.signature(a), h.signature(b));
    expect(Math.abs(est - jaccard(a, b))).toBeLessThan(0.08);
    expect(new MinHasher(64, 5).signature(a)).toEqual(new MinHasher(64, 5).signature(a));
    expect(new MinHasher(64, 6).signature(a)).not.toEqual(new MinHasher(64, 5).signature(a));
  });

  it("picks bands so a pair at the threshold is a candidate with probability ≥ 0.99", () => {
    for (const t of [0.5, 0.7, 0.8, 0.9]) {
      const { bands, rows } = chooseBands(128, t);
      expect(bands * rows).toBe(128);
      expect(1 - Math.pow(1 - Math.pow(t, rows), bands)).toBeGreaterThanOrEqual(0.99);
    }
    const idx = new LshIndex<string>({ numPerm: 4, threshold: 0.5 }); // 2 bands of 2 rows
    expect([idx.bands, idx.rows, idx.minCollisions]).toEqual([4, 1, 1]);
    const two = new LshIndex<string>({ numPerm: 128, threshold: 0.8 });
    expect([two.bands, two.rows, two.minCollisions]).toEqual([32, 4, 7]);
    expect(binomialTail(32, Math.pow(0.8, 4), 7)).toBeGreaterThanOrEqual(0.99);
    expect(binomialTail(32, Math.pow(0.8, 4), 8)).toBeLessThan(0.99);
    expect(binomialTail(32, Math.pow(0.5, 4), 7)).toBeLessThan(0.01); // unrelated-ish pairs rarely qualify
    idx.insert(Uint32Array.from([1, 2, 3, 4]), "a");
    idx.insert(Uint32Array.from([1, 2, 7, 8]), "b");
    expect(idx.candidates(Uint32Array.from([1, 2, 3, 9]))).toEqual(["a", "b"]); // a shares 3 bands, b 2
    expect(idx.candidates(Uint32Array.from([9, 9, 9, 9]))).toEqual([]);
  });
});

describe("Deduplicator", () => {
  it("drops exact duplicates on the normalised key, naming the first occurrence", () => {
    const d = new Deduplicator({ fields: ["instruction"] });
    expect(d.check(rec("解释什么是递归", 1))).toEqual({ duplicate: false });
    expect(d.check(rec("  解释什么是递归！ ", 5))).toMatchObject({
      duplicate: true,
      reason: "duplicate",
      detail: "duplicate of d.jsonl:1",
    });
    expect(d.check(rec("解释什么是循环", 6)).duplicate).toBe(false);
  });

  it("drops near duplicates above the Jaccard threshold and keeps the rest", () => {
    const d = new Deduplicator({
      fields: ["instruction"],
      mode: "near",
      threshold: 0.7,
      ngram: 3,
      seed: 1,
    });
    const base = "Write a short poem about the autumn moon rising over the quiet river";
    expect(d.check(rec(base, 1)).duplicate).toBe(false);
    const near = d.check(rec(base.replace("short", "brief"), 2));
    expect(near).toMatchObject({ duplicate: true, reason: "near_duplicate", of: { line: 1 } });
    expect((near as { detail: string }).detail).toMatch(
      /^near-duplicate of d\.jsonl:1 \(Jaccard 0\.\d\d\)$/,
    );
    expect(
      d.check(rec("Explain how a hash table resolves collisions with chaining", 3)).duplicate,
    ).toBe(false);
  });

  it("keeps candidate lists short on templated text (related rows, few duplicates)", () => {
    // Rows that differ only in a number are 0.5–0.7 similar. With "one shared band makes a
    // candidate" nearly every row is a candidate of every other (quadratic work: ~n/2 each);
    // requiring several shared bands keeps only the closest neighbours.
    const hasher = new MinHasher(128, 4);
    const index = new LshIndex<number>({ numPerm: 128, threshold: 0.8 });
    let candidates = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const sig = hasher.signature(
        shingles(`解释第${i}个概念：什么是递归和迭代的区别？请举例说明。`, 5),
      );
      candidates += index.candidates(sig).length;
      index.insert(sig, i);
    }
    expect(candidates / n).toBeLessThan(100);
    const d = new Deduplicator({ fields: ["instruction"], mode: "near", threshold: 0.8, seed: 4 });
    let dups = 0;
    for (let i = 0; i < 500; i++) {
      if (d.check(rec(`解释第${i}个概念：什么是递归和迭代的区别？请举例说明。`, i + 1)).duplicate)
        dups++;
    }
    expect(dups).toBeLessThan(25);
  });

  it("finds every planted near-duplicate in a larger seeded set (recall) without false drops", () => {
    const rng = createRng(99);
    const alphabet =
      "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经";
    const originals = Array.from({ length: 150 }, () =>
      Array.from({ length: 60 }, () => alphabet[rng.int(alphabet.length)]).join(""),
    );
    const d = new Deduplicator({
      fields: ["instruction"],
      mode: "near",
      threshold: 0.8,
      ngram: 5,
      seed: 2,
    });
    originals.forEach((s, k) => expect(d.check(rec(s, k + 1)).duplicate).toBe(false));
    let found = 0;
    originals.forEach((s, k) => {
      const edited = s.slice(0, 58) + "改"; // one character changed at the end: Jaccard ≈ 0.93
      if (d.check(rec(edited, 1000 + k)).duplicate) found++;
    });
    expect(found).toBe(150);
  });

  it("validates its options (PW6301)", () => {
    expect(() => new Deduplicator({ fields: [] })).toThrow(
      expect.objectContaining({ code: "PW6301" }),
    );
    expect(
      () => new Deduplicator({ fields: ["instruction"], mode: "near", threshold: 1.5 }),
    ).toThrow(expect.objectContaining({ code: "PW6301" }));
  });
});
