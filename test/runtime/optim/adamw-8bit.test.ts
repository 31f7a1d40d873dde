import { describe, expect, it } from "vitest";
import * as rt from "../../../runtime/index.js";
import {
  dynamicMap,
  quantizeNearest,
  SIGNED_MAP,
  UNSIGNED_MAP,
} from "../../../runtime/kernels/adamw8bit-cpu.js";

describe("8-bit AdamW quantisation scheme", () => {
  it("builds bitsandbytes' dynamic maps: 256 sorted entries, 0 and 1 included", () => {
    for (const map of [dynamicMap(true), dynamicMap(false)]) {
      expect(map.length).toBe(256);
      for (let i = 1; i < 256; i++) expect(map[i]).toBeGreaterThanOrEqual(map[i - 1]);
      expect(map.includes(0)).toBe(true);
      expect(map[255]).toBe(1);
    }
    expect(SIGNED_MAP[0]).toBeCloseTo(-0.99297, 4);
    expect(UNSIGNED_MAP[0]).toBe(0);
    // Smallest positive magnitude: 10^-6 · mean of the first linspace cell.
    expect(SIGNED_MAP.find((x) => x > 0)).toBeCloseTo(5.5e-7, 9);
  });

  it("quantises to the nearest entry", () => {
    for (const x of [-1, -0.5, -1e-4, 0, 3e-7, 0.01, 0.333, 0.9999, 1]) {
      const code = quantizeNearest(SIGNED_MAP, x);
      let best = 0;
      for (let i = 0; i < 256; i++)
        if (Math.abs(SIGNED_MAP[i] - x) < Math.abs(SIGNED_MAP[best] - x)) best = i;
      expect(Math.abs(SIGNED_MAP[code] - x)).toBe(Math.abs(SIGNED_MAP[best] - x));
    }
  });

  it("tracks fp32 AdamW closely and uses ~4x less state memory", async () => {
    const backend = new rt.CpuBackend();
    const n = 8192;
    const target = rt.randn([n], { seed: 9, backend });
    const run = async (make: (p: rt.Tensor[]) => rt.Optimizer) => {
      const p = rt.zeros([n], { backend, requiresGrad: true });
      const opt = make([p]);
      let loss = 0;
      for (let s = 0; s < 30; s++) {
        const l = rt.tidy(() => {
          const l = rt.mean(rt.square(rt.sub(p, target)));
          l.backward();
          return l;
        });
        loss = await l.item();
        l.dispose();
        opt.step();
        opt.zeroGrad();
      }
      return { values: await p.toFloat32Array(), opt, loss };
    };
    const full = await run((p) => new rt.AdamW(p, { lr: 0.05, weightDecay: 0 }));
    const q = await run((p) => new rt.AdamW8bit(p, { lr: 0.05, weightDecay: 0 }));
    let meanDiff = 0;
    for (let i = 0; i < n; i++) meanDiff += Math.abs(full.values[i] - q.values[i]) / n;
    expect(meanDiff).toBeLessThan(0.05);
    expect(Math.abs(q.loss - full.loss) / full.loss).toBeLessThan(0.02);
    const opt8 = q.opt as rt.AdamW8bit;
    expect(opt8.stateBytes(0) / (8 * n)).toBeLessThan(0.26);
  });
});

describe("clipGradNorm", () => {
  it("scales gradients to the max norm without readback and returns the norm", async () => {
    const backend = new rt.CpuBackend();
    const a = rt.zeros([2], { backend, requiresGrad: true });
    const b = rt.zeros([1], { backend, requiresGrad: true });
    a.grad = rt.fromArray([3, 0], [2], { backend });
    b.grad = rt.fromArray([4], [1], { backend });
    const norm = rt.clipGradNorm([a, b], 1)!;
    expect(await norm.item()).toBeCloseTo(5, 6);
    expect(Array.from(await a.grad.toArray())).toEqual([expect.closeTo(0.6, 5), 0]);
    expect((await b.grad.toArray())[0]).toBeCloseTo(0.8, 5);
    // Below the threshold: unchanged.
    rt.clipGradNorm([a, b], 10);
    expect((await b.grad.toArray())[0]).toBeCloseTo(0.8, 5);
  });
});
