/** The task-aligned assigner on hand-made cases. */
import { describe, expect, it } from "vitest";
import { assignTaskAligned, ciou } from "../../../../runtime/detection/train/assigner.js";

/** Channels-first score array [nc, A] with `values[c][a]`. */
function scores(values: number[][]): Float32Array {
  return Float32Array.from(values.flat());
}

describe("ciou", () => {
  it("is 1 for identical boxes and below the IoU for offset ones", () => {
    const a = [0, 0, 10, 10];
    expect(ciou(a, 0, a, 0)).toBeCloseTo(1, 6);
    const b = [5, 0, 15, 10];
    const iou = 50 / 150;
    expect(ciou(a, 0, b, 0)).toBeLessThan(iou);
    expect(ciou(a, 0, b, 0)).toBeCloseTo(iou - 25 / (15 * 15 + 10 * 10), 4);
  });
});

describe("assignTaskAligned", () => {
  // Five anchors: four inside the ground truth [0, 0, 16, 16], one outside.
  const anchors = Float32Array.from([4, 4, 12, 4, 4, 12, 12, 12, 24, 24]);
  const gt = Float32Array.from([0, 0, 16, 16]);
  const boxes = Float32Array.from([
    0, 0, 16, 16, // perfect
    2, 0, 18, 16, // good
    0, 4, 16, 24, // fair
    30, 30, 40, 40, // disjoint: alignment 0
    0, 0, 16, 16, // perfect but outside
  ]); // prettier-ignore
  const probs = scores([
    [0.1, 0.1, 0.1, 0.1, 0.9],
    [0.8, 0.4, 0.6, 0.9, 0.9],
  ]);

  it("takes the top-k anchors inside the box by score^α·IoU^β and normalises the targets", () => {
    const a = assignTaskAligned(
      { numClasses: 2, anchors, scores: probs, boxes, gtBoxes: gt, gtLabels: [1] },
      { topk: 2 },
    );
    expect(Array.from(a.foreground)).toEqual([1, 1, 0, 0, 0]);
    expect(a.positives).toBe(2);
    expect(Array.from(a.labels)).toEqual([1, 1, -1, -1, -1]);
    expect(Array.from(a.gtIndex)).toEqual([0, 0, -1, -1, -1]);
    expect(Array.from(a.boxes.subarray(0, 8))).toEqual([0, 0, 16, 16, 0, 0, 16, 16]);
    const t0 = Math.sqrt(0.8) * 1;
    const t1 = Math.sqrt(0.4) * Math.max(0, ciou(gt, 0, boxes, 4)) ** 6;
    // The best anchor's target is the best IoU (1); the other is scaled by its alignment.
    expect(a.scores[0]).toBeCloseTo(1, 5);
    expect(a.scores[1]).toBeCloseTo(t1 / t0, 5);
    expect(a.scores[4]).toBe(0);
  });

  it("never assigns anchors outside the box, even among the top k", () => {
    const a = assignTaskAligned(
      { numClasses: 2, anchors, scores: probs, boxes, gtBoxes: gt, gtLabels: [1] },
      { topk: 5 },
    );
    expect(a.foreground[4]).toBe(0);
    expect(a.positives).toBe(4);
  });

  it("gives an anchor claimed by two boxes to the one its prediction overlaps most", () => {
    const twoGt = Float32Array.from([0, 0, 16, 16, 2, 0, 18, 16]);
    const a = assignTaskAligned(
      { numClasses: 2, anchors, scores: probs, boxes, gtBoxes: twoGt, gtLabels: [1, 0] },
      { topk: 1 },
    );
    // Anchor 0 (prediction [0,0,16,16]) is the top of gt 0; anchor 1 (prediction [2,0,18,16]) of gt 1.
    expect(Array.from(a.gtIndex.subarray(0, 2))).toEqual([0, 1]);
    expect(Array.from(a.labels.subarray(0, 2))).toEqual([1, 0]);
    const contested = assignTaskAligned(
      {
        numClasses: 2,
        anchors,
        scores: probs,
        boxes: Float32Array.from([2, 0, 18, 16, ...boxes.subarray(4)]),
        gtBoxes: twoGt,
        gtLabels: [1, 1],
      },
      { topk: 1 },
    );
    // Both ground truths pick anchor 0; its prediction matches gt 1 exactly, so gt 1 keeps it.
    expect(contested.gtIndex[0]).toBe(1);
    expect(contested.positives).toBe(1);
  });

  it("returns all background without ground truth", () => {
    const a = assignTaskAligned({
      numClasses: 2,
      anchors,
      scores: probs,
      boxes,
      gtBoxes: new Float32Array(0),
      gtLabels: [],
    });
    expect(a.positives).toBe(0);
    expect(Array.from(a.foreground)).toEqual([0, 0, 0, 0, 0]);
  });

  it("rejects a class outside the model's classes", () => {
    expect(() =>
      assignTaskAligned({
        numClasses: 2,
        anchors,
        scores: probs,
        boxes,
        gtBoxes: gt,
        gtLabels: [2],
      }),
    ).toThrow(/class 2/);
  });
});
