import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { maxRelError } from "../../support/tensor-compare.js";
import * as rt from "../../../runtime/index.js";
import { adamwCpu } from "../../../runtime/kernels/adamw-cpu.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { createRng, randomFloat32 } from "../../../runtime/util/random.js";

const golden = JSON.parse(
  readFileSync(new URL("../../fixtures/runtime/adamw-golden.json", import.meta.url), "utf8"),
) as {
  hyper: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
  param0: number[];
  grads: number[][];
  trajectory: number[][];
  m: number[];
  v: number[];
};

describe("AdamW against torch.optim.AdamW (fixture)", () => {
  it("the CPU reference matches PyTorch step by step (float64)", () => {
    const p = Float64Array.from(golden.param0);
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    golden.grads.forEach((g, s) => {
      adamwCpu(p, g, m, v, { ...golden.hyper, step: s + 1 });
      expect(maxRelError(p, golden.trajectory[s])).toBeLessThan(1e-12);
    });
    expect(maxRelError(m, golden.m)).toBeLessThan(1e-12);
    expect(maxRelError(v, golden.v)).toBeLessThan(1e-12);
  });

  it("the AdamW class on the CPU backend follows the same trajectory", async () => {
    const backend = new rt.CpuBackend({ precision: "f64" });
    const p = rt.fromArray(golden.param0, undefined, { backend, requiresGrad: true });
    const h = golden.hyper;
    const opt = new rt.AdamW([p], {
      lr: h.lr,
      betas: [h.beta1, h.beta2],
      eps: h.eps,
      weightDecay: h.weightDecay,
    });
    for (let s = 0; s < golden.grads.length; s++) {
      p.grad = rt.fromArray(golden.grads[s], undefined, { backend });
      opt.step();
      opt.zeroGrad();
      expect(maxRelError(await p.toArray(), golden.trajectory[s])).toBeLessThan(1e-12);
    }
  });
});

describe("optimizer checkpoints", () => {
  it("rejects a state for other parameters (PW8003)", async () => {
    const backend = new rt.CpuBackend();
    const a = rt.zeros([3], { backend, requiresGrad: true });
    const opt = new rt.AdamW([a]);
    a.grad = rt.ones([3], { backend });
    opt.step();
    const state = await opt.stateDict();
    const other = new rt.AdamW([rt.zeros([4], { backend, requiresGrad: true })]);
    try {
      other.loadStateDict(state, { path: "ckpt/optimizer.bin" });
      expect.unreachable();
    } catch (err) {
      expect(isPipeError(err) && err.code).toBe("PW8003");
    }
    expect(() => new rt.AdamW8bit([a]).loadStateDict(state)).toThrow(/adamw/);
  });
});

let seed = 40;

/** Runs `steps` optimiser steps from seeded params/grads; returns params and the optimizer. */
async function train(
  backend: rt.Backend,
  make: (params: rt.Tensor[]) => rt.Optimizer,
  sizes: number[],
  steps: number,
  from?: { params: Float32Array[]; state: rt.OptimizerStateDict; firstStep: number },
) {
  const params = sizes.map((n, i) =>
    rt.fromArray(from ? from.params[i] : randomFloat32(createRng(1000 + i), n), [n], {
      backend,
      requiresGrad: true,
    }),
  );
  const opt = make(params);
  if (from) opt.loadStateDict(from.state);
  const first = from?.firstStep ?? 0;
  for (let s = first; s < first + steps; s++) {
    params.forEach(
      (p, i) =>
        (p.grad = rt.fromArray(randomFloat32(createRng(5000 + 97 * s + i), p.size), p.shape, {
          backend,
        })),
    );
    opt.step();
    opt.zeroGrad();
  }
  const values: Float32Array[] = [];
  for (const p of params) values.push(await p.toFloat32Array());
  return { params: values, opt };
}

function resumeCase(
  name: string,
  getBackend: () => rt.Backend,
  make: (p: rt.Tensor[]) => rt.Optimizer,
) {
  it(`${name}: save after 3 steps, resume, 2 more steps = 5 straight steps (bit-exact)`, async () => {
    const backend = getBackend();
    const sizes = [5000, 37, 300];
    const straight = await train(backend, make, sizes, 5);
    const first = await train(backend, make, sizes, 3);
    const state = await first.opt.stateDict();
    const resumed = await train(backend, make, sizes, 2, {
      params: first.params,
      state,
      firstStep: 3,
    });
    for (let i = 0; i < sizes.length; i++)
      expect(Array.from(resumed.params[i])).toEqual(Array.from(straight.params[i]));
    expect(resumed.opt.stepCount).toBe(5);
  });
}

describe("exact resume on the CPU backend", () => {
  const cpu = new rt.CpuBackend();
  resumeCase(
    "AdamW",
    () => cpu,
    (p) => new rt.AdamW(p, { lr: 0.01 }),
  );
  resumeCase(
    "AdamW8bit",
    () => cpu,
    (p) => new rt.AdamW8bit(p, { lr: 0.01 }),
  );
});

describeWebGPU("optimizers on WebGPU", { timeout: 240_000 }, () => {
  let gpu: rt.Backend;
  const cpu = new rt.CpuBackend();
  beforeAll(async () => {
    gpu = await rt.createBackend({ setDefault: false });
  });

  resumeCase(
    "AdamW",
    () => gpu,
    (p) => new rt.AdamW(p, { lr: 0.01 }),
  );
  resumeCase(
    "AdamW8bit",
    () => gpu,
    (p) => new rt.AdamW8bit(p, { lr: 0.01 }),
  );

  it("AdamW kernel matches the CPU reference (sizes 4096 and 1001)", async () => {
    const make = (p: rt.Tensor[]) =>
      new rt.AdamW(p, { lr: 0.02, weightDecay: 0.1, betas: [0.9, 0.95] });
    const g = await train(gpu, make, [4096, 1001], 6);
    const c = await train(cpu, make, [4096, 1001], 6);
    for (let i = 0; i < 2; i++) expect(maxRelError(g.params[i], c.params[i])).toBeLessThan(1e-4);
    const [gs, cs] = [await g.opt.stateDict(), await c.opt.stateDict()];
    for (const name of ["m", "v"]) {
      expect(maxRelError(gs.slots[0]![name], cs.slots[0]![name])).toBeLessThan(1e-4);
    }
    seed++;
  });

  it("8-bit AdamW kernel matches the CPU reference (codes ≥ 99% equal, params < 1e-4)", async () => {
    const make = (p: rt.Tensor[]) => new rt.AdamW8bit(p, { lr: 0.02, weightDecay: 0.1 });
    const sizes = [8192 + 77, 4099];
    const g = await train(gpu, make, sizes, 4);
    const c = await train(cpu, make, sizes, 4);
    for (let i = 0; i < sizes.length; i++)
      expect(maxRelError(g.params[i], c.params[i])).toBeLessThan(1e-4);
    const [gs, cs] = [await g.opt.stateDict(), await c.opt.stateDict()];
    for (const name of ["mCodes", "vCodes"]) {
      const a = gs.slots[0]![name];
      const b = cs.slots[0]![name];
      let same = 0;
      for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
      expect(same / a.length).toBeGreaterThan(0.99);
    }
    for (const name of ["mAbsmax", "vAbsmax"])
      expect(maxRelError(gs.slots[0]![name], cs.slots[0]![name])).toBeLessThan(1e-4);
  });
});
