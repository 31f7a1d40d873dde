/**
 * Elementwise ops (f32): binary with NumPy broadcasting, unary maps, scalar maps.
 * Kernels: runtime/kernels/elementwise.ts; CPU references: runtime/kernels/elementwise-cpu.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { broadcastShapes } from "../tensor/shape.js";
import { defineOp, type Op } from "./define.js";
import type { BackwardFn } from "../autograd/tape.js";
import { binaryCpu, unaryCpu } from "../kernels/elementwise-cpu.js";
import { encodeBinary, encodeUnary } from "../kernels/elementwise.js";
import { sumTo } from "./reduce.js";

export function requireF32(op: string, ...ts: readonly Tensor[]): void {
  for (const t of ts) {
    if (t.dtype !== "f32")
      throw new Error(`${op}: expects f32 tensors, got ${t.dtype} (cast first)`);
  }
}

function binaryOp(
  name: string,
  backward?: BackwardFn<Record<string, never>>,
): Op<Record<string, never>> {
  return defineOp<Record<string, never>>({
    name,
    cpu: ([a, b], _attrs, be) => {
      requireF32(name, a, b);
      const shape = broadcastShapes(a.shape, b.shape);
      const out = be.floatArray(shape.reduce((p, d) => p * d, 1));
      binaryCpu(name, be.floats(a), a.shape, be.floats(b), b.shape, out, shape);
      return be.fromData(out, shape);
    },
    webgpu: ([a, b], _attrs, be) => {
      requireF32(name, a, b);
      const shape = broadcastShapes(a.shape, b.shape);
      const out = be.empty(shape);
      encodeBinary(be.device, be.encoder(), {
        op: name,
        a: be.binding(a),
        aShape: a.shape,
        b: be.binding(b),
        bShape: b.shape,
        out: be.binding(out),
        outShape: shape,
      });
      return out;
    },
    backward,
  });
}

interface ScalarAttrs {
  s: number;
}

function unaryOp(name: string, backward?: BackwardFn<ScalarAttrs>): Op<ScalarAttrs> {
  return defineOp<ScalarAttrs>({
    name,
    cpu: ([x], { s }, be) => {
      requireF32(name, x);
      const out = be.floatArray(x.size);
      unaryCpu(name, be.floats(x), out, s);
      return be.fromData(out, x.shape);
    },
    webgpu: ([x], { s }, be) => {
      requireF32(name, x);
      const out = be.empty(x.shape);
      encodeUnary(be.device, be.encoder(), {
        op: name,
        x: be.binding(x),
        out: be.binding(out),
        n: x.size,
        s,
      });
      return out;
    },
    backward,
  });
}

const one = (op: Op<ScalarAttrs>) => (x: Tensor) => op([x], { s: 0 })[0];
const two = (op: Op<Record<string, never>>) => (a: Tensor, b: Tensor) => op([a, b], {})[0];

// Non-differentiable helpers used by backward passes (a = upstream gradient).
const reluGradOp = binaryOp("relu_grad");
const siluGradOp = binaryOp("silu_grad");
const geluGradOp = binaryOp("gelu_grad");
const sigmoidGradOp = binaryOp("sigmoid_grad_out");
const tanhGradOp = binaryOp("tanh_grad_out");
/** 1 where a == b, else 0 (no gradient). */
export const equalMask = two(binaryOp("equal_mask"));
const geMaskOp = binaryOp("ge_mask");

export const add = two(
  binaryOp("add", ({ inputs: [a, b], grads: [g] }) => [sumTo(g, a.shape), sumTo(g, b.shape)]),
);
export const sub = two(
  binaryOp("sub", ({ inputs: [a, b], grads: [g], needsGrad }) => [
    sumTo(g, a.shape),
    needsGrad[1] ? sumTo(neg(g), b.shape) : null,
  ]),
);
export const mul = two(
  binaryOp("mul", ({ inputs: [a, b], grads: [g], needsGrad }) => [
    needsGrad[0] ? sumTo(mul(g, b), a.shape) : null,
    needsGrad[1] ? sumTo(mul(g, a), b.shape) : null,
  ]),
);
export const div = two(
  binaryOp("div", ({ inputs: [a, b], outputs: [y], grads: [g], needsGrad }) => [
    needsGrad[0] ? sumTo(div(g, b), a.shape) : null,
    needsGrad[1] ? sumTo(neg(div(mul(g, y), b)), b.shape) : null,
  ]),
);
export const maximum = two(
  binaryOp("maximum", ({ inputs: [a, b], grads: [g] }) => {
    const m = two(geMaskOp)(a, b);
    return [sumTo(mul(g, m), a.shape), sumTo(sub(g, mul(g, m)), b.shape)];
  }),
);
export const minimum = two(
  binaryOp("minimum", ({ inputs: [a, b], grads: [g] }) => {
    const m = two(geMaskOp)(b, a);
    return [sumTo(mul(g, m), a.shape), sumTo(sub(g, mul(g, m)), b.shape)];
  }),
);

export const neg = one(unaryOp("neg", ({ grads: [g] }) => [neg(g)]));
export const exp = one(unaryOp("exp", ({ outputs: [y], grads: [g] }) => [mul(g, y)]));
export const log = one(unaryOp("log", ({ inputs: [x], grads: [g] }) => [div(g, x)]));
export const relu = one(unaryOp("relu", ({ inputs: [x], grads: [g] }) => [two(reluGradOp)(g, x)]));
export const sigmoid = one(
  unaryOp("sigmoid", ({ outputs: [y], grads: [g] }) => [two(sigmoidGradOp)(g, y)]),
);
export const silu = one(unaryOp("silu", ({ inputs: [x], grads: [g] }) => [two(siluGradOp)(g, x)]));
export const gelu = one(unaryOp("gelu", ({ inputs: [x], grads: [g] }) => [two(geluGradOp)(g, x)]));
export const tanh = one(unaryOp("tanh", ({ outputs: [y], grads: [g] }) => [two(tanhGradOp)(g, y)]));
export const sqrt = one(unaryOp("sqrt", ({ outputs: [y], grads: [g] }) => [div(scale(g, 0.5), y)]));
export const rsqrt = one(
  unaryOp("rsqrt", ({ outputs: [y], grads: [g] }) => [mul(g, scale(mul(y, mul(y, y)), -0.5))]),
);
export const square = one(
  unaryOp("square", ({ inputs: [x], grads: [g] }) => [mul(g, scale(x, 2))]),
);
export const abs = one(unaryOp("abs", ({ inputs: [x], grads: [g] }) => [mul(g, sign(x))]));
const signOp = unaryOp("sign");
/** -1, 0 or 1 (no gradient). */
export const sign = (x: Tensor) => signOp([x], { s: 0 })[0];

const scaleOp = unaryOp("scale", ({ grads: [g], attrs }) => [scale(g, attrs.s)]);
/** x · s for a host scalar s. */
export const scale = (x: Tensor, s: number) => scaleOp([x], { s })[0];
const addScalarOp = unaryOp("add_scalar", ({ grads: [g] }) => [g]);
/** x + s for a host scalar s. */
export const addScalar = (x: Tensor, s: number) => addScalarOp([x], { s })[0];
