/**
 * Mean cross-entropy over tokens with ignore_index = −100, with autograd (gradient wrt logits).
 * Kernel: runtime/kernels/cross-entropy.ts; CPU: runtime/kernels/reference/losses.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectDtype, rowsOf } from "./llm-common.js";
import { encodeCrossEntropyBackward, encodeCrossEntropyForward } from "../kernels/cross-entropy.js";
import { crossEntropyReference } from "../kernels/reference/losses.js";

type NoAttrs = Record<string, never>;

const crossEntropyGradOp = defineOp<NoAttrs>({
  name: "cross_entropy_grad",
  cpu: ([logits, labels, g], _a, be) => {
    const r = crossEntropyReference(rowsOf(logits), be.floats(logits), be.data(labels));
    const gv = be.floats(g)[0];
    return cpuTensor(
      be,
      r.dlogits.map((v) => v * gv),
      logits.shape,
    );
  },
  webgpu: ([logits, labels, g, lse, stats], _a, be) => {
    const dlogits = be.empty(logits.shape);
    encodeCrossEntropyBackward(be.device, be.encoder(), rowsOf(logits), {
      logits: be.binding(logits),
      labels: be.binding(labels),
      lse: be.binding(lse),
      out: be.binding(stats),
      g: be.binding(g),
      dlogits: be.binding(dlogits),
    });
    return dlogits;
  },
});

const crossEntropyOp = defineOp<NoAttrs>({
  name: "cross_entropy",
  cpu: ([logits, labels], _a, be) => {
    const r = crossEntropyReference(rowsOf(logits), be.floats(logits), be.data(labels));
    return cpuTensor(be, [r.loss], []);
  },
  webgpu: ([logits, labels], _a, be) => {
    const shape = rowsOf(logits);
    const lse = be.empty([shape.rows]);
    const rowLoss = be.empty([shape.rows]);
    const stats = be.empty([2]);
    const loss = be.empty([]);
    const encoder = be.encoder();
    encodeCrossEntropyForward(be.device, encoder, shape, {
      logits: be.binding(logits),
      labels: be.binding(labels),
      lse: be.binding(lse),
      rowLoss: be.binding(rowLoss),
      out: be.binding(stats),
    });
    encoder.copyBufferToBuffer(be.buffer(stats), 0, be.buffer(loss), 0, 4);
    return { outputs: [loss], saved: [lse, stats] };
  },
  backward: ({ inputs: [logits, labels], saved, grads: [g] }) => [
    crossEntropyGradOp([logits, labels, g, ...saved], {})[0],
    null,
  ],
  nondifferentiable: [1],
});

/**
 * mean over tokens with label ≠ −100 of −log softmax(logits)[label] (F.cross_entropy with
 * ignore_index = −100). logits [..., vocab], labels i32 [...]. A batch with no unmasked token
 * gives 0 (PyTorch: NaN).
 */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  requireF32("crossEntropy", logits);
  expectDtype("crossEntropy", labels, "i32");
  if (labels.size !== rowsOf(logits).rows) {
    throw new Error(
      `crossEntropy: labels ${formatShape(labels.shape)} do not match logits ${formatShape(logits.shape)}`,
    );
  }
  return crossEntropyOp([logits, labels], {})[0];
}
