import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { gradcheck } from "../../support/gradcheck.js";
import { rmsnorm } from "../../../runtime/ops/rmsnorm.js";
import { layerNorm } from "../../../runtime/ops/layernorm.js";
import { rope } from "../../../runtime/ops/rope.js";
import { geluTanh, swiglu } from "../../../runtime/ops/activations.js";
import { softmax } from "../../../runtime/ops/softmax.js";
import { crossEntropy } from "../../../runtime/ops/cross-entropy.js";
import { kdLoss } from "../../../runtime/ops/kd-loss.js";
import { causalAttention } from "../../../runtime/ops/attention.js";
import { embedding } from "../../../runtime/ops/embedding.js";
import { loraLinear } from "../../../runtime/ops/lora.js";
import { dequantizeNf4, nf4Linear, nf4WeightBytes, quantizeNf4 } from "../../../runtime/ops/nf4.js";
import { ropeTable } from "../../../runtime/kernels/rope.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { fromArray } from "../../../runtime/tensor/creation.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import type { Tensor } from "../../../runtime/tensor/tensor.js";
import { createRng } from "../../../runtime/util/random.js";
import { expectBackendsAgree, webgpuBackend, type OpInput } from "./llm-op-helpers.js";

const rng = createRng(2024);
const normal = (n: number, s = 1) => Float64Array.from({ length: n }, () => rng.normal() * s);
const f = (shape: number[], s = 1, grad = true): OpInput => ({
  shape,
  values: normal(
    shape.reduce((a, b) => a * b, 1),
    s,
  ),
  grad,
});
const i32 = (values: number[], shape = [values.length]): OpInput => ({
  shape,
  values,
  dtype: "i32",
  grad: false,
});
const table = (theta: number, d: number, maxPos: number): OpInput => ({
  shape: [maxPos, d / 2, 2],
  values: ropeTable(theta, d, maxPos),
  grad: false,
});

interface Case {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  /** Small inputs for the float64 gradcheck. */
  check: OpInput[];
  /** Larger inputs (sizes off the tile grid) for WebGPU vs CPU. */
  compare: OpInput[];
  /** Compare tolerance. */
  tol?: number;
}

const labels = (n: number, vocab: number) =>
  Array.from({ length: n }, (_, i) => (i % 4 === 2 ? -100 : (i * 7) % vocab));

const cases: Case[] = [
  {
    name: "rmsnorm",
    fn: (x, w) => rmsnorm(x, w, 1e-5),
    check: [f([3, 5]), f([5])],
    compare: [f([67, 129]), f([129])],
  },
  {
    name: "layerNorm",
    fn: (x, w, b) => layerNorm(x, w, b, 1e-5),
    check: [f([3, 5]), f([5]), f([5])],
    compare: [f([33, 129]), f([129]), f([129])],
  },
  {
    name: "rope",
    fn: (x, p, t) => rope(x, p, t),
    check: [f([3, 2, 4]), i32([0, 5, 2]), table(10000, 4, 8)],
    compare: [
      f([2, 9, 3, 16]),
      i32(Array.from({ length: 18 }, (_, i) => (i * 37) % 500)),
      table(500000, 16, 512),
    ],
  },
  { name: "geluTanh", fn: (x) => geluTanh(x), check: [f([10], 2)], compare: [f([1037], 3)] },
  {
    name: "swiglu",
    fn: (g, u) => swiglu(g, u),
    check: [f([8], 2), f([8])],
    compare: [f([7, 129], 2), f([7, 129])],
  },
  { name: "softmax", fn: (x) => softmax(x), check: [f([3, 4])], compare: [f([67, 129], 4)] },
  {
    name: "crossEntropy",
    fn: (x, l) => crossEntropy(x, l),
    check: [f([4, 5]), i32(labels(4, 5))],
    compare: [f([67, 129], 3), i32(labels(67, 129))],
  },
  {
    name: "kdLoss",
    fn: (s, t, l) => kdLoss(s, t, l, 2),
    check: [f([4, 5]), f([4, 5], 1, false), i32(labels(4, 5))],
    compare: [f([67, 129], 3), f([67, 129], 3, false), i32(labels(67, 129))],
  },
  {
    name: "causalAttention",
    fn: (q, k, v) => causalAttention(q, k, v),
    check: [f([1, 3, 2, 2]), f([1, 3, 1, 2]), f([1, 3, 1, 2])],
    compare: [f([2, 19, 4, 16]), f([2, 19, 2, 16]), f([2, 19, 2, 16])],
  },
  {
    // Packed rows: attention stays inside each segment (0 = padding).
    name: "causalAttention (segments)",
    fn: (q, k, v, seg) => causalAttention(q, k, v, { segments: seg }),
    check: [
      f([2, 5, 2, 2]),
      f([2, 5, 1, 2]),
      f([2, 5, 1, 2]),
      i32([1, 1, 2, 2, 2, 1, 2, 2, 3, 0], [2, 5]),
    ],
    compare: [
      f([2, 19, 4, 16]),
      f([2, 19, 2, 16]),
      f([2, 19, 2, 16]),
      i32(
        Array.from({ length: 38 }, (_, i) => (i % 19 < 17 ? 1 + Math.floor((i % 19) / 6) : 0)),
        [2, 19],
      ),
    ],
  },
  {
    name: "embedding",
    fn: (ids, t) => embedding(ids, t),
    check: [i32([1, 3, 1, 0]), f([4, 3])],
    compare: [
      i32(
        Array.from({ length: 67 }, (_, i) => (i * i) % 50),
        [67],
      ),
      f([50, 33]),
    ],
  },
  {
    name: "loraLinear",
    fn: (x, w, a, b) => loraLinear(x, w, a, b, { alpha: 6 }),
    check: [f([3, 4]), f([5, 4], 1, false), f([2, 4]), f([5, 2])],
    compare: [f([2, 19, 36]), f([40, 36], 0.2, false), f([8, 36], 0.2), f([40, 8], 0.2)],
  },
];

describe("LLM ops: float64 gradcheck on the CPU backend", () => {
  for (const c of cases) {
    it(c.name, () => {
      gradcheck(
        c.fn,
        c.check.map((i) => ({
          shape: i.shape,
          values: i.values,
          dtype: i.dtype,
          grad: i.grad ?? true,
        })),
        {
          seed: 3,
        },
      );
    });
  }
  it("nf4Linear (input gradient)", () => {
    gradcheck((x, w) => nf4Linear(x, quantizeNf4(w)), [[3, 64], { shape: [5, 64], grad: false }], {
      seed: 4,
    });
  });
});

describeWebGPU("LLM ops: WebGPU agrees with the CPU backend (outputs and gradients)", () => {
  for (const c of cases) {
    it(
      c.name,
      async () => {
        await expectBackendsAgree(c.fn, c.compare, c.tol);
      },
      300_000,
    );
  }
  for (const doubleQuant of [false, true]) {
    it(`nf4Linear${doubleQuant ? " (double quantisation)" : ""}`, async () => {
      await expectBackendsAgree(
        (x, w) => nf4Linear(x, quantizeNf4(w, { doubleQuant })),
        [f([19, 128]), { ...f([40, 128], 0.1), grad: false }],
      );
    });
  }
  it("quantizeNf4 / dequantizeNf4 agree and meet the size targets", async () => {
    const w = normal(256 * 256, 0.02);
    const results = await Promise.all(
      [await webgpuBackend(), new CpuBackend()].map(async (backend) => {
        const { deq, bytes } = tidy(() => {
          const wt = fromArray(w, [256, 256], { backend });
          const single = quantizeNf4(wt);
          const double = quantizeNf4(wt, { doubleQuant: true });
          return {
            deq: dequantizeNf4(double),
            bytes: [nf4WeightBytes(single), nf4WeightBytes(double)],
          };
        });
        const values = await deq.toFloat32Array();
        deq.dispose();
        return { values, bytes };
      }),
    );
    expect(results[0].bytes).toEqual(results[1].bytes);
    expect(results[0].bytes[0] / (4 * w.length)).toBeLessThanOrEqual(0.15);
    expect(results[0].bytes[1] / (4 * w.length)).toBeLessThanOrEqual(0.135);
    let maxDiff = 0;
    results[0].values.forEach(
      (v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - results[1].values[i]))),
    );
    expect(maxDiff).toBeLessThan(1e-7);
  });
});
