/**
 * Fused LoRA linear layer with autograd: y = x·Wᵀ + (α/r)·(x·Aᵀ)·Bᵀ in one GEMM pass
 * (runtime/kernels/lora.ts on the runtime matmul's `second` product); the backward is
 * dX = dY·W + g·A in one GEMM, dA = gᵀ·X, dB = s·dYᵀ·h with g = s·dY·B.
 * CPU reference: runtime/kernels/reference/lora.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor, expectShape } from "./llm-common.js";
import { matmul } from "./matmul.js";
import { reshape } from "./shape.js";
import {
  encodeLoraBackward,
  encodeLoraForward,
  type LoraShape,
  type WeightLayout,
} from "../kernels/lora.js";
import { loraBackwardReference, loraForwardReference } from "../kernels/reference/lora.js";

interface Attrs {
  shape: LoraShape;
}

const loraGradOp = defineOp<Attrs>({
  name: "lora_linear_grad",
  cpu: ([x, w, a, b, h, dy], { shape }, be) => {
    const r = loraBackwardReference(
      shape,
      be.floats(x),
      be.floats(w),
      be.floats(a),
      be.floats(b),
      be.floats(h),
      be.floats(dy),
    );
    return [
      cpuTensor(be, r.dx, x.shape),
      cpuTensor(be, r.da, a.shape),
      cpuTensor(be, r.db, b.shape),
    ];
  },
  webgpu: ([x, w, a, b, h, dy], { shape }, be) => {
    const dx = be.empty(x.shape);
    const da = be.empty(a.shape);
    const db = be.empty(b.shape);
    const g = be.empty([shape.tokens, shape.rank]);
    encodeLoraBackward(be.device, be.encoder(), shape, {
      x: be.binding(x),
      w: be.binding(w),
      a: be.binding(a),
      b: be.binding(b),
      h: be.binding(h),
      dy: be.binding(dy),
      g: be.binding(g),
      dx: be.binding(dx),
      da: be.binding(da),
      db: be.binding(db),
    });
    return [dx, da, db];
  },
});

const loraOp = defineOp<Attrs>({
  name: "lora_linear",
  cpu: ([x, w, a, b], { shape }, be) => {
    const r = loraForwardReference(shape, be.floats(x), be.floats(w), be.floats(a), be.floats(b));
    return {
      outputs: [cpuTensor(be, r.y, [...x.shape.slice(0, -1), shape.outFeatures])],
      saved: [cpuTensor(be, r.h, [shape.tokens, shape.rank])],
    };
  },
  webgpu: ([x, w, a, b], { shape }, be) => {
    const y = be.empty([...x.shape.slice(0, -1), shape.outFeatures]);
    const h = be.empty([shape.tokens, shape.rank]);
    encodeLoraForward(be.device, be.encoder(), shape, {
      x: be.binding(x),
      w: be.binding(w),
      a: be.binding(a),
      b: be.binding(b),
      h: be.binding(h),
      y: be.binding(y),
    });
    return { outputs: [y], saved: [h] };
  },
  backward: ({ inputs: [x, w, a, b], saved: [h], grads: [g], attrs, needsGrad }) => {
    const [dx, da, db] = loraGradOp([x, w, a, b, h, g], attrs);
    let dw: Tensor | null = null;
    if (needsGrad[1]) {
      // Full fine-tuning of the base weight as well (unusual with LoRA): plain GEMMs.
      const x2 = reshape(x, [attrs.shape.tokens, attrs.shape.inFeatures]);
      const g2 = reshape(g, [attrs.shape.tokens, attrs.shape.outFeatures]);
      dw =
        (attrs.shape.weightLayout ?? "out-in") === "out-in"
          ? matmul(g2, x2, { transA: true })
          : matmul(x2, g2, { transA: true });
    }
    return [needsGrad[0] ? dx : null, dw, needsGrad[2] ? da : null, needsGrad[3] ? db : null];
  },
});

export interface LoraOptions {
  alpha: number;
  /** Base weight layout: "out-in" ([out, in], nn.Linear; default) or "in-out". */
  weightLayout?: WeightLayout;
}

/** x [..., in] → [..., out] = x·Wᵀ + (α/r)·x·Aᵀ·Bᵀ with A [r, in], B [out, r]. */
export function loraLinear(
  x: Tensor,
  w: Tensor,
  a: Tensor,
  b: Tensor,
  options: LoraOptions,
): Tensor {
  requireF32("loraLinear", x, w, a, b);
  if (a.rank !== 2 || b.rank !== 2 || w.rank !== 2 || x.rank < 1) {
    throw new Error(
      `loraLinear: expected x [..., in], W, A [r, in], B [out, r]; got ${[x, w, a, b].map((t) => formatShape(t.shape)).join(", ")}`,
    );
  }
  const [rank, inFeatures] = a.shape;
  const outFeatures = b.shape[0];
  const layout = options.weightLayout ?? "out-in";
  expectShape("loraLinear", "x's last axis", x, [...x.shape.slice(0, -1), inFeatures]);
  expectShape("loraLinear", "B", b, [outFeatures, rank]);
  expectShape(
    "loraLinear",
    "W",
    w,
    layout === "out-in" ? [outFeatures, inFeatures] : [inFeatures, outFeatures],
  );
  const tokens = inFeatures === 0 ? 0 : x.size / inFeatures;
  const shape: LoraShape = {
    tokens,
    inFeatures,
    outFeatures,
    rank,
    alpha: options.alpha,
    weightLayout: layout,
  };
  return loraOp([x, w, a, b], { shape })[0];
}
