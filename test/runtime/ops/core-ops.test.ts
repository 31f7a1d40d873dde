/**
 * The core ops on the WebGPU backend against the CPU reference backend, on seeded random
 * inputs (including sizes that are not tile multiples).
 */
import { beforeAll, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { maxRelError } from "../../support/tensor-compare.js";
import * as rt from "../../../runtime/index.js";

let gpuBackend: rt.Backend;
const cpuBackend = new rt.CpuBackend();
let seed = 1;

type Spec = number[] | { shape: number[]; low: number; high: number };

/** Runs `fn` on both backends with the same random inputs; returns the relative error. */
async function compare(fn: (...xs: rt.Tensor[]) => rt.Tensor, specs: Spec[]): Promise<number> {
  const s = seed++;
  const make = (backend: rt.Backend) =>
    specs.map((spec, i) =>
      Array.isArray(spec)
        ? rt.randn(spec, { seed: s * 31 + i, backend })
        : rt.rand(spec.shape, { seed: s * 31 + i, low: spec.low, high: spec.high, backend }),
    );
  const expected = rt.tidy(() => fn(...make(cpuBackend)));
  const actual = rt.tidy(() => fn(...make(gpuBackend)));
  expect(actual.shape).toEqual(expected.shape);
  const err = maxRelError(await actual.toArray(), await expected.toArray());
  actual.dispose();
  expected.dispose();
  return err;
}

describeWebGPU("core ops: WebGPU vs CPU reference", { timeout: 240_000 }, () => {
  beforeAll(async () => {
    gpuBackend = await rt.createBackend({ setDefault: false });
  });

  it("binary ops with broadcasting", async () => {
    for (const op of [rt.add, rt.sub, rt.mul, rt.maximum, rt.minimum]) {
      expect(
        await compare(op, [
          [67, 129],
          [67, 129],
        ]),
      ).toBeLessThan(1e-6);
      expect(await compare(op, [[3, 67, 33], [33]])).toBeLessThan(1e-6);
      expect(
        await compare(op, [
          [5, 1, 7],
          [1, 6, 1],
        ]),
      ).toBeLessThan(1e-6);
      expect(await compare(op, [[], [4, 5]])).toBeLessThan(1e-6);
    }
    expect(await compare(rt.div, [[67, 33], { shape: [33], low: 0.5, high: 2 }])).toBeLessThan(
      1e-6,
    );
  });

  it("unary ops", async () => {
    for (const op of [
      rt.neg,
      rt.exp,
      rt.relu,
      rt.sigmoid,
      rt.silu,
      rt.gelu,
      rt.tanh,
      rt.square,
      rt.abs,
    ]) {
      expect(await compare(op, [[67, 129]])).toBeLessThan(1e-5);
      expect(await compare(op, [[7]])).toBeLessThan(1e-5);
    }
    for (const op of [rt.log, rt.sqrt, rt.rsqrt]) {
      expect(await compare(op, [{ shape: [67, 33], low: 0.1, high: 4 }])).toBeLessThan(1e-5);
    }
    expect(await compare((x) => rt.scale(x, -2.5), [[129]])).toBeLessThan(1e-6);
    expect(await compare((x) => rt.addScalar(x, 0.25), [[129]])).toBeLessThan(1e-6);
  });

  it("reductions over the last axis, other axes and everything", async () => {
    for (const op of [rt.sum, rt.mean, rt.max, rt.min]) {
      expect(await compare((x) => op(x, { axis: -1 }), [[67, 129]])).toBeLessThan(1e-5);
      expect(await compare((x) => op(x, { axis: 0, keepDims: true }), [[67, 129]])).toBeLessThan(
        1e-5,
      );
      expect(await compare((x) => op(x, { axis: [0, 2] }), [[5, 7, 9]])).toBeLessThan(1e-5);
      expect(await compare((x) => op(x), [[67, 129]])).toBeLessThan(1e-5);
    }
    // Large full reduction: two passes.
    expect(await compare((x) => rt.sum(x), [{ shape: [70001], low: 0, high: 1 }])).toBeLessThan(
      1e-5,
    );
  });

  it("shape ops: transpose, permute, slice, concat, broadcastTo, reshape", async () => {
    expect(await compare((x) => rt.transpose(x), [[67, 129]])).toBe(0);
    expect(await compare((x) => rt.permute(x, [2, 0, 1]), [[3, 5, 7]])).toBe(0);
    expect(await compare((x) => rt.slice(x, [1, 2], [5, 9]), [[6, 11]])).toBe(0);
    expect(
      await compare(
        (a, b) => rt.concat([a, b], 1),
        [
          [3, 4, 5],
          [3, 2, 5],
        ],
      ),
    ).toBe(0);
    expect(await compare((x) => rt.broadcastTo(x, [4, 3, 5]), [[3, 1]])).toBe(0);
    expect(await compare((x) => rt.reshape(x, [5, -1]), [[10, 3]])).toBe(0);
  });

  it("casts between all dtypes", async () => {
    const values = [-3.7, -1, 0, 0.5, 1.49, 2.5, 200.2, 300, 65504, 1e-3];
    for (const [from, to] of [
      ["f32", "f16"],
      ["f32", "i32"],
      ["f32", "u32"],
      ["f32", "u8"],
      ["i32", "f32"],
      ["u8", "f32"],
      ["u32", "i32"],
      ["f16", "f32"],
    ] as const) {
      const src =
        from === "f32" || from === "f16"
          ? values
          : values.map((v) => Math.max(0, Math.round(v)) % 250);
      const run = (backend: rt.Backend) =>
        rt.cast(rt.fromArray(src, [src.length], { dtype: from, backend }), to);
      const [g, c] = [run(gpuBackend), run(cpuBackend)];
      expect(Array.from(await g.toArray()), `${from}→${to}`).toEqual(Array.from(await c.toArray()));
    }
  });

  it("matmul, batched matmul and linear (fused bias)", async () => {
    expect(
      await compare(
        (a, b) => rt.matmul(a, b),
        [
          [67, 33],
          [33, 129],
        ],
      ),
    ).toBeLessThan(1e-4);
    expect(
      await compare(
        (a, b) => rt.matmul(a, b, { transA: true, transB: true }),
        [
          [33, 67],
          [129, 33],
        ],
      ),
    ).toBeLessThan(1e-4);
    expect(
      await compare(
        (a, b) => rt.matmul(a, b),
        [
          [2, 3, 17, 9],
          [2, 3, 9, 5],
        ],
      ),
    ).toBeLessThan(1e-4);
    expect(
      await compare(
        (a, b) => rt.matmul(a, b),
        [
          [4, 17, 9],
          [9, 5],
        ],
      ),
    ).toBeLessThan(1e-4);
    expect(
      await compare((x, w, b) => rt.linear(x, w, b), [[2, 67, 33], [129, 33], [129]]),
    ).toBeLessThan(1e-4);
    // Few output tiles and a long K: split-K.
    expect(
      await compare(
        (a, b) => rt.matmul(a, b),
        [
          [8, 2048],
          [2048, 16],
        ],
      ),
    ).toBeLessThan(1e-4);
  });

  it("gradients agree between backends (a small MLP)", async () => {
    const run = async (backend: rt.Backend) => {
      const x = rt.randn([5, 7], { seed: 3, backend });
      const w1 = rt.randn([9, 7], { seed: 4, backend, requiresGrad: true });
      const b1 = rt.randn([9], { seed: 5, backend, requiresGrad: true });
      const w2 = rt.randn([3, 9], { seed: 6, backend, requiresGrad: true });
      rt.tidy(() => {
        const h = rt.gelu(rt.linear(x, w1, b1));
        const y = rt.linear(h, w2);
        const loss = rt.mean(rt.square(rt.sub(y, rt.max(y, { axis: -1, keepDims: true }))));
        loss.backward();
      });
      const grads = [];
      for (const p of [w1, b1, w2]) grads.push(await p.grad!.toArray());
      for (const t of [x, w1, b1, w2, w1.grad!, b1.grad!, w2.grad!]) t.dispose();
      return grads;
    };
    const [g, c] = [await run(gpuBackend), await run(cpuBackend)];
    for (let i = 0; i < g.length; i++) expect(maxRelError(g[i], c[i])).toBeLessThan(1e-4);
  });
});
