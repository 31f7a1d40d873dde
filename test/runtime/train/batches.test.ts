import { describe, expect, it } from "vitest";
import {
  buildMicroBatch,
  epochOrder,
  stepMicroBatches,
  stepsPerEpoch,
} from "../../../runtime/train/batches.js";

describe("micro-batches", () => {
  it("right-pads, shifts labels by one and counts loss tokens", () => {
    const mb = buildMicroBatch(
      [
        { inputIds: [5, 6, 7, 8], labels: [-100, -100, 7, 8] },
        { inputIds: [9, 10], labels: [-100, 10] },
      ],
      { padId: 0, objective: "sft" },
    );
    expect(mb.inputIds).toEqual([
      [5, 6, 7, 8],
      [9, 10, 0, 0],
    ]);
    expect(mb.attentionMask).toEqual([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ]);
    // Position t predicts labels[t + 1]; padding and the last position predict nothing.
    expect([...mb.targets]).toEqual([-100, 7, 8, -100, 10, -100, -100, -100]);
    expect(mb.lossTokens).toBe(3);
    expect(mb.inputTokens).toBe(6);
  });

  it("pre-training trains every next token", () => {
    const mb = buildMicroBatch([{ inputIds: [1, 2, 3], labels: [-100, -100, -100] }], {
      padId: 0,
      objective: "pretrain",
    });
    expect([...mb.targets]).toEqual([2, 3, -100]);
    expect(mb.lossTokens).toBe(2);
  });

  it("packed rows: position/segment ids per token, padding segment 0, no target across examples", () => {
    // Row 0 packs [1 2 3] and [4 5]; row 1 is a plain example.
    const packed = {
      inputIds: [1, 2, 3, 4, 5],
      labels: [-100, 2, 3, -100, 5],
      positionIds: [0, 1, 2, 0, 1],
      segmentIds: [1, 1, 1, 2, 2],
    };
    for (const objective of ["sft", "pretrain"] as const) {
      const mb = buildMicroBatch([packed, { inputIds: [6, 7, 8] }], { padId: 0, objective });
      expect(mb.positionIds).toEqual([
        [0, 1, 2, 0, 1],
        [0, 1, 2, 0, 0],
      ]);
      expect(mb.segmentIds).toEqual([
        [1, 1, 1, 2, 2],
        [1, 1, 1, 0, 0],
      ]);
      // Position 2 (last of the first example) predicts nothing; the second row as unpacked.
      expect([...mb.targets]).toEqual([2, 3, -100, 5, -100, 7, 8, -100, -100, -100]);
      expect(mb.lossTokens).toBe(5);
    }
    // Truncation cuts the ids along with the tokens.
    const cut = buildMicroBatch([packed], { padId: 0, objective: "pretrain", maxLength: 4 });
    expect(cut.segmentIds).toEqual([[1, 1, 1, 2]]);
    expect([...cut.targets]).toEqual([2, 3, -100, -100]);
  });

  it("unpacked micro-batches carry no position/segment ids", () => {
    const mb = buildMicroBatch([{ inputIds: [1, 2] }], { padId: 0, objective: "pretrain" });
    expect(mb.positionIds).toBeUndefined();
    expect(mb.segmentIds).toBeUndefined();
    expect(() =>
      buildMicroBatch([{ inputIds: [1, 2], segmentIds: [1] }], { padId: 0, objective: "sft" }),
    ).toThrow(/1 segmentIds/);
  });

  it("orders each epoch by a seeded permutation", () => {
    const a = epochOrder(10, 42, 0);
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochOrder(10, 42, 0)).toEqual(a);
    expect(epochOrder(10, 42, 1)).not.toEqual(a);
    expect(epochOrder(10, 43, 0)).not.toEqual(a);
    expect(epochOrder(10, 42, 3, false)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("an optimizer step never crosses an epoch boundary", () => {
    const examples = Array.from({ length: 7 }, (_, i) => ({ inputIds: [i + 1, i + 2] }));
    // 7 examples, batch 2 → 4 micro-batches; accum 3 → steps of 3 and 1 micro-batches.
    expect(stepsPerEpoch(7, 2, 3)).toBe(2);
    const opts = {
      batchSize: 2,
      gradAccum: 3,
      padId: 0,
      objective: "pretrain" as const,
      orderOf: (e: number) => epochOrder(7, 1, e),
    };
    const s1 = stepMicroBatches(examples, { epoch: 0, microBatch: 0 }, opts);
    expect(s1.batches.map((b) => b.batch)).toEqual([2, 2, 2]);
    expect(s1.next).toEqual({ epoch: 0, microBatch: 3 });
    const s2 = stepMicroBatches(examples, s1.next, opts);
    expect(s2.batches.map((b) => b.batch)).toEqual([1]);
    expect(s2.next).toEqual({ epoch: 1, microBatch: 0 });
    // Every example is seen exactly once per epoch.
    const seen = [...s1.batches, ...s2.batches].flatMap((b) => b.inputIds.map((r) => r[0] - 1));
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
