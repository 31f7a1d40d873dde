/**
 * NF4 (QLoRA) weights as tensors: quantisation (bitsandbytes-compatible, optional double
 * quantisation), dequantisation, and the dequantise-fused linear layer with autograd (input
 * gradient only: the quantised weight is frozen).
 *
 *   const q = quantizeNf4(w, { doubleQuant: true });    // w [out, in] f32
 *   const y = nf4Linear(x, q);                          // x [..., in] → [..., out]
 *
 * Kernels: runtime/kernels/nf4.ts, nf4-matmul.ts; CPU: runtime/kernels/reference/nf4.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import { defineOp } from "./define.js";
import { requireF32 } from "./elementwise.js";
import { cpuTensor } from "./llm-common.js";
import {
  encodeNf4AbsmaxDequantize,
  encodeNf4Dequantize,
  encodeNf4DoubleQuantize,
  encodeNf4Quantize,
  nf4Blocks,
  nf4DqBlocks,
  type Nf4GpuWeight,
} from "../kernels/nf4.js";
import { encodeNf4MatmulBackward, encodeNf4MatmulForward } from "../kernels/nf4-matmul.js";
import {
  dequantizeNf4Reference,
  quantizeNf4Reference,
  type Nf4Quantized,
} from "../kernels/reference/nf4.js";
import { matmulReference } from "../kernels/reference/lora.js";

/** A quantised [out, in] weight. Tensors: codes u8 [ceil(n/2)] (bitsandbytes' byte stream), and
 * absmax f32 [blocks], or with double quantisation qabsmax u8 [blocks], absmax2 f32, offset f32 [1]. */
export interface Nf4Weight {
  shape: [number, number];
  codes: Tensor;
  absmax?: Tensor;
  qabsmax?: Tensor;
  absmax2?: Tensor;
  offset?: Tensor;
}

interface Attrs {
  numel: number;
  doubleQuant: boolean;
}

const quantizeOp = defineOp<Attrs>({
  name: "nf4_quantize",
  cpu: ([w], { doubleQuant }, be) => {
    const q = quantizeNf4Reference(be.floats(w), { doubleQuant });
    const codes = be.fromData(q.codes, [q.codes.length], "u8");
    if (!q.dq) return [codes, cpuTensor(be, q.absmax!, [q.absmax!.length])];
    return [
      codes,
      be.fromData(q.dq.qabsmax, [q.dq.qabsmax.length], "u8"),
      cpuTensor(be, q.dq.absmax2, [q.dq.absmax2.length]),
      cpuTensor(be, [q.dq.offset], [1]),
    ];
  },
  webgpu: ([w], { numel, doubleQuant }, be) => {
    const blocks = nf4Blocks(numel);
    const codes = be.empty([Math.ceil(numel / 2)], "u8");
    const absmax = be.empty([blocks]);
    const encoder = be.encoder();
    encodeNf4Quantize(be.device, encoder, numel, {
      w: be.binding(w),
      codes: be.buffer(codes),
      absmax: be.buffer(absmax),
    });
    if (!doubleQuant) return [codes, absmax];
    const qabsmax = be.empty([blocks], "u8");
    const absmax2 = be.empty([nf4DqBlocks(numel)]);
    const offset = be.empty([1]);
    encodeNf4DoubleQuantize(be.device, encoder, blocks, {
      absmax: be.binding(absmax),
      offset: be.buffer(offset),
      qabsmax: be.buffer(qabsmax),
      absmax2: be.buffer(absmax2),
    });
    return [codes, qabsmax, absmax2, offset];
  },
});

/** Quantises an f32 [out, in] weight to NF4 (no gradient flows through). */
export function quantizeNf4(w: Tensor, options: { doubleQuant?: boolean } = {}): Nf4Weight {
  requireF32("quantizeNf4", w);
  if (w.rank !== 2)
    throw new Error(`quantizeNf4: weight must be [out, in], got ${formatShape(w.shape)}`);
  const doubleQuant = !!options.doubleQuant;
  const outs = quantizeOp([w], { numel: w.size, doubleQuant });
  const shape: [number, number] = [w.shape[0], w.shape[1]];
  return doubleQuant
    ? { shape, codes: outs[0], qabsmax: outs[1], absmax2: outs[2], offset: outs[3] }
    : { shape, codes: outs[0], absmax: outs[1] };
}

export function disposeNf4(q: Nf4Weight): void {
  for (const t of [q.codes, q.absmax, q.qabsmax, q.absmax2, q.offset]) t?.dispose();
}

/** Bytes the quantised weight's tensors hold. */
export function nf4WeightBytes(q: Nf4Weight): number {
  const bytes = (t?: Tensor) => (t ? Math.ceil((t.size * (t.dtype === "u8" ? 1 : 4)) / 4) * 4 : 0);
  return bytes(q.codes) + bytes(q.absmax) + bytes(q.qabsmax) + bytes(q.absmax2) + bytes(q.offset);
}

function scaleTensors(q: Nf4Weight): Tensor[] {
  if (q.absmax) return [q.absmax];
  if (q.qabsmax && q.absmax2 && q.offset) return [q.qabsmax, q.absmax2, q.offset];
  throw new Error("nf4: weight has neither absmax nor double-quantised absmax");
}

function cpuQuantized(
  be: CpuBackend,
  numel: number,
  [codes, ...scales]: readonly Tensor[],
): Nf4Quantized {
  const c = be.data(codes) as Uint8Array;
  if (scales.length === 1)
    return { numel, codes: c, absmax: Float32Array.from(be.floats(scales[0])) };
  return {
    numel,
    codes: c,
    dq: {
      qabsmax: be.data(scales[0]) as Uint8Array,
      absmax2: Float32Array.from(be.floats(scales[1])),
      offset: Math.fround(be.floats(scales[2])[0]),
    },
  };
}

function gpuWeight(
  be: WebGpuBackend,
  numel: number,
  [codes, ...scales]: readonly Tensor[],
): Nf4GpuWeight {
  if (scales.length === 1) return { numel, codes: be.buffer(codes), absmax: be.buffer(scales[0]) };
  return {
    numel,
    codes: be.buffer(codes),
    dq: {
      qabsmax: be.buffer(scales[0]),
      absmax2: be.buffer(scales[1]),
      offset: be.buffer(scales[2]),
    },
  };
}

const dequantizeOp = defineOp<{ shape: [number, number] }>({
  name: "nf4_dequantize",
  cpu: (inputs, { shape }, be) =>
    cpuTensor(be, dequantizeNf4Reference(cpuQuantized(be, shape[0] * shape[1], inputs)), shape),
  webgpu: (inputs, { shape }, be) => {
    const numel = shape[0] * shape[1];
    const wq = gpuWeight(be, numel, inputs);
    const out = be.empty(shape);
    const encoder = be.encoder();
    let absmax = wq.absmax;
    if (!absmax) {
      const scratch = be.empty([nf4Blocks(numel)]);
      absmax = be.buffer(scratch);
      encodeNf4AbsmaxDequantize(be.device, encoder, nf4Blocks(numel), { ...wq.dq!, absmax });
    }
    encodeNf4Dequantize(be.device, encoder, numel, {
      codes: wq.codes,
      absmax,
      out: be.binding(out),
    });
    return out;
  },
});

/** The f32 weight back (for export and checks; nf4Linear never materialises it). */
export function dequantizeNf4(q: Nf4Weight): Tensor {
  return dequantizeOp([q.codes, ...scaleTensors(q)], { shape: q.shape })[0];
}

interface LinearAttrs {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
}

const linearGradOp = defineOp<LinearAttrs>({
  name: "nf4_linear_grad",
  cpu: ([dy, ...wt], s, be) => {
    const w = dequantizeNf4Reference(cpuQuantized(be, s.inFeatures * s.outFeatures, wt));
    const dx = matmulReference(be.floats(dy), w, s.tokens, s.inFeatures, s.outFeatures);
    return cpuTensor(be, dx, [...dy.shape.slice(0, -1), s.inFeatures]);
  },
  webgpu: ([dy, ...wt], s, be) => {
    const dx = be.empty([...dy.shape.slice(0, -1), s.inFeatures]);
    encodeNf4MatmulBackward(
      be.device,
      be.encoder(),
      s,
      gpuWeight(be, s.inFeatures * s.outFeatures, wt),
      {
        dy: be.binding(dy),
        dx: be.binding(dx),
      },
    );
    return dx;
  },
});

const linearOp = defineOp<LinearAttrs>({
  name: "nf4_linear",
  cpu: ([x, ...wt], s, be) => {
    const w = dequantizeNf4Reference(cpuQuantized(be, s.inFeatures * s.outFeatures, wt));
    const y = matmulReference(be.floats(x), w, s.tokens, s.outFeatures, s.inFeatures, { b: "nk" });
    return cpuTensor(be, y, [...x.shape.slice(0, -1), s.outFeatures]);
  },
  webgpu: ([x, ...wt], s, be) => {
    const y = be.empty([...x.shape.slice(0, -1), s.outFeatures]);
    encodeNf4MatmulForward(
      be.device,
      be.encoder(),
      s,
      gpuWeight(be, s.inFeatures * s.outFeatures, wt),
      {
        x: be.binding(x),
        y: be.binding(y),
      },
    );
    return y;
  },
  backward: ({ inputs: [, ...wt], grads: [g], attrs }) => [
    linearGradOp([g, ...wt], attrs)[0],
    ...wt.map(() => null),
  ],
  nondifferentiable: [1, 2, 3],
});

/** x [..., in] → x·Wᵀ [..., out] with W in NF4, dequantised inside the GEMM. */
export function nf4Linear(x: Tensor, q: Nf4Weight): Tensor {
  requireF32("nf4Linear", x);
  const [outFeatures, inFeatures] = q.shape;
  if (x.rank < 1 || x.shape[x.rank - 1] !== inFeatures) {
    throw new Error(`nf4Linear: x ${formatShape(x.shape)} does not end in ${inFeatures}`);
  }
  const tokens = inFeatures === 0 ? 0 : x.size / inFeatures;
  return linearOp([x, q.codes, ...scaleTensors(q)], { tokens, inFeatures, outFeatures })[0];
}
