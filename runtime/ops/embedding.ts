/**
 * Embedding lookup with a deterministic scatter-add gradient (sort + segment sums, no atomics).
 * Kernel: runtime/kernels/embedding.ts; CPU: runtime/kernels/reference/embedding.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectDtype } from "./llm-common.js";
import {
  embeddingSortEntries,
  encodeEmbeddingBackward,
  encodeEmbeddingForward,
  type EmbeddingShape,
} from "../kernels/embedding.js";
import {
  embeddingBackwardReference,
  embeddingForwardReference,
} from "../kernels/reference/embedding.js";

interface Attrs {
  shape: EmbeddingShape;
  paddingId?: number;
}

const embeddingGradOp = defineOp<Attrs>({
  name: "embedding_grad",
  cpu: ([ids, dout], { shape, paddingId }, be) =>
    cpuTensor(be, embeddingBackwardReference(shape, be.data(ids), be.floats(dout), paddingId), [
      shape.vocab,
      shape.dim,
    ]),
  webgpu: ([ids, dout], { shape, paddingId }, be) => {
    const dtable = be.empty([shape.vocab, shape.dim]);
    const keys = be.empty([2 * embeddingSortEntries(shape.tokens)], "u32");
    encodeEmbeddingBackward(
      be.device,
      be.encoder(),
      shape,
      {
        ids: be.binding(ids),
        dout: be.binding(dout),
        keys: be.binding(keys),
        dtable: be.binding(dtable),
      },
      { paddingId },
    );
    return dtable;
  },
});

const embeddingOp = defineOp<Attrs>({
  name: "embedding",
  cpu: ([ids, table], { shape }, be) =>
    cpuTensor(be, embeddingForwardReference(shape, be.data(ids), be.floats(table)), [
      ...ids.shape,
      shape.dim,
    ]),
  webgpu: ([ids, table], { shape }, be) => {
    const out = be.empty([...ids.shape, shape.dim]);
    encodeEmbeddingForward(be.device, be.encoder(), shape, {
      ids: be.binding(ids),
      table: be.binding(table),
      out: be.binding(out),
    });
    return out;
  },
  backward: ({ inputs: [ids], grads: [g], attrs }) => [null, embeddingGradOp([ids, g], attrs)[0]],
  nondifferentiable: [0],
});

/**
 * table[ids] → [...ids.shape, dim]. ids i32/u32; an id outside [0, vocab) reads zeros and gets no
 * gradient; `paddingId` (PyTorch padding_idx) gets no gradient either.
 */
export function embedding(
  ids: Tensor,
  table: Tensor,
  options: { paddingId?: number } = {},
): Tensor {
  requireF32("embedding", table);
  expectDtype("embedding", ids, "i32", "u32");
  if (table.rank !== 2)
    throw new Error(`embedding: table must be [vocab, dim], got ${formatShape(table.shape)}`);
  const shape = { tokens: ids.size, vocab: table.shape[0], dim: table.shape[1] };
  return embeddingOp([ids, table], { shape, paddingId: options.paddingId })[0];
}
