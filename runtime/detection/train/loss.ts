/**
 * The detection loss (Ultralytics v8DetectionLoss without DFL):
 *
 *   box = Σ_pos (1 − CIoU(pred, target)) · w / T        w = the anchor's soft target score
 *   cls = Σ_all BCE-with-logits(logit, soft target) / T   T = max(Σ soft targets, 1)
 *   total = 7.5 · box + 0.5 · cls
 *
 * Targets come from the task-aligned assigner, run on the host over a read-back copy of the
 * predictions (scores and boxes). The box term runs over every anchor with weight 0 on
 * background anchors, whose "target" is their own prediction (so CIoU is finite and its
 * gradient exactly 0 there) — this keeps every op dense, with no gather.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { fromArray } from "../../tensor/creation.js";
import { addScalar, mul, neg, scale, sub, add } from "../../ops/elementwise.js";
import { sum } from "../../ops/reduce.js";
import { reshape } from "../../ops/shape.js";
import { bboxIou } from "../../ops/box-iou.js";
import { softplus } from "../model/detector.js";
import { assignTaskAligned, type AssignerOptions } from "./assigner.js";

export interface LossGains {
  box: number;
  cls: number;
}

export const DEFAULT_LOSS_GAINS: LossGains = { box: 7.5, cls: 0.5 };

/** Ground truth of one batch: rows (batch index, class, x1, y1, x2, y2) in pixels. */
export interface BatchTargets {
  batch: number;
  rows: Float32Array;
  count: number;
}

/** Targets of a batch, built on the host. */
export interface LossTargets {
  /** [B, nc, A] soft class targets. */
  classTargets: Float32Array;
  /** [B·A, 4] target boxes (the prediction itself on background anchors). */
  boxTargets: Float32Array;
  /** [B·A] box-loss weights (0 on background). */
  boxWeights: Float32Array;
  /** max(Σ soft targets, 1). */
  normalizer: number;
  positives: number;
}

export interface LossValues {
  total: Tensor;
  box: Tensor;
  cls: Tensor;
}

/**
 * Assign every image of the batch. `scores` [B, nc, A] are probabilities (sigmoid of the
 * logits), `boxes` [B, A, 4] pixel boxes, `anchors` [A, 2] pixel centres.
 */
export function buildLossTargets(
  scores: Float32Array,
  boxes: Float32Array,
  anchors: Float32Array,
  numClasses: number,
  targets: BatchTargets,
  options: AssignerOptions = {},
): LossTargets {
  const B = targets.batch;
  const A = anchors.length / 2;
  const nc = numClasses;
  const classTargets = new Float32Array(B * nc * A);
  const boxTargets = new Float32Array(boxes);
  const boxWeights = new Float32Array(B * A);
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
      const s = a.scores[i];
      classTargets[(b * nc + a.labels[i]) * A + i] = s;
      boxWeights[b * A + i] = s;
      total += s;
      boxTargets.set(a.boxes.subarray(4 * i, 4 * i + 4), (b * A + i) * 4);
    }
  }
  return { classTargets, boxTargets, boxWeights, normalizer: Math.max(total, 1), positives };
}

/** BCE with logits, elementwise: softplus(x) − x·y. */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  return sub(softplus(logits), mul(logits, targets));
}

/**
 * The loss from the network outputs (`cls` logits [B, nc, A], `boxes` decoded [B, A, 4]) and
 * host-built targets. Differentiable; call inside a tidy.
 */
export function detectionLoss(cls: Tensor, boxes: Tensor, t: LossTargets, gains: LossGains = DEFAULT_LOSS_GAINS): LossValues {
  const backend = cls.backend;
  const [B, , A] = cls.shape;
  const classTargets = fromArray(t.classTargets, cls.shape, { backend });
  const boxTargets = fromArray(t.boxTargets, [B * A, 4], { backend });
  const weights = fromArray(t.boxWeights, [B * A], { backend });
  const clsLoss = scale(sum(bceWithLogits(cls, classTargets)), 1 / t.normalizer);
  const iou = bboxIou(reshape(boxes, [B * A, 4]), boxTargets, "ciou");
  const boxLoss = scale(sum(mul(addScalar(neg(iou), 1), weights)), 1 / t.normalizer);
  const total = add(scale(boxLoss, gains.box), scale(clsLoss, gains.cls));
  return { total, box: boxLoss, cls: clsLoss };
}
