/**
 * LayerNorm over the last dimension, with autograd.
 * Kernel: runtime/kernels/layernorm.ts; CPU reference: runtime/kernels/reference/layernorm.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectShape, rowsOf } from "./llm-common.js";
import { normShape, type NormAttrs as Attrs } from "./rmsnorm.js";
import { encodeLayerNormBackward, encodeLayerNormForward } from "../kernels/layernorm.js";
import {
  layerNormBackwardReference,
  layerNormForwardReference,
} from "../kernels/reference/layernorm.js";

const layerNormGradOp = defineOp<Attrs>({
  name: "layernorm_grad",
  cpu: ([x, w, dy], { eps }, be) => {
    const r = layerNormBackwardReference(
      normShape(x, eps),
      be.floats(x),
      be.floats(w),
      be.floats(dy),
    );
    return [
      cpuTensor(be, r.dx, x.shape),
      cpuTensor(be, r.dw, w.shape),
      cpuTensor(be, r.db, w.shape),
    ];
  },
  webgpu: ([x, w, dy, stats], { eps }, be) => {
    const dx = be.empty(x.shape);
    const dw = be.empty(w.shape);
    const db = be.empty(w.shape);
    encodeLayerNormBackward(be.device, be.encoder(), normShape(x, eps), {
      x: be.binding(x),
      w: be.binding(w),
      stats: be.binding(stats),
      dy: be.binding(dy),
      dx: be.binding(dx),
      dw: be.binding(dw),
      db: be.binding(db),
    });
    return [dx, dw, db];
  },
});

const layerNormOp = defineOp<Attrs>({
  name: "layernorm",
  cpu: ([x, w, b], { eps }, be) => {
    const r = layerNormForwardReference(
      normShape(x, eps),
      be.floats(x),
      be.floats(w),
      be.floats(b),
    );
    return { outputs: [cpuTensor(be, r.y, x.shape)], saved: [] };
  },
  webgpu: ([x, w, b], { eps }, be) => {
    const s = normShape(x, eps);
    const y = be.empty(x.shape);
    const stats = be.empty([s.rows, 2]);
    encodeLayerNormForward(be.device, be.encoder(), s, {
      x: be.binding(x),
      w: be.binding(w),
      b: be.binding(b),
      y: be.binding(y),
      stats: be.binding(stats),
    });
    return { outputs: [y], saved: [stats] };
  },
  backward: ({ inputs: [x, w], saved, grads: [dy], attrs, needsGrad }) => {
    // On the CPU nothing is saved (the reference recomputes the statistics).
    const [dx, dw, db] = layerNormGradOp(saved.length ? [x, w, dy, saved[0]] : [x, w, dy], attrs);
    return [needsGrad[0] ? dx : null, needsGrad[1] ? dw : null, needsGrad[2] ? db : null];
  },
});

/** y = (x − mean)/√(var + eps)·w + b over the last axis (torch.nn.LayerNorm); w, b are [dim]. */
export function layerNorm(x: Tensor, w: Tensor, b: Tensor, eps = 1e-5): Tensor {
  requireF32("layerNorm", x, w, b);
  const { cols } = rowsOf(x);
  expectShape("layerNorm", "weight", w, [cols]);
  expectShape("layerNorm", "bias", b, [cols]);
  return layerNormOp([x, w, b], { eps })[0];
}
