/**
 * Reductions over any set of axes (f32): sum, mean, max, min, and sumTo (the gradient of
 * broadcasting). Each reduced axis is one [A, R, B] kernel pass (runtime/kernels/reduce.ts);
 * a full reduction of a large tensor is two passes.
 */
import type { Tensor } from "../tensor/tensor.js";
import { normalizeAxis, shapesEqual, sizeOf, formatShape, type Shape } from "../tensor/shape.js";
import { defineOp, type Op } from "./define.js";
import { reduceCpu, type ReduceOp } from "../kernels/reduce-cpu.js";
import { encodeReduce } from "../kernels/reduce.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import { broadcastTo, reshape } from "./shape.js";
import { div, equalMask, mul, scale } from "./elementwise.js";

interface ReduceAttrs {
  op: ReduceOp;
  /** Sorted, distinct, normalised. */
  axes: number[];
  keepDims: boolean;
}

/** The [A, R, B] split of `shape` around `axis`. */
function split(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finalShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

function reduceCpuForward(be: CpuBackend, x: Tensor, { op, axes, keepDims }: ReduceAttrs): Tensor {
  let data: ArrayLike<number> = be.floats(x);
  let shape = [...x.shape];
  for (const axis of [...axes].reverse()) {
    const [A, R, B] = split(shape, axis);
    const out = be.floatArray(A * B);
    reduceCpu(op, data, A, R, B, out);
    data = out;
    shape[axis] = 1;
  }
  return be.fromData(data as Float32Array, finalShape(x.shape, axes, keepDims));
}

const CHUNK = 4096;

function reduceGpuForward(
  be: WebGpuBackend,
  x: Tensor,
  { op, axes, keepDims }: ReduceAttrs,
): Tensor {
  let cur = x;
  let shape = [...x.shape];
  for (const axis of [...axes].reverse()) {
    const [A, R, B] = split(shape, axis);
    shape[axis] = 1;
    if (A === 1 && B === 1 && R > 4 * CHUNK) {
      // Two passes: rows of CHUNK elements, then the partials.
      const rows = Math.ceil(R / CHUNK);
      const partial = be.empty([rows]);
      encodeReduce(be.device, be.encoder(), {
        op,
        x: be.binding(cur),
        out: be.binding(partial),
        A: rows,
        R: CHUNK,
        B: 1,
        total: R,
      });
      const out = be.empty(shape);
      encodeReduce(be.device, be.encoder(), {
        op,
        x: be.binding(partial),
        out: be.binding(out),
        A: 1,
        R: rows,
        B: 1,
      });
      cur = out;
    } else {
      const out = be.empty(shape);
      encodeReduce(be.device, be.encoder(), {
        op,
        x: be.binding(cur),
        out: be.binding(out),
        A,
        R,
        B,
      });
      cur = out;
    }
  }
  return cur.view(finalShape(x.shape, axes, keepDims));
}

const reduceOp: Op<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: "reduce",
  cpu: ([x], attrs, be) => reduceCpuForward(be, x, attrs),
  webgpu: ([x], attrs, be) => reduceGpuForward(be, x, attrs),
  backward: ({ inputs: [x], outputs: [y], grads: [g], attrs: { op, axes } }): Tensor[] => {
    const kept = keptShape(x.shape, axes);
    const gk = reshape(g, kept);
    if (op === "sum") return [broadcastTo(gk, x.shape)];
    // max/min: the gradient is shared evenly by the elements equal to the extremum.
    const mask = equalMask(x, reshape(y, kept));
    const count: Tensor = reduceOp([mask], { op: "sum", axes, keepDims: true })[0];
    return [mul(mask, div(gk, count))];
  },
});

export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); default: all. */
  axis?: number | readonly number[];
  /** Keep reduced axes as size 1 (default false). */
  keepDims?: boolean;
}

function axesOf(x: Tensor, axis: ReduceOptions["axis"]): number[] {
  const list =
    axis === undefined ? x.shape.map((_, i) => i) : typeof axis === "number" ? [axis] : [...axis];
  return [...new Set(list.map((a) => normalizeAxis(a, x.rank)))].sort((a, b) => a - b);
}

function reduce(op: ReduceOp, x: Tensor, options: ReduceOptions): Tensor {
  if (x.dtype !== "f32") throw new Error(`${op}: expects f32, got ${x.dtype}`);
  const axes = axesOf(x, options.axis);
  if (axes.length === 0) return reshape(x, x.shape);
  if (axes.some((a) => x.shape[a] === 0))
    throw new Error(`${op}: cannot reduce an empty axis of ${formatShape(x.shape)}`);
  return reduceOp([x], { op, axes, keepDims: options.keepDims ?? false })[0];
}

export const sum = (x: Tensor, options: ReduceOptions = {}) => reduce("sum", x, options);
export const max = (x: Tensor, options: ReduceOptions = {}) => reduce("max", x, options);
export const min = (x: Tensor, options: ReduceOptions = {}) => reduce("min", x, options);

export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = axesOf(x, options.axis);
  const count = axes.reduce((p, a) => p * x.shape[a], 1);
  return scale(sum(x, options), 1 / count);
}

/** Sums `g` down to `shape` (undoing NumPy broadcasting): the gradient of a broadcast. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const offset = g.rank - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < offset || (shape[i - offset] === 1 && d !== 1)) axes.push(i);
  });
  if (axes.length === 0) return reshape(g, shape);
  return reshape(sum(g, { axis: axes, keepDims: true }), shape);
}
