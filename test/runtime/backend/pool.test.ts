/**
 * 1,000 training steps (forward, backward, AdamW) on WebGPU: after the first steps the
 * buffer pool stops growing, no tensors leak, and each step is one submit.
 */
import { expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import * as rt from "../../../runtime/index.js";
import { sizeClass } from "../../../runtime/backend/buffer-pool.js";

describeWebGPU("buffer pool over a 1,000-step loop", () => {
  it("does not grow, leaks no tensors, and submits once per read step", async () => {
    const backend = (await rt.createBackend({ setDefault: false })) as rt.WebGpuBackend;
    const opts = { backend };
    const w1 = rt.randn([32, 16], { seed: 1, std: 0.2, requiresGrad: true, ...opts });
    const b1 = rt.zeros([32], { requiresGrad: true, ...opts });
    const w2 = rt.randn([4, 32], { seed: 2, std: 0.2, requiresGrad: true, ...opts });
    const opt = new rt.AdamW([w1, b1, w2], { lr: 0.01 });
    const x = rt.randn([8, 16], { seed: 3, ...opts });
    const y = rt.randn([8, 4], { seed: 4, ...opts });
    const step = () =>
      rt.tidy(() => {
        const h = rt.silu(rt.linear(x, w1, b1));
        const loss = rt.mean(rt.square(rt.sub(rt.linear(h, w2), y)));
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss;
      });
    const first = step();
    const firstLoss = await first.item();
    first.dispose();
    for (let i = 0; i < 4; i++) step().dispose();
    await backend.sync();
    const warm = backend.memoryStats();
    const liveTensors = rt.liveTensorCount();
    const submitsBefore = backend.submitCount;
    let lastLoss = 0;
    for (let i = 0; i < 1000; i++) {
      const loss = step();
      if (i % 100 === 99) lastLoss = await loss.item();
      loss.dispose();
    }
    await backend.sync();
    const after = backend.memoryStats();
    expect(after.pooledBuffers).toBe(warm.pooledBuffers);
    expect(after.pooledBytes).toBe(warm.pooledBytes);
    expect(after.liveStorages).toBe(warm.liveStorages);
    expect(rt.liveTensorCount()).toBe(liveTensors);
    // 10 readbacks (+ the final sync): the steps in between were recorded, not submitted.
    expect(backend.submitCount - submitsBefore).toBeLessThanOrEqual(11);
    expect(lastLoss).toBeLessThan(firstLoss);
    opt.dispose();
    for (const t of [w1, b1, w2, x, y]) t.dispose();
  }, 300_000);

  it("size classes waste at most 25%", () => {
    for (const bytes of [4, 255, 257, 1000, 4096, 5000, 123457, 1 << 26]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      if (bytes > 256) expect(c / bytes).toBeLessThanOrEqual(1.25);
    }
  });
});
