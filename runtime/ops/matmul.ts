/**
 * matmul and linear (f32), with autograd. Transposed operands are passed to the kernel as
 * flags (no transpose copies), in forward and in backward. Kernels: runtime/kernels/matmul.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { broadcastShapes, formatShape, sizeOf } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { matmulCpu, type MatmulActivation } from "../kernels/matmul-cpu.js";
import { chooseSplits, encodeMatmul } from "../kernels/matmul.js";
import { reshape } from "./shape.js";
import { sum, sumTo } from "./reduce.js";
import { requireF32 } from "./elementwise.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

export interface MatmulOptions {
  /** Use Aᵀ: a is [..., K, M]. */
  transA?: boolean;
  /** Use Bᵀ: b is [..., N, K]. */
  transB?: boolean;
}

interface Plan {
  M: number;
  N: number;
  K: number;
  batch: number;
  batchShape: number[];
  aBatchStride: number;
  bBatchStride: number;
}

function plan(a: Tensor, b: Tensor, { transA = false, transB = false }: MatmulOptions): Plan {
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(
      `matmul: operands need rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const [K2, N] = transB ? [bc, br] : [br, bc];
  if (K !== K2) {
    throw new Error(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${transA ? "ᵀ" : ""} · ${formatShape(b.shape)}${transB ? "ᵀ" : ""}`,
    );
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(aBatch, bBatch);
  const batch = sizeOf(batchShape);
  const na = sizeOf(aBatch);
  const nb = sizeOf(bBatch);
  if ((na !== batch && na !== 1) || (nb !== batch && nb !== 1)) {
    throw new Error(
      `matmul: batch shapes ${formatShape(aBatch)} and ${formatShape(bBatch)} must match (or one be absent)`,
    );
  }
  return {
    M,
    N,
    K,
    batch,
    batchShape,
    aBatchStride: na === 1 ? 0 : M * K,
    bBatchStride: nb === 1 ? 0 : K * N,
  };
}

interface MatmulAttrs extends MatmulOptions {
  activation?: MatmulActivation;
}

function cpuForward(be: CpuBackend, [a, b, bias]: readonly Tensor[], attrs: MatmulAttrs): Tensor {
  const p = plan(a, b, attrs);
  const out = be.floatArray(p.batch * p.M * p.N);
  matmulCpu({
    a: be.floats(a),
    b: be.floats(b),
    out,
    ...p,
    transA: attrs.transA,
    transB: attrs.transB,
    bias: bias ? be.floats(bias) : undefined,
    activation: attrs.activation,
  });
  return be.fromData(out, [...p.batchShape, p.M, p.N]);
}

function gpuForward(
  be: WebGpuBackend,
  [a, b, bias]: readonly Tensor[],
  attrs: MatmulAttrs,
): Tensor {
  const p = plan(a, b, attrs);
  const out = be.empty([...p.batchShape, p.M, p.N]);
  const splits = chooseSplits(p.M, p.N, p.K, p.batch);
  const scratch = splits > 1 ? be.empty([splits * p.batch * p.M * p.N]) : null;
  encodeMatmul(be.device, be.encoder(), {
    a: be.binding(a),
    b: be.binding(b),
    out: be.binding(out),
    ...p,
    transA: attrs.transA,
    transB: attrs.transB,
    epilogue: { bias: bias ? be.binding(bias) : undefined, activation: attrs.activation },
    splits,
    scratch: scratch ? be.binding(scratch) : undefined,
  });
  return out;
}

const matmulOp = defineOp<MatmulAttrs>({
  name: "matmul",
  cpu: (inputs, attrs, be) => {
    requireF32("matmul", ...inputs);
    return cpuForward(be, inputs, attrs);
  },
  webgpu: (inputs, attrs, be) => {
    requireF32("matmul", ...inputs);
    return gpuForward(be, inputs, attrs);
  },
  backward: ({
    inputs: [a, b, bias],
    grads: [g],
    attrs: { transA = false, transB = false },
    needsGrad,
  }) => {
    // C = op(A)·op(B). See docs/runtime.md for the four cases.
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needsGrad[0]) {
      da = transA
        ? matmul(b, g, { transA: transB, transB: true })
        : matmul(g, b, { transB: !transB });
      da = sumTo(da, a.shape);
    }
    if (needsGrad[1]) {
      db = transB
        ? matmul(g, a, { transA: true, transB: transA })
        : matmul(a, g, { transA: !transA });
      db = sumTo(db, b.shape);
    }
    const dbias = bias && needsGrad[2] ? sumTo(g, bias.shape) : null;
    return [da, db, dbias];
  },
});

/**
 * Matrix product of the last two axes, batched over the leading ones (batch shapes equal, or
 * one side unbatched). `b` 2-D and `a` batched folds the batch into M (one GEMM).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  if (b.rank === 2 && a.rank > 2 && !options.transA) {
    const lead = a.shape.slice(0, -1);
    const flat = reshape(a, [-1, a.shape[a.rank - 1]]);
    const y = matmulOp([flat, b], { ...options })[0];
    return reshape(y, [...lead, y.shape[1]]);
  }
  return matmulOp([a, b], { ...options })[0];
}

/**
 * y = x·Wᵀ + bias (PyTorch's nn.Linear layout: weight [out, in], bias [out]); x is [..., in].
 * The bias add is fused into the GEMM's epilogue.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const lead = x.shape.slice(0, -1);
  const flat = reshape(x, [-1, x.shape[x.rank - 1]]);
  const inputs = bias ? [flat, weight, bias] : [flat, weight];
  const y = matmulOp(inputs, { transB: true })[0];
  return reshape(y, [...lead, weight.shape[0]]);
}

/** Column sums of a 2-D gradient (the bias gradient); exported for fused-op authors. */
export function biasGrad(g: Tensor): Tensor {
  return sum(reshape(g, [-1, g.shape[g.rank - 1]]), { axis: 0 });
}
