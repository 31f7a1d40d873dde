/**
 * Causal grouped-query attention (online softmax) with autograd.
 * Kernel: runtime/kernels/attention.ts; CPU: runtime/kernels/reference/attention.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectDtype, expectShape } from "./llm-common.js";
import {
  encodeAttentionBackward,
  encodeAttentionForward,
  type AttentionShape,
} from "../kernels/attention.js";
import {
  attentionBackwardReference,
  attentionForwardReference,
} from "../kernels/reference/attention.js";

interface Attrs {
  shape: AttentionShape;
  /** A segment-id tensor [B, Tk] follows q, k, v (and dout in the grad op). */
  segmented?: boolean;
}

const attentionGradOp = defineOp<Attrs>({
  name: "causal_attention_grad",
  // Inputs: q, k, v, dout, [segments], then (WebGPU) the forward's o and lse.
  cpu: ([q, k, v, dout, ...rest], { shape, segmented }, be) => {
    const r = attentionBackwardReference(
      shape,
      be.floats(q),
      be.floats(k),
      be.floats(v),
      be.floats(dout),
      segmented ? be.data(rest[0]) : undefined,
    );
    return [
      cpuTensor(be, r.dq, q.shape),
      cpuTensor(be, r.dk, k.shape),
      cpuTensor(be, r.dv, v.shape),
    ];
  },
  webgpu: ([q, k, v, dout, ...rest], { shape, segmented }, be) => {
    const seg = segmented ? rest[0] : undefined;
    const [o, lse] = segmented ? rest.slice(1) : rest;
    const dq = be.empty(q.shape);
    const dk = be.empty(k.shape);
    const dv = be.empty(v.shape);
    const dvec = be.empty(lse.shape);
    encodeAttentionBackward(be.device, be.encoder(), shape, {
      q: be.binding(q),
      k: be.binding(k),
      v: be.binding(v),
      o: be.binding(o),
      lse: be.binding(lse),
      dout: be.binding(dout),
      dvec: be.binding(dvec),
      dq: be.binding(dq),
      dk: be.binding(dk),
      dv: be.binding(dv),
      ...(seg ? { segments: be.binding(seg) } : {}),
    });
    return [dq, dk, dv];
  },
});

const attentionOp = defineOp<Attrs>({
  name: "causal_attention",
  cpu: ([q, k, v, seg], { shape, segmented }, be) =>
    cpuTensor(
      be,
      attentionForwardReference(
        shape,
        be.floats(q),
        be.floats(k),
        be.floats(v),
        segmented ? be.data(seg) : undefined,
      ),
      q.shape,
    ),
  webgpu: ([q, k, v, seg], { shape, segmented }, be) => {
    const o = be.empty(q.shape);
    const lse = be.empty([shape.batch, shape.heads, shape.queries]);
    encodeAttentionForward(be.device, be.encoder(), shape, {
      q: be.binding(q),
      k: be.binding(k),
      v: be.binding(v),
      o: be.binding(o),
      lse: be.binding(lse),
      ...(segmented ? { segments: be.binding(seg) } : {}),
    });
    return { outputs: [o], saved: [lse] };
  },
  backward: ({ inputs: [q, k, v, seg], outputs: [o], saved, grads: [g], attrs, needsGrad }) => {
    if ((attrs.shape.keys ?? attrs.shape.queries) !== attrs.shape.queries) {
      throw new Error(
        "causalAttention: backward needs as many keys as queries (no KV cache in training)",
      );
    }
    const segs = attrs.segmented ? [seg] : [];
    const [dq, dk, dv] = attentionGradOp(
      saved.length ? [q, k, v, g, ...segs, o, saved[0]] : [q, k, v, g, ...segs],
      attrs,
    );
    const grads = [needsGrad[0] ? dq : null, needsGrad[1] ? dk : null, needsGrad[2] ? dv : null];
    return attrs.segmented ? [...grads, null] : grads;
  },
  nondifferentiable: [3],
});

/**
 * softmax(q·kᵀ·scale + causal mask)·v. q [B, Tq, H, D]; k, v [B, Tk, Hkv, D] with H a multiple
 * of Hkv (query head h uses kv head h / (H/Hkv)); Tk ≥ Tq, the queries being the last Tq
 * positions (KV-cache decoding). Output [B, Tq, H, D]. Default scale 1/√D.
 *
 * `segments` (i32/u32 [B, Tk], packed sequences): query i attends key j only when both carry
 * the same id (besides j ≤ Tk − Tq + i), so examples packed into one row stay independent.
 * Without it the op is the plain causal one (its own, faster, shader variant).
 */
export function causalAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: { scale?: number; segments?: Tensor } = {},
): Tensor {
  requireF32("causalAttention", q, k, v);
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(
      `causalAttention: expected rank-4 [B, T, heads, D] tensors, got ${[q, k, v].map((t) => formatShape(t.shape)).join(", ")}`,
    );
  }
  const [B, Tq, H, D] = q.shape;
  const [Bk, Tk, Hkv, Dk] = k.shape;
  if (Bk !== B || Dk !== D || v.shape.join() !== k.shape.join() || H % Hkv !== 0 || Tk < Tq) {
    throw new Error(
      `causalAttention: incompatible q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}`,
    );
  }
  const shape: AttentionShape = {
    batch: B,
    heads: H,
    kvHeads: Hkv,
    headDim: D,
    queries: Tq,
    keys: Tk,
    scale: options.scale,
  };
  const seg = options.segments;
  if (!seg) return attentionOp([q, k, v], { shape })[0];
  expectDtype("causalAttention segments", seg, "i32", "u32");
  expectShape("causalAttention", "segments", seg, [B, Tk]);
  return attentionOp([q, k, v, seg], { shape, segmented: true })[0];
}
