/**
 * Detection post-processing, Ultralytics' `non_max_suppression` (single label per box):
 * per image, the anchors whose best class probability is > conf become candidates (the best
 * `maxCandidates` of them); all candidates of the batch go through one batched NMS on the
 * runtime (`nms` with category = image·nc + class, so boxes of different images or classes
 * never suppress each other; suppression when IoU > iou); each image keeps its first `maxDet`.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { fromArray } from "../../tensor/creation.js";
import { nms } from "../../ops/nms.js";

export type Xyxy = [number, number, number, number];

export interface Detection {
  /** xyxy pixels (of the network input until mapped back). */
  box: Xyxy;
  cls: number;
  conf: number;
}

export interface PostprocessOptions {
  /** Keep boxes whose best class probability is strictly above this (default 0.25). */
  conf?: number;
  /** NMS IoU threshold: suppress when IoU > iou (default 0.45). */
  iou?: number;
  /** Detections per image at most (default 300). */
  maxDet?: number;
  /** Candidates per image entering NMS at most, by score (default 3000). */
  maxCandidates?: number;
}

export const DEFAULT_PREDICT = { conf: 0.25, iou: 0.45, maxDet: 300 } as const;

/**
 * Detections per image from decoded boxes [B, A, 4] and class probabilities [B, nc, A]
 * (host copies), NMS on `backend`'s device.
 */
export async function postprocessDetections(
  boxes: Float32Array,
  probs: Float32Array,
  batch: number,
  numClasses: number,
  backendOf: Tensor,
  options: PostprocessOptions = {},
): Promise<Detection[][]> {
  const conf = options.conf ?? DEFAULT_PREDICT.conf;
  const iou = options.iou ?? DEFAULT_PREDICT.iou;
  const maxDet = options.maxDet ?? DEFAULT_PREDICT.maxDet;
  const maxCandidates = options.maxCandidates ?? 3000;
  const nc = numClasses;
  const A = boxes.length / (4 * batch);
  const candBoxes: number[] = [];
  const candScores: number[] = [];
  const candCats: number[] = [];
  const candImage: number[] = [];
  for (let b = 0; b < batch; b++) {
    const found: { a: number; c: number; s: number }[] = [];
    for (let a = 0; a < A; a++) {
      let best = 0;
      let bestScore = probs[b * nc * A + a];
      for (let c = 1; c < nc; c++) {
        const s = probs[(b * nc + c) * A + a];
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (bestScore > conf) found.push({ a, c: best, s: bestScore });
    }
    if (found.length > maxCandidates) {
      found.sort((x, y) => y.s - x.s || x.a - y.a);
      found.length = maxCandidates;
    }
    for (const f of found) {
      const o = (b * A + f.a) * 4;
      candBoxes.push(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
      candScores.push(f.s);
      candCats.push(b * nc + f.c);
      candImage.push(b);
    }
  }
  const out: Detection[][] = Array.from({ length: batch }, () => []);
  const n = candScores.length;
  if (n === 0) return out;
  const backend = backendOf.backend;
  const tBoxes = fromArray(candBoxes, [n, 4], { backend });
  const tScores = fromArray(candScores, [n], { backend });
  const tCats = fromArray(candCats, [n], { backend, dtype: "i32" });
  let keep: Int32Array;
  try {
    keep = await nms(tBoxes, tScores, { iouThreshold: iou, classes: tCats });
  } finally {
    tBoxes.dispose();
    tScores.dispose();
    tCats.dispose();
  }
  for (const k of keep) {
    const b = candImage[k];
    if (out[b].length >= maxDet) continue;
    out[b].push({
      box: [candBoxes[4 * k], candBoxes[4 * k + 1], candBoxes[4 * k + 2], candBoxes[4 * k + 3]],
      cls: candCats[k] - b * nc,
      conf: candScores[k],
    });
  }
  return out;
}
