import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import { maxRelError } from "../../support/tensor-compare.js";
import {
  createStorageBuffer,
  keepingEventLoopAlive,
  readFloat32,
} from "../../../runtime/kernels/launch.js";
import { encodeAdamW } from "../../../runtime/kernels/adamw.js";
import { adamwCpu, type AdamWHyper } from "../../../runtime/kernels/adamw-cpu.js";
import { createRng, randomFloat32 } from "../../../runtime/util/random.js";

const hyper = (step: number, lr = 0.02): AdamWHyper => ({
  lr,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  step,
});

describe("AdamW step uniform", () => {
  it("needs a 16-byte multiple", async () => {
    const { stepUniform } = await import("../../../runtime/kernels/adamw-step-uniform.js");
    expect(() =>
      stepUniform({} as GPUDevice, {} as GPUCommandEncoder, "x", new ArrayBuffer(20)),
    ).toThrow(/16/);
  });
});

describeWebGPU("AdamW kernel: bind groups reused across steps", { timeout: 120_000 }, () => {
  it("steps 2.. create no bind groups and match the CPU reference (one and many encoders)", async () => {
    const { device } = await gpu();
    const sizes = [1001, 4096];
    const rng = createRng(77);
    const p0 = sizes.map((n) => randomFloat32(rng, n));
    const grads = sizes.map((n) => [0, 1, 2, 3, 4].map(() => randomFloat32(rng, n)));
    const bufs = sizes.map((n, i) => ({
      param: createStorageBuffer(device, p0[i]),
      grad: createStorageBuffer(device, n * 4),
      m: createStorageBuffer(device, n * 4),
      v: createStorageBuffer(device, n * 4),
    }));
    // Gradients per step live in their own buffers so several steps can share one encoder.
    const gradBufs = grads.map((gs) => gs.map((g) => createStorageBuffer(device, g)));
    const ref = p0.map((p) => ({
      p: Float64Array.from(p),
      m: new Float64Array(p.length),
      v: new Float64Array(p.length),
    }));
    let created = 0;
    const original = device.createBindGroup.bind(device);
    device.createBindGroup = (d: GPUBindGroupDescriptor) => {
      created++;
      return original(d);
    };
    try {
      const createdAfter: number[] = [];
      // Steps 1-2: one encoder each; steps 3-5 recorded into one encoder (order matters).
      const plan = [[1], [2], [3, 4, 5]];
      for (const steps of plan) {
        const encoder = device.createCommandEncoder();
        for (const step of steps) {
          sizes.forEach((n, i) => {
            encodeAdamW(device, encoder, {
              ...hyper(step),
              ...bufs[i],
              grad: gradBufs[i][step - 1],
              n,
            });
            adamwCpu(ref[i].p, grads[i][step - 1], ref[i].m, ref[i].v, hyper(step));
          });
          createdAfter.push(created);
        }
        device.queue.submit([encoder.finish()]);
        await keepingEventLoopAlive(device.queue.onSubmittedWorkDone());
      }
      // Step 1 binds each (param, grad) pair once; later steps only new gradient buffers.
      for (let s = 1; s < createdAfter.length; s++)
        expect(createdAfter[s] - createdAfter[s - 1]).toBeLessThanOrEqual(sizes.length);
      // The same gradient buffers again: nothing new at all.
      const before = created;
      const encoder = device.createCommandEncoder();
      sizes.forEach((n, i) =>
        encodeAdamW(device, encoder, { ...hyper(6), ...bufs[i], grad: gradBufs[i][4], n }),
      );
      encoder.finish();
      expect(created).toBe(before);
    } finally {
      device.createBindGroup = original;
    }
    for (let i = 0; i < sizes.length; i++) {
      const got = await readFloat32(device, bufs[i].param, sizes[i]);
      expect(maxRelError(got, ref[i].p)).toBeLessThan(1e-4);
    }
  });
});
