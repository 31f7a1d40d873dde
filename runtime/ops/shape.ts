/**
 * Shape ops: reshape (a view, no copy), transpose/permute, slice, concat, broadcastTo and
 * cast. The copies run one strided-copy kernel (runtime/kernels/elementwise.ts) on 32-bit
 * elements (f32, i32, u32); reshape works for every dtype.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { TensorData } from "../tensor/dtype.js";
import {
  broadcastStrides,
  formatShape,
  inferShape,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
  type Shape,
} from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { stridedCopyCpu } from "../kernels/elementwise-cpu.js";
import { encodeStridedCopy } from "../kernels/elementwise.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import { sumTo } from "./reduce.js";
import { encodeCast, castCpu } from "../kernels/elementwise-cast.js";
import type { DType } from "../tensor/dtype.js";

function require32(op: string, t: Tensor): void {
  if (t.dtype === "f16" || t.dtype === "u8") {
    throw new Error(`${op}: ${t.dtype} tensors are not supported (cast to f32 or u32 first)`);
  }
}

interface CopySpec {
  shape: Shape;
  inStrides: readonly number[];
  inOffset: number;
}

function copyCpu(be: CpuBackend, x: Tensor, spec: CopySpec, outShape: Shape): Tensor {
  const src = be.data(x);
  const out = new (src.constructor as new (n: number) => TensorData)(sizeOf(outShape));
  stridedCopyCpu(src, out, spec.shape, spec.inStrides, spec.inOffset);
  return be.fromData(out, outShape, x.dtype);
}

function copyGpu(be: WebGpuBackend, x: Tensor, spec: CopySpec, outShape: Shape): Tensor {
  const out = be.empty(outShape, x.dtype);
  encodeStridedCopy(be.device, be.encoder(), {
    x: be.binding(x),
    out: be.binding(out),
    shape: spec.shape,
    inStrides: spec.inStrides,
    inOffset: spec.inOffset,
  });
  return out;
}

const reshapeOp = defineOp<{ shape: number[] }>({
  name: "reshape",
  cpu: ([x], { shape }) => x.view(shape),
  webgpu: ([x], { shape }) => x.view(shape),
  backward: ({ inputs: [x], grads: [g] }) => [reshape(g, x.shape)],
});

/** Same data, new shape (one dimension may be -1). No copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = inferShape(shape, x.size);
  if (shapesEqual(target, x.shape) && !x.tracksGrad) return x.view();
  return reshapeOp([x], { shape: target })[0];
}

function permuteSpec(x: Tensor, perm: readonly number[]): { spec: CopySpec; shape: number[] } {
  const strides = stridesOf(x.shape);
  const shape = perm.map((d) => x.shape[d]);
  return { spec: { shape, inStrides: perm.map((d) => strides[d]), inOffset: 0 }, shape };
}

const permuteOp = defineOp<{ perm: number[] }>({
  name: "permute",
  cpu: ([x], { perm }, be) => {
    const { spec, shape } = permuteSpec(x, perm);
    return copyCpu(be, x, spec, shape);
  },
  webgpu: ([x], { perm }, be) => {
    require32("permute", x);
    const { spec, shape } = permuteSpec(x, perm);
    return copyGpu(be, x, spec, shape);
  },
  backward: ({ grads: [g], attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [permute(g, inverse)];
  },
});

/** Reorders axes: out.shape[i] = x.shape[perm[i]] (a copy). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((d) => normalizeAxis(d, x.rank));
  if (new Set(p).size !== x.rank || p.length !== x.rank) {
    throw new Error(`permute: [${perm.join(", ")}] is not a permutation of ${x.rank} axes`);
  }
  return permuteOp([x], { perm: p })[0];
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const a = normalizeAxis(axis0, x.rank);
  const b = normalizeAxis(axis1, x.rank);
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}

interface SliceAttrs {
  starts: number[];
  sizes: number[];
}

function sliceSpec(x: Tensor, { starts, sizes }: SliceAttrs): CopySpec {
  const strides = stridesOf(x.shape);
  return {
    shape: sizes,
    inStrides: strides,
    inOffset: starts.reduce((o, s, d) => o + s * strides[d], 0),
  };
}

const sliceOp = defineOp<SliceAttrs>({
  name: "slice",
  cpu: ([x], attrs, be) => copyCpu(be, x, sliceSpec(x, attrs), attrs.sizes),
  webgpu: ([x], attrs, be) => {
    require32("slice", x);
    return copyGpu(be, x, sliceSpec(x, attrs), attrs.sizes);
  },
  backward: ({ inputs: [x], grads: [g], attrs }) => [
    padOp([g], { shape: [...x.shape], starts: attrs.starts })[0],
  ],
});

/** Zeros of `shape` with g copied in at `starts` (slice's gradient; internal). */
const padOp = defineOp<{ shape: number[]; starts: number[] }>({
  name: "slice_backward",
  cpu: ([g], { shape, starts }, be) => {
    const out = be.zeros(shape, g.dtype);
    const strides = stridesOf(shape);
    const offset = starts.reduce((o, s, d) => o + s * strides[d], 0);
    stridedCopyCpu(be.data(g), be.data(out), g.shape, stridesOf(g.shape), 0, strides, offset);
    return out;
  },
  webgpu: ([g], { shape, starts }, be) => {
    const out = be.zeros(shape, g.dtype);
    const strides = stridesOf(shape);
    encodeStridedCopy(be.device, be.encoder(), {
      x: be.binding(g),
      out: be.binding(out),
      shape: g.shape,
      inStrides: stridesOf(g.shape),
      outStrides: strides,
      outOffset: starts.reduce((o, s, d) => o + s * strides[d], 0),
    });
    return out;
  },
});

/** x[starts[0]:ends[0], starts[1]:ends[1], ...]; missing axes are taken whole. */
export function slice(x: Tensor, starts: readonly number[], ends?: readonly number[]): Tensor {
  const s = x.shape.map((_, d) => starts[d] ?? 0);
  const e = x.shape.map((dim, d) => ends?.[d] ?? dim);
  s.forEach((start, d) => {
    if (start < 0 || e[d] > x.shape[d] || start > e[d]) {
      throw new Error(
        `slice: [${start}, ${e[d]}) is out of range for axis ${d} of ${formatShape(x.shape)}`,
      );
    }
  });
  return sliceOp([x], { starts: s, sizes: s.map((start, d) => e[d] - start) })[0];
}

const concatOp = defineOp<{ axis: number }>({
  name: "concat",
  cpu: (xs, { axis }, be) => {
    const shape = concatShape(xs, axis);
    const out = new (be.data(xs[0]).constructor as new (n: number) => TensorData)(sizeOf(shape));
    const strides = stridesOf(shape);
    let at = 0;
    for (const x of xs) {
      stridedCopyCpu(be.data(x), out, x.shape, stridesOf(x.shape), 0, strides, at * strides[axis]);
      at += x.shape[axis];
    }
    return be.fromData(out, shape, xs[0].dtype);
  },
  webgpu: (xs, { axis }, be) => {
    const shape = concatShape(xs, axis);
    const out = be.empty(shape, xs[0].dtype);
    const strides = stridesOf(shape);
    let at = 0;
    for (const x of xs) {
      require32("concat", x);
      encodeStridedCopy(be.device, be.encoder(), {
        x: be.binding(x),
        out: be.binding(out),
        shape: x.shape,
        inStrides: stridesOf(x.shape),
        outStrides: strides,
        outOffset: at * strides[axis],
      });
      at += x.shape[axis];
    }
    return out;
  },
  backward: ({ inputs, grads: [g], attrs: { axis }, needsGrad }) => {
    let at = 0;
    return inputs.map((x, i) => {
      const start = at;
      at += x.shape[axis];
      if (!needsGrad[i]) return null;
      const starts = g.shape.map((_, d) => (d === axis ? start : 0));
      const ends = g.shape.map((dim, d) => (d === axis ? start + x.shape[axis] : dim));
      return slice(g, starts, ends);
    });
  },
});

function concatShape(xs: readonly Tensor[], axis: number): number[] {
  const shape = [...xs[0].shape];
  shape[axis] = 0;
  for (const x of xs) {
    if (
      x.rank !== shape.length ||
      x.dtype !== xs[0].dtype ||
      x.shape.some((d, i) => i !== axis && d !== shape[i])
    ) {
      throw new Error(
        `concat: ${formatShape(x.shape)} does not match ${formatShape(xs[0].shape)} off axis ${axis}`,
      );
    }
    shape[axis] += x.shape[axis];
  }
  return shape;
}

/** Joins tensors along `axis`. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error("concat: no tensors");
  return concatOp(xs, { axis: normalizeAxis(axis, xs[0].rank) })[0];
}

const broadcastOp = defineOp<{ shape: number[] }>({
  name: "broadcast_to",
  cpu: ([x], { shape }, be) =>
    copyCpu(be, x, { shape, inStrides: broadcastStrides(x.shape, shape), inOffset: 0 }, shape),
  webgpu: ([x], { shape }, be) => {
    require32("broadcastTo", x);
    return copyGpu(
      be,
      x,
      { shape, inStrides: broadcastStrides(x.shape, shape), inOffset: 0 },
      shape,
    );
  },
  backward: ({ inputs: [x], grads: [g] }) => [sumTo(g, x.shape)],
});

/** Materialises x broadcast to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return reshape(x, shape);
  return broadcastOp([x], { shape: [...shape] })[0];
}

const castOp = defineOp<{ dtype: DType }>({
  name: "cast",
  cpu: ([x], { dtype }, be) => be.fromData(castCpu(be, be.data(x), x.dtype, dtype), x.shape, dtype),
  webgpu: ([x], { dtype }, be) => {
    const out = be.empty(x.shape, dtype);
    encodeCast(be.device, be.encoder(), {
      x: be.binding(x),
      out: be.binding(out),
      from: x.dtype,
      to: dtype,
      n: x.size,
    });
    return out;
  },
  backward: ({ inputs: [x], grads: [g] }) => [x.dtype === "f32" ? cast(g, "f32") : null],
});

/** Converts element type (float → int truncates toward zero; f16 rounds to nearest even). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return reshape(x, x.shape);
  return castOp([x], { dtype })[0];
}
