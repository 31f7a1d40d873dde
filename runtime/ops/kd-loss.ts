/**
 * Knowledge-distillation loss T²·KL(p_teacher ‖ p_student) averaged over unmasked tokens, with
 * autograd wrt the student logits (the teacher is frozen). DESIGN.md; kernel:
 * runtime/kernels/kd-loss.ts; CPU: runtime/kernels/reference/losses.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectDtype, rowsOf } from "./llm-common.js";
import { encodeKdLossBackward, encodeKdLossForward } from "../kernels/kd-loss.js";
import { kdLossReference } from "../kernels/reference/losses.js";

interface Attrs {
  temperature: number;
}

const kdLossGradOp = defineOp<Attrs>({
  name: "kd_loss_grad",
  cpu: ([student, teacher, labels, g], { temperature }, be) => {
    const r = kdLossReference(
      rowsOf(student),
      be.floats(student),
      be.floats(teacher),
      be.data(labels),
      temperature,
    );
    const gv = be.floats(g)[0];
    return cpuTensor(
      be,
      r.dstudent.map((v) => v * gv),
      student.shape,
    );
  },
  webgpu: ([student, teacher, labels, g, lse, stats], { temperature }, be) => {
    const ds = be.empty(student.shape);
    encodeKdLossBackward(be.device, be.encoder(), rowsOf(student), temperature, {
      student: be.binding(student),
      teacher: be.binding(teacher),
      labels: be.binding(labels),
      lse: be.binding(lse),
      out: be.binding(stats),
      g: be.binding(g),
      dstudent: be.binding(ds),
    });
    return ds;
  },
});

const kdLossOp = defineOp<Attrs>({
  name: "kd_loss",
  cpu: ([student, teacher, labels], { temperature }, be) => {
    const r = kdLossReference(
      rowsOf(student),
      be.floats(student),
      be.floats(teacher),
      be.data(labels),
      temperature,
    );
    return cpuTensor(be, [r.loss], []);
  },
  webgpu: ([student, teacher, labels], { temperature }, be) => {
    const shape = rowsOf(student);
    const lse = be.empty([shape.rows, 2]);
    const rowLoss = be.empty([shape.rows]);
    const stats = be.empty([2]);
    const loss = be.empty([]);
    const encoder = be.encoder();
    encodeKdLossForward(be.device, encoder, shape, temperature, {
      student: be.binding(student),
      teacher: be.binding(teacher),
      labels: be.binding(labels),
      lse: be.binding(lse),
      rowLoss: be.binding(rowLoss),
      out: be.binding(stats),
    });
    encoder.copyBufferToBuffer(be.buffer(stats), 0, be.buffer(loss), 0, 4);
    return { outputs: [loss], saved: [lse, stats] };
  },
  backward: ({ inputs: [student, teacher, labels], saved, grads: [g], attrs }) => [
    kdLossGradOp([student, teacher, labels, g, ...saved], attrs)[0],
    null,
    null,
  ],
  nondifferentiable: [1, 2],
});

/**
 * T² · mean over tokens with label ≠ −100 of Σ_v p_t (log p_t − log p_s), p = softmax(logits/T).
 * student, teacher [..., vocab]; labels i32 [...] (only the −100 mask is used). Gradient wrt
 * the student: T·(p_s − p_t)/count.
 */
export function kdLoss(student: Tensor, teacher: Tensor, labels: Tensor, temperature = 1): Tensor {
  requireF32("kdLoss", student, teacher);
  expectDtype("kdLoss", labels, "i32");
  if (student.shape.join() !== teacher.shape.join()) {
    throw new Error(
      `kdLoss: student ${formatShape(student.shape)} and teacher ${formatShape(teacher.shape)} differ`,
    );
  }
  if (labels.size !== rowsOf(student).rows) {
    throw new Error(
      `kdLoss: labels ${formatShape(labels.shape)} do not match logits ${formatShape(student.shape)}`,
    );
  }
  if (!(temperature > 0)) throw new Error(`kdLoss: temperature must be > 0, got ${temperature}`);
  return kdLossOp([student, teacher, labels], { temperature })[0];
}
