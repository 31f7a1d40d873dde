/**
 * The detection loss (Ultralytics v8DetectionLoss, with plain ltrb regression in place of DFL):
 *
 *   box = Σ_pos (1 − CIoU(pred, target)) · w / T        w = the anchor's soft target score
 *   l1  = Σ_pos Σ_ltrb |d − d*| · w / T                  distances in grid cells (DFL's role:
 *                                                        a direct, well-scaled gradient on the sides)
 *   cls = Σ_all BCE-with-logits(logit, soft target) / T   T = max(Σ soft targets, 1)
 *   total = 7.5 · box + 0.5 · cls + 1.5 · l1  (the l1 gain is DFL's)
 *
 * Targets come from the task-aligned assigner, run on the host over a read-back copy of the
 * predictions (scores and boxes). The box term runs over every anchor with weight 0 on
 * background anchors, whose "target" is their own prediction (so CIoU is finite and its
 * gradient exactly 0 there) — this keeps every op dense, with no gather.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { fromArray } from "../../tensor/creation.js";
import { abs, addScalar, mul, neg, scale, sub, add } from "../../ops/elementwise.js";
import { sum } from "../../ops/reduce.js";
import { reshape } from "../../ops/shape.js";
import { bboxIou } from "../../ops/box-iou.js";
import { softplus } from "../model/detector.js";
import { assignTaskAligned, type AssignerOptions } from "./assigner.js";

export interface LossGains {
  box: number;
  cls: number;
  /** Gain of the L1 term on ltrb distances (0 turns it off). */
  l1: number;
}

export const DEFAULT_LOSS_GAINS: LossGains = { box: 7.5, cls: 0.5, l1: 1.5 };

/** Ground truth of one batch: rows (batch index, class, x1, y1, x2, y2) in pixels. */
export interface BatchTargets {
  batch: number;
  rows: Float32Array;
  count: number;
}

/**
 * Class targets of positive anchors: "aligned" (Ultralytics: the normalised alignment metric,
 * so scores learn to track box quality) or "hard" (1, FCOS-style: confidence rises faster on a
 * short schedule). Box-loss weights follow the same choice.
 */
export type ClassTargetMode = "aligned" | "hard";

/** Targets of a batch, built on the host. */
export interface LossTargets {
  /** [B, nc, A] soft class targets. */
  classTargets: Float32Array;
  /** [B·A, 4] target boxes (the prediction itself on background anchors). */
  boxTargets: Float32Array;
  /** [B·A] box-loss weights (0 on background). */
  boxWeights: Float32Array;
  /** [B, 4, A] target ltrb distances in grid cells (0 on background). */
  distanceTargets: Float32Array;
  /** [B, 4, A] the box weights repeated over the four sides. */
  distanceWeights: Float32Array;
  /** max(Σ soft targets, 1). */
  normalizer: number;
  positives: number;
}

export interface LossValues {
  total: Tensor;
  box: Tensor;
  cls: Tensor;
  l1: Tensor;
}

/**
 * Assign every image of the batch. `scores` [B, nc, A] are probabilities (sigmoid of the
 * logits), `boxes` [B, A, 4] pixel boxes, `anchors` [A, 2] pixel centres, `strides` [A].
 */
export function buildLossTargets(
  scores: Float32Array,
  boxes: Float32Array,
  anchors: Float32Array,
  strides: Float32Array,
  numClasses: number,
  targets: BatchTargets,
  options: AssignerOptions & { targets?: ClassTargetMode } = {},
): LossTargets {
  const hard = options.targets === "hard";
  const B = targets.batch;
  const A = anchors.length / 2;
  const nc = numClasses;
  const classTargets = new Float32Array(B * nc * A);
  const boxTargets = new Float32Array(boxes);
  const boxWeights = new Float32Array(B * A);
  const distanceTargets = new Float32Array(B * 4 * A);
  const distanceWeights = new Float32Array(B * 4 * A);
  let total = 0;
  let positives = 0;
  const perImage: number[][] = Array.from({ length: B }, () => []);
  for (let r = 0; r < targets.count; r++) perImage[targets.rows[6 * r]].push(r);
  for (let b = 0; b < B; b++) {
    const rows = perImage[b];
    if (rows.length === 0) continue;
    const gtBoxes = new Float32Array(rows.length * 4);
    const gtLabels = new Int32Array(rows.length);
    rows.forEach((r, g) => {
      gtLabels[g] = targets.rows[6 * r + 1];
      gtBoxes.set(targets.rows.subarray(6 * r + 2, 6 * r + 6), 4 * g);
    });
    const a = assignTaskAligned(
      {
        numClasses: nc,
        anchors,
        scores: scores.subarray(b * nc * A, (b + 1) * nc * A),
        boxes: boxes.subarray(b * A * 4, (b + 1) * A * 4),
        gtBoxes,
        gtLabels,
      },
      options,
    );
    positives += a.positives;
    for (let i = 0; i < A; i++) {
      if (!a.foreground[i]) continue;
      const s = hard ? 1 : a.scores[i];
      classTargets[(b * nc + a.labels[i]) * A + i] = s;
      boxWeights[b * A + i] = s;
      total += s;
      boxTargets.set(a.boxes.subarray(4 * i, 4 * i + 4), (b * A + i) * 4);
      const [x1, y1, x2, y2] = a.boxes.subarray(4 * i, 4 * i + 4);
      const [ax, ay, st] = [anchors[2 * i], anchors[2 * i + 1], strides[i]];
      const sides = [(ax - x1) / st, (ay - y1) / st, (x2 - ax) / st, (y2 - ay) / st];
      for (let k = 0; k < 4; k++) {
        distanceTargets[(b * 4 + k) * A + i] = sides[k];
        distanceWeights[(b * 4 + k) * A + i] = s;
      }
    }
  }
  return {
    classTargets,
    boxTargets,
    boxWeights,
    distanceTargets,
    distanceWeights,
    normalizer: Math.max(total, 1),
    positives,
  };
}

/** BCE with logits, elementwise: softplus(x) − x·y. */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  return sub(softplus(logits), mul(logits, targets));
}

/**
 * The loss from the network outputs (`cls` logits [B, nc, A], `distances` [B, 4, A] and the
 * boxes decoded from them [B, A, 4]) and host-built targets. Differentiable; call in a tidy.
 */
export function detectionLoss(
  cls: Tensor,
  distances: Tensor,
  boxes: Tensor,
  t: LossTargets,
  gains: LossGains = DEFAULT_LOSS_GAINS,
): LossValues {
  const backend = cls.backend;
  const [B, , A] = cls.shape;
  const classTargets = fromArray(t.classTargets, cls.shape, { backend });
  const boxTargets = fromArray(t.boxTargets, [B * A, 4], { backend });
  const weights = fromArray(t.boxWeights, [B * A], { backend });
  const clsLoss = scale(sum(bceWithLogits(cls, classTargets)), 1 / t.normalizer);
  const iou = bboxIou(reshape(boxes, [B * A, 4]), boxTargets, "ciou");
  const boxLoss = scale(sum(mul(addScalar(neg(iou), 1), weights)), 1 / t.normalizer);
  let total = add(scale(boxLoss, gains.box), scale(clsLoss, gains.cls));
  let l1 = scale(
    sum(
      mul(
        abs(sub(distances, fromArray(t.distanceTargets, distances.shape, { backend }))),
        fromArray(t.distanceWeights, distances.shape, { backend }),
      ),
    ),
    1 / t.normalizer,
  );
  if (gains.l1 > 0) total = add(total, scale(l1, gains.l1));
  else l1 = l1.detach();
  return { total, box: boxLoss, cls: clsLoss, l1 };
}
