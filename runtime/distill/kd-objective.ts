/**
 * The logit-distillation objective of seed chapter 3.1:
 *
 *   L = α · CE(student, hard labels) + (1 − α) · T² · KL(softmax(t/T) ‖ softmax(s/T))
 *
 * Both terms are means over the same loss tokens (labels ≠ −100, shifted by one like the CE),
 * which is DESIGN.md's KD loss (the seed's `batchmean` over every position is not used: the
 * prompt tokens are not the student's to learn). The teacher runs under no-grad in evaluation
 * mode: it is frozen, no tape is recorded for it and none of its tensors reach the optimiser.
 * `hard_loss` and `soft_loss` are logged next to the total.
 */
import { noGrad } from "../autograd/grad-mode.js";
import { add, scale } from "../ops/elementwise.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import { kdLoss } from "../ops/kd-loss.js";
import { modelBackend, type CausalLM } from "../train/causal-lm.js";
import type { MicroBatch } from "../train/batches.js";
import type { Objective, ObjectiveOutput } from "../train/objective.js";
import type { Backend } from "../backend/backend.js";
import type { Tensor } from "../tensor/tensor.js";
import { logitRows, modelLogits, targetsTensor } from "../train/objective.js";
import { checkLogitWidths } from "./vocabulary.js";

export interface KdOptions {
  teacher: CausalLM;
  /** Softmax temperature T > 0 (seed default 2.0). */
  temperature: number;
  /** Weight of the hard-label loss, in [0, 1] (seed default 0.5). */
  alpha: number;
}

export function kdObjective(options: KdOptions): Objective {
  const { teacher, temperature, alpha } = options;
  if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`alpha must be in [0, 1], got ${alpha}`);
  teacher.eval?.();
  const teacherLogitsOf = (batch: MicroBatch, backend: Backend): Tensor => {
    if (modelBackend(teacher) !== backend) {
      throw new Error("teacher and student must live on the same backend (device)");
    }
    return noGrad(() => logitRows(modelLogits(teacher, batch, backend)));
  };
  const lossOf = (
    studentLogits: Tensor,
    teacherLogits: Tensor,
    batch: MicroBatch,
    backend: Backend,
  ): ObjectiveOutput => {
    checkLogitWidths(teacherLogits.shape[1], studentLogits.shape[1]);
    const targets = targetsTensor(batch, backend);
    const hard = crossEntropy(studentLogits, targets);
    const soft = kdLoss(studentLogits, teacherLogits, targets, temperature);
    const loss =
      alpha === 1 ? hard : alpha === 0 ? soft : add(scale(hard, alpha), scale(soft, 1 - alpha));
    return { loss, parts: { hard_loss: hard, soft_loss: soft } };
  };
  return {
    name: "logit_kd",
    settings: () => ({ temperature, alpha }),
    microBatchLoss(student, batch, backend) {
      const teacherLogits = teacherLogitsOf(batch, backend);
      return lossOf(logitRows(modelLogits(student, batch, backend)), teacherLogits, batch, backend);
    },
    // With gradient checkpointing the trainer runs the student's forward itself and hands over
    // its logits; the frozen teacher's forward (no tape) runs here.
    lossFromLogits(logits, batch, backend) {
      return lossOf(logitRows(logits), teacherLogitsOf(batch, backend), batch, backend);
    },
  };
}
