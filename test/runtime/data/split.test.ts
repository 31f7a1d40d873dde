import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { leakageGroups, splitRecords, splitTargets } from "../../../runtime/data/split.js";
import { dedupeKey } from "../../../runtime/data/clean/dedupe.js";
import type { DataRecord } from "../../../runtime/data/format/record.js";
import { createRng } from "../../../runtime/util/random.js";

const rec = (
  instruction: string,
  line: number,
  origin: "file" | "augmented" = "file",
): DataRecord => ({
  kind: "instruction",
  instruction,
  input: "",
  output: `answer ${line}`,
  source: { path: "d.jsonl", line, origin },
});

/** n records; every `dupEvery`-th one repeats an earlier instruction (with case/space noise). */
function dataset(n: number, seed: number, dupEvery = 4): DataRecord[] {
  const rng = createRng(seed);
  const out: DataRecord[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % dupEvery === 0) {
      const j = rng.int(i);
      const base = (out[j] as { instruction: string }).instruction;
      out.push(rec(`  ${base.toUpperCase()} `, i + 1));
    } else out.push(rec(`question number ${i} about topic ${rng.int(1000)}`, i + 1));
  }
  return out;
}

const keyOf = (r: DataRecord) => dedupeKey(r, ["instruction", "input"]);

function assertNoLeakage(splits: Record<string, DataRecord[]>): void {
  const owner = new Map<string, string>();
  for (const [name, records] of Object.entries(splits)) {
    for (const r of records) {
      const k = keyOf(r);
      const prev = owner.get(k);
      expect(prev === undefined || prev === name, `key ${k} in ${prev} and ${name}`).toBe(true);
      owner.set(k, name);
    }
  }
}

describe("splits", () => {
  it("splits 90%/10% exactly when there are no duplicate groups, deterministically", () => {
    const data = dataset(200, 1, 10_000);
    const opts = {
      splits: [
        { name: "train", size: { fraction: 0.9 } },
        { name: "val", size: { fraction: 0.1 } },
      ],
      seed: 42,
    };
    const a = splitRecords(data, opts);
    expect(a.report.sizes).toEqual({ train: 180, val: 20 });
    expect(splitRecords(data, opts).splits).toEqual(a.splits);
    expect(splitRecords(data, { ...opts, seed: 43 }).splits.val).not.toEqual(a.splits.val);
    // Records keep their input order within a split.
    const lines = a.splits.train.map((r) => r.source.line);
    expect([...lines].sort((x, y) => x - y)).toEqual(lines);
  });

  it("never puts two rows with the same normalised key in different splits (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 2, max: 5 }),
        (n, seed, dupEvery) => {
          const data = dataset(n, seed, dupEvery);
          const { splits, report } = splitRecords(data, {
            splits: [
              { name: "train", size: { fraction: 0.8 } },
              { name: "val", size: { fraction: 0.1 } },
              { name: "test", size: "rest" },
            ],
            seed,
          });
          assertNoLeakage(splits);
          const total = Object.values(splits).reduce((s, r) => s + r.length, 0);
          expect(total).toBe(n);
          expect(report.unassigned).toBe(0);
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });

  it("groups near-duplicates too when asked", () => {
    const a = "Write a short poem about the autumn moon rising over the quiet river tonight";
    const data = [
      rec(a, 1),
      rec(a.replace("short", "brief"), 2),
      ...dataset(40, 9, 10_000).map((r, k) => ({ ...r, source: { ...r.source, line: k + 3 } })),
    ];
    const groups = leakageGroups(data, { seed: 1, near: { threshold: 0.7, ngram: 3 } });
    expect(groups.find((g) => g.includes(0))).toEqual([0, 1]);
    expect(leakageGroups(data, { seed: 1 }).find((g) => g.includes(0))).toEqual([0]);
  });

  it("keeps augmented copies with their original", () => {
    const data = [rec("原始指令", 1), rec("原使指令", 1, "augmented"), rec("另一条", 2)];
    expect(leakageGroups(data, { seed: 0 })).toEqual([[0, 1], [2]]);
  });

  it("takes counts exactly and leaves the remainder unassigned without a rest split", () => {
    const data = dataset(50, 3, 10_000);
    const { report } = splitRecords(data, {
      splits: [
        { name: "train", size: { count: 30 } },
        { name: "val", size: { count: 5 } },
      ],
      seed: 1,
    });
    expect(report.sizes).toEqual({ train: 30, val: 5 });
    expect(report.unassigned).toBe(15);
  });

  it("rounds fractions by largest remainder and gives rest the remainder", () => {
    expect(
      splitTargets(
        [
          { name: "a", size: { fraction: 1 / 3 } },
          { name: "b", size: { fraction: 2 / 3 } },
        ],
        10,
      ).targets,
    ).toEqual([3, 7]);
    expect(
      splitTargets(
        [
          { name: "a", size: { count: 4 } },
          { name: "b", size: { fraction: 0.5 } },
          { name: "c", size: "rest" },
        ],
        10,
      ).targets,
    ).toEqual([4, 3, 3]);
  });

  it("refuses impossible specs (PW6401) and warns about empty splits (PW6402)", () => {
    const bad = (splits: Parameters<typeof splitTargets>[0]) => () => splitTargets(splits, 10);
    expect(
      bad([
        { name: "a", size: { fraction: 0.9 } },
        { name: "b", size: { fraction: 0.2 } },
      ]),
    ).toThrow(expect.objectContaining({ code: "PW6401" }));
    expect(bad([{ name: "a", size: { count: 11 } }])).toThrow(/only 10 rows/);
    expect(
      bad([
        { name: "a", size: "rest" },
        { name: "b", size: "rest" },
      ]),
    ).toThrow(/only one split/);
    expect(bad([{ name: "a", size: { count: -1 } }])).toThrow(
      expect.objectContaining({ code: "PW6401" }),
    );
    expect(
      bad([
        { name: "a", size: { count: 1 } },
        { name: "a", size: { count: 1 } },
      ]),
    ).toThrow(/given twice/);
    // One big duplicate group cannot be cut in two: the small split gets nothing and says so.
    const same = Array.from({ length: 10 }, (_, k) => rec("同一个问题", k + 1));
    const { report } = splitRecords(same, {
      splits: [
        { name: "train", size: { fraction: 0.9 } },
        { name: "val", size: { fraction: 0.1 } },
      ],
      seed: 0,
    });
    expect(report.sizes).toEqual({ train: 10, val: 0 });
    expect(report.largestGroup).toBe(10);
    expect(report.warnings).toEqual([
      { code: "PW6402", message: 'split "val" asked for 1 row but received none' },
    ]);
  });
});
