/**
 * Matmul GFLOP/s at 256/512/1024/2048 (square, f32): our kernel vs TF.js's WebGPU backend
 * registered on the *same* Dawn device in the same run. Each timed run records `iters`
 * matmuls into one encoder, submits, and waits for the queue (no readback in the timing).
 */
import * as tf from "@tensorflow/tfjs-core";
import { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { createStorageBuffer, waitQuietly } from "../runtime/kernels/launch.js";
import { encodeMatmul, type MatmulArgs } from "../runtime/kernels/matmul.js";
import { fixedSubgroupSize } from "../runtime/device/acquire.js";
import { matmulCpu } from "../runtime/kernels/matmul-cpu.js";
import { createRng, randomFloat32 } from "../runtime/util/random.js";
import {
  markdownTable,
  type BenchContext,
  type BenchResult,
  type BenchSection,
} from "./section.js";

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);

interface Runner {
  run: () => Promise<void>;
  dispose: () => void;
}

function oursRunner(device: GPUDevice, n: number, kernel: MatmulArgs["kernel"] = "auto"): Runner {
  const rng = createRng(n);
  const a = createStorageBuffer(device, randomFloat32(rng, n * n));
  const b = createStorageBuffer(device, randomFloat32(rng, n * n));
  const c = createStorageBuffer(device, n * n * 4);
  return {
    run: async () => {
      const encoder = device.createCommandEncoder();
      encodeMatmul(device, encoder, { a, b, out: c, M: n, N: n, K: n, kernel });
      device.queue.submit([encoder.finish()]);
      await waitQuietly(device.queue.onSubmittedWorkDone());
    },
    dispose: () => {
      a.destroy();
      b.destroy();
      c.destroy();
    },
  };
}

let tfReady: Promise<WebGPUBackend> | null = null;
function tfjsOn(device: GPUDevice): Promise<WebGPUBackend> {
  tfReady ??= (async () => {
    // TF.js checks navigator.gpu before it accepts a device; Node 20 has no navigator.
    const g = globalThis as { navigator?: { gpu?: unknown } };
    if (!g.navigator)
      Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true });
    if (!g.navigator!.gpu)
      Object.defineProperty(g.navigator!, "gpu", { value: {}, configurable: true });
    const backend = new WebGPUBackend(device);
    // TF.js's WebGPU kernels are registered for the backend name "webgpu": replace the
    // package's own factory (which would request a device of its own) with ours.
    if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
    tf.registerBackend("webgpu", () => backend);
    await tf.setBackend("webgpu");
    return backend;
  })();
  return tfReady;
}

async function tfjsRunner(device: GPUDevice, n: number): Promise<Runner> {
  const backend = await tfjsOn(device);
  const rng = createRng(n + 1);
  const a = tf.tensor2d(randomFloat32(rng, n * n), [n, n]);
  const b = tf.tensor2d(randomFloat32(rng, n * n), [n, n]);
  return {
    run: async () => {
      const c = tf.matMul(a, b);
      // TF.js keeps its compute pass open across ops: end it, then submit.
      (backend as unknown as { endComputePassEncoder(): void }).endComputePassEncoder();
      backend.submitQueue();
      await waitQuietly(device.queue.onSubmittedWorkDone());
      c.dispose();
    },
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

interface Best {
  wall: number;
  cpu: number;
}

/** Interleaved trials (ours, TF.js, ours, ...): best wall and process-CPU ms of each. */
async function timeBoth(runners: Runner[], trials: number, warmup: boolean): Promise<Best[]> {
  if (warmup) for (const r of runners) await r.run(); // compile + warm up
  const best = runners.map(() => ({ wall: Infinity, cpu: Infinity }));
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < runners.length; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await runners[i].run();
      const wall = performance.now() - t0;
      const used = process.cpuUsage(cpu0);
      best[i] = {
        wall: Math.min(best[i].wall, wall),
        cpu: Math.min(best[i].cpu, (used.user + used.system) / 1000),
      };
    }
  }
  return best;
}

/** Both implementations agree with the CPU reference at a small odd size (sanity). */
async function agree(device: GPUDevice): Promise<boolean> {
  await tfjsOn(device);
  const n = 67;
  const rng = createRng(3);
  const av = randomFloat32(rng, n * n);
  const bv = randomFloat32(rng, n * n);
  const ref = new Float32Array(n * n);
  matmulCpu({ a: av, b: bv, out: ref, M: n, N: n, K: n });
  const t = tf.matMul(tf.tensor2d(av, [n, n]), tf.tensor2d(bv, [n, n]));
  const got = await t.data();
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
  return err < 1e-3;
}

export const matmulSection: BenchSection = {
  title: "Matmul (f32, square)",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!ctx.gpu) {
      return {
        markdown: "_skipped: no WebGPU adapter_",
        json: { matmul_1024_gflops: null, tfjs_matmul_1024_gflops: null },
      };
    }
    const device = ctx.gpu.device;
    ctx.gpu.flush();
    const sizes = ctx.quick ? [256, 512] : [256, 512, 1024, 2048];
    const subgroups = fixedSubgroupSize(device) === 8;
    const rows: (string | number)[][] = [];
    const json: Record<string, number | null> = {};
    for (const n of sizes) {
      // With subgroups, the register-tiled kernel runs too (the before/after comparison),
      // except at 2048³.
      const compareTiled = subgroups && n < 2048;
      const runners = [oursRunner(device, n), await tfjsRunner(device, n)];
      if (compareTiled) runners.push(oursRunner(device, n, "tiled"));
      // Keep the section to a few minutes on a slow, shared machine: the 2048³ run reuses the
      // pipelines compiled at 1024³ (sizes are uniforms) and is timed once.
      const [o, t, old] = await timeBoth(runners, n >= 2048 ? 1 : n >= 1024 ? 12 : 8, n < 2048);
      for (const r of runners) r.dispose();
      const [g, tg] = [gflops(n, o.wall), gflops(n, t.wall)];
      ctx.log(`matmul ${n}: ours ${g.toFixed(2)} GFLOP/s, tfjs ${tg.toFixed(2)} GFLOP/s`);
      rows.push([
        `${n}³`,
        o.wall.toFixed(1),
        g.toFixed(2),
        t.wall.toFixed(1),
        tg.toFixed(2),
        `${(g / tg).toFixed(2)}×`,
        `${gflops(n, o.cpu).toFixed(2)} / ${gflops(n, t.cpu).toFixed(2)}`,
        old ? `${gflops(n, old.wall).toFixed(2)} (${gflops(n, old.cpu).toFixed(2)})` : "–",
      ]);
      if (old) json[`matmul_tiled_${n}_gflops`] = Number(gflops(n, old.wall).toFixed(3));
      json[`matmul_${n}_gflops`] = Number(g.toFixed(3));
      json[`tfjs_matmul_${n}_gflops`] = Number(tg.toFixed(3));
    }
    json.matmul_1024_gflops ??= null;
    json.tfjs_matmul_1024_gflops ??= null;
    const ok = await agree(device);
    const markdown = [
      markdownTable(
        [
          "size",
          "ours ms",
          "ours GFLOP/s",
          "TF.js ms",
          "TF.js GFLOP/s",
          "ours / TF.js",
          "GFLOP per CPU-second (ours / TF.js)",
          "register-tiled kernel GFLOP/s (per CPU-s)",
        ],
        rows,
      ),
      "",
      `Kernel: ${subgroups ? "subgroup-broadcast (runtime/kernels/matmul-subgroup.ts, 8-lane subgroups); the last column is the register-tiled kernel it replaces, timed in the same interleaved trials" : "register-tiled (no fixed 8-lane subgroups on this adapter)"}. Same Dawn device, same run; TF.js's WebGPU backend is constructed on our GPUDevice. Best of interleaved timed runs after a warm-up (wall clock, no readback; 2048³ is timed once, without its own warm-up). On lavapipe the "GPU" is threads of this process, so GFLOP per CPU-second measures the kernels' work even when other processes compete for the cores. Results checked against the CPU reference at 67³: ${ok ? "both agree" : "MISMATCH"}.`,
    ].join("\n");
    return { markdown, json };
  },
};
