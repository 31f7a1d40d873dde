/**
 * One optimisation step of the detector:
 *   1. forward (batch statistics), decoded boxes and class probabilities on the device;
 *   2. read back probabilities and boxes (the step's one mid-point readback);
 *   3. task-aligned assignment and loss targets on the host;
 *   4. loss, backward, AdamW updates — recorded into one encoder and submitted;
 *   5. while the device works, the caller's `overlap` callback runs (the next batch is
 *      augmented then), and finally the three loss values are read back.
 * The forward's tape has to live across the readback, but `tidy` is synchronous: the forward
 * tidy therefore returns every tensor the tape holds (`tapeTensors`), and they are disposed
 * once backward has run.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { fromArray } from "../../tensor/creation.js";
import { tidy } from "../../tensor/scope.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { sigmoid } from "../../ops/elementwise.js";
import { concat, reshape } from "../../ops/shape.js";
import type { Optimizer } from "../../optim/optimizer.js";
import type { Detector } from "../model/detector.js";
import {
  buildLossTargets,
  detectionLoss,
  type BatchTargets,
  type ClassTargetMode,
  type LossGains,
} from "./loss.js";

export interface StepBatch {
  size: number;
  imgsz: number;
  /** [size, 3, imgsz, imgsz] in [0, 1]. */
  images: Float32Array;
  targets: BatchTargets;
}

export interface StepResult {
  loss: number;
  box: number;
  cls: number;
  l1: number;
  positives: number;
}

/** Every tensor the autograd tape reachable from `roots` holds (op outputs and saved tensors). */
export function tapeTensors(roots: readonly Tensor[]): Tensor[] {
  const out = new Set<Tensor>();
  const seen = new Set<number>();
  const stack = roots.map((r) => r.gradNode).filter((n) => n !== null);
  for (const r of roots) out.add(r);
  while (stack.length) {
    const node = stack.pop()!;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    for (const t of node.outputs) out.add(t);
    for (const t of node.saved) out.add(t);
    for (const t of node.inputs) {
      if (t.gradNode) {
        out.add(t);
        stack.push(t.gradNode);
      }
    }
  }
  return [...out];
}

export interface AnchorGrid {
  /** [A, 2] anchor centres in pixels. */
  centres: Float32Array;
  /** [A] the stride of each anchor's level. */
  strides: Float32Array;
}

/** Anchor centres in pixels and strides for a square input. */
export async function anchorGrid(detector: Detector, imgsz: number): Promise<AnchorGrid> {
  const { points, strides } = detector.anchors(imgsz);
  const [p, s] = [await points.toFloat32Array(), await strides.toFloat32Array()];
  const centres = new Float32Array(p.length);
  for (let a = 0; a < s.length; a++) {
    centres[2 * a] = p[2 * a] * s[a];
    centres[2 * a + 1] = p[2 * a + 1] * s[a];
  }
  return { centres, strides: s };
}

export async function trainStep(
  detector: Detector,
  optimizers: readonly Optimizer[],
  batch: StepBatch,
  anchors: AnchorGrid,
  options: { gains?: LossGains; targets?: ClassTargetMode; overlap?: () => void } = {},
): Promise<StepResult> {
  const S = batch.imgsz;
  const B = batch.size;
  const backend = detector.backend;
  const x = fromArray(batch.images, [B, 3, S, S], { backend });
  let fwd: { cls: Tensor; dist: Tensor; boxes: Tensor; probs: Tensor; tape: Tensor[] } | undefined;
  let losses: Tensor | undefined;
  let positives = 0;
  try {
    fwd = tidy(() => {
      const out = detector.forward(x, { training: true });
      const boxes = detector.decodeBoxes(out.box, S);
      const probs = noGrad(() => sigmoid(out.cls));
      return { cls: out.cls, dist: out.box, boxes, probs, tape: tapeTensors([out.cls, boxes]) };
    });
    const probs = await fwd.probs.toFloat32Array();
    const boxes = await fwd.boxes.toFloat32Array();
    const targets = buildLossTargets(
      probs,
      boxes,
      anchors.centres,
      anchors.strides,
      detector.config.names.length,
      batch.targets,
      { targets: options.targets },
    );
    positives = targets.positives;
    const { cls, dist, boxes: predBoxes } = fwd;
    losses = tidy(() => {
      const l = detectionLoss(cls, dist, predBoxes, targets, options.gains);
      l.total.backward();
      for (const o of optimizers) o.step();
      for (const o of optimizers) o.zeroGrad();
      return noGrad(() =>
        concat(
          [l.total, l.box, l.cls, l.l1].map((t) => reshape(t.detach(), [1])),
          0,
        ),
      );
    });
  } finally {
    if (fwd) {
      for (const t of fwd.tape) t.dispose();
      fwd.probs.dispose();
    }
    x.dispose();
  }
  backend.flush();
  options.overlap?.();
  const v = await losses.toFloat32Array();
  losses.dispose();
  return { loss: v[0], box: v[1], cls: v[2], l1: v[3], positives };
}
