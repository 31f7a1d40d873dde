/**
 * Rotary position embedding (Hugging Face Llama, rotate_half) with autograd.
 *
 *   const cache = ropeCache(500000, 64, 4096);          // once per model: [4096, 32, 2] cos/sin
 *   const qr = rope(q, positions, cache);               // q [..., heads, 64], positions [tokens]
 *
 * Kernel: runtime/kernels/rope.ts; CPU: runtime/kernels/reference/rope.ts (same table).
 */
import type { Tensor } from "../tensor/tensor.js";
import { fromArray, type CreateOptions } from "../tensor/creation.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp, type Op } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectDtype } from "./llm-common.js";
import {
  encodeRopeBackward,
  encodeRopeForward,
  ropeTable,
  type RopeShape,
} from "../kernels/rope.js";
import { ropeWithTable } from "../kernels/reference/rope.js";

interface Attrs {
  shape: RopeShape;
  sign: number;
}

/** The (cos, sin) table for positions [0, maxPositions): an f32 tensor [maxPositions, D/2, 2]. */
export function ropeCache(
  theta: number,
  headDim: number,
  maxPositions: number,
  options: CreateOptions = {},
): Tensor {
  return fromArray(
    ropeTable(theta, headDim, maxPositions),
    [maxPositions, headDim / 2, 2],
    options,
  );
}

const ropeOp: Op<Attrs> = defineOp<Attrs>({
  name: "rope",
  cpu: ([x, positions, table], { shape, sign }, be) =>
    cpuTensor(
      be,
      ropeWithTable(shape, be.floats(x), be.data(positions), be.floats(table), sign),
      x.shape,
    ),
  webgpu: ([x, positions, table], { shape, sign }, be) => {
    const y = be.empty(x.shape);
    const buf = { positions: be.binding(positions), table: be.binding(table) };
    if (sign > 0)
      encodeRopeForward(be.device, be.encoder(), shape, {
        ...buf,
        x: be.binding(x),
        y: be.binding(y),
      });
    else
      encodeRopeBackward(be.device, be.encoder(), shape, {
        ...buf,
        dy: be.binding(x),
        dx: be.binding(y),
      });
    return y;
  },
  // The rotation is orthogonal: the gradient is the inverse rotation of the upstream gradient.
  backward: ({ inputs: [, positions, table], grads: [g], attrs }) => [
    ropeOp([g, positions, table], { ...attrs, sign: -attrs.sign })[0],
    null,
    null,
  ],
  nondifferentiable: [1, 2],
});

/**
 * Rotates x [..., heads, headDim] (tokens = the leading dimensions flattened) by the angles of
 * `positions` (i32/u32, one per token, each < the cache's maxPositions).
 */
export function rope(x: Tensor, positions: Tensor, cache: Tensor): Tensor {
  requireF32("rope", x, cache);
  expectDtype("rope", positions, "i32", "u32");
  if (x.rank < 2)
    throw new Error(`rope: x must be [..., heads, headDim], got ${formatShape(x.shape)}`);
  const headDim = x.shape[x.rank - 1];
  const heads = x.shape[x.rank - 2];
  const tokens = headDim * heads === 0 ? 0 : x.size / (heads * headDim);
  if (cache.rank !== 3 || cache.shape[1] * 2 !== headDim || cache.shape[2] !== 2) {
    throw new Error(`rope: cache ${formatShape(cache.shape)} does not fit head dim ${headDim}`);
  }
  if (positions.size !== tokens) {
    throw new Error(
      `rope: ${positions.size} positions for ${tokens} tokens (x ${formatShape(x.shape)})`,
    );
  }
  return ropeOp([x, positions, cache], { shape: { tokens, heads, headDim }, sign: 1 })[0];
}
