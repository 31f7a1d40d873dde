/**
 * Softmax over the last axis (online max), with autograd.
 * Kernel: runtime/kernels/softmax.ts; CPU: runtime/kernels/reference/losses.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, rowsOf } from "./llm-common.js";
import { encodeSoftmaxBackward, encodeSoftmaxForward } from "../kernels/softmax.js";
import { softmaxBackwardReference, softmaxReference } from "../kernels/reference/losses.js";

type NoAttrs = Record<string, never>;

const softmaxGradOp = defineOp<NoAttrs>({
  name: "softmax_grad",
  cpu: ([y, dy], _a, be) =>
    cpuTensor(be, softmaxBackwardReference(rowsOf(y), be.floats(y), be.floats(dy)), y.shape),
  webgpu: ([y, dy], _a, be) => {
    const dx = be.empty(y.shape);
    encodeSoftmaxBackward(be.device, be.encoder(), rowsOf(y), {
      y: be.binding(y),
      dy: be.binding(dy),
      dx: be.binding(dx),
    });
    return dx;
  },
});

const softmaxOp = defineOp<NoAttrs>({
  name: "softmax",
  cpu: ([x], _a, be) => cpuTensor(be, softmaxReference(rowsOf(x), be.floats(x)), x.shape),
  webgpu: ([x], _a, be) => {
    const y = be.empty(x.shape);
    encodeSoftmaxForward(be.device, be.encoder(), rowsOf(x), {
      x: be.binding(x),
      y: be.binding(y),
    });
    return y;
  },
  backward: ({ outputs: [y], grads: [g] }) => [softmaxGradOp([y, g], {})[0]],
});

/** exp(x − max)/Σ over the last axis. */
export function softmax(x: Tensor): Tensor {
  requireF32("softmax", x);
  return softmaxOp([x], {})[0];
}
