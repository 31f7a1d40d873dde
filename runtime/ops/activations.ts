/**
 * GELU (tanh approximation, Hugging Face "gelu_pytorch_tanh") and SwiGLU, with autograd.
 * SiLU and exact GELU are core ops (runtime/ops/elementwise.ts).
 * Kernels: runtime/kernels/activations.ts; CPU: runtime/kernels/reference/activations.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor } from "./llm-common.js";
import {
  encodeActivationBackward,
  encodeActivationForward,
  encodeSwiGluBackward,
  encodeSwiGluForward,
} from "../kernels/activations.js";
import {
  activationBackwardReference,
  activationForwardReference,
  swiGluBackwardReference,
  swiGluForwardReference,
} from "../kernels/reference/activations.js";

type NoAttrs = Record<string, never>;

const geluTanhGradOp = defineOp<NoAttrs>({
  name: "gelu_tanh_grad",
  cpu: ([x, dy], _a, be) =>
    cpuTensor(be, activationBackwardReference("gelu_tanh", be.floats(x), be.floats(dy)), x.shape),
  webgpu: ([x, dy], _a, be) => {
    const dx = be.empty(x.shape);
    encodeActivationBackward(be.device, be.encoder(), "gelu_tanh", x.size, {
      x: be.binding(x),
      dy: be.binding(dy),
      dx: be.binding(dx),
    });
    return dx;
  },
});

const geluTanhOp = defineOp<NoAttrs>({
  name: "gelu_tanh",
  cpu: ([x], _a, be) =>
    cpuTensor(be, activationForwardReference("gelu_tanh", be.floats(x)), x.shape),
  webgpu: ([x], _a, be) => {
    const y = be.empty(x.shape);
    encodeActivationForward(be.device, be.encoder(), "gelu_tanh", x.size, {
      x: be.binding(x),
      y: be.binding(y),
    });
    return y;
  },
  backward: ({ inputs: [x], grads: [g] }) => [geluTanhGradOp([x, g], {})[0]],
});

/** ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanh(x: Tensor): Tensor {
  requireF32("geluTanh", x);
  return geluTanhOp([x], {})[0];
}

const swiGluGradOp = defineOp<NoAttrs>({
  name: "swiglu_grad",
  cpu: ([gate, up, dy], _a, be) => {
    const r = swiGluBackwardReference(be.floats(gate), be.floats(up), be.floats(dy));
    return [cpuTensor(be, r.dgate, gate.shape), cpuTensor(be, r.dup, up.shape)];
  },
  webgpu: ([gate, up, dy], _a, be) => {
    const dgate = be.empty(gate.shape);
    const dup = be.empty(up.shape);
    encodeSwiGluBackward(be.device, be.encoder(), gate.size, {
      gate: be.binding(gate),
      up: be.binding(up),
      dy: be.binding(dy),
      dgate: be.binding(dgate),
      dup: be.binding(dup),
    });
    return [dgate, dup];
  },
});

const swiGluOp = defineOp<NoAttrs>({
  name: "swiglu",
  cpu: ([gate, up], _a, be) =>
    cpuTensor(be, swiGluForwardReference(be.floats(gate), be.floats(up)), gate.shape),
  webgpu: ([gate, up], _a, be) => {
    const y = be.empty(gate.shape);
    encodeSwiGluForward(be.device, be.encoder(), gate.size, {
      gate: be.binding(gate),
      up: be.binding(up),
      y: be.binding(y),
    });
    return y;
  },
  backward: ({ inputs: [gate, up], grads: [g], needsGrad }) => {
    const [dgate, dup] = swiGluGradOp([gate, up, g], {});
    return [needsGrad[0] ? dgate : null, needsGrad[1] ? dup : null];
  },
});

/** silu(gate) · up (Llama MLP); gate and up have the same shape. */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  requireF32("swiglu", gate, up);
  if (gate.shape.join() !== up.shape.join()) {
    throw new Error(
      `swiglu: gate ${formatShape(gate.shape)} and up ${formatShape(up.shape)} differ`,
    );
  }
  return swiGluOp([gate, up], {})[0];
}
