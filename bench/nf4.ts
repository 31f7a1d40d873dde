/**
 * NF4 benchmark (issue 4): a 1024×1024 weight, 512 tokens.
 *   nf4_bytes_over_fp32     GPU bytes of the NF4 weight (codes + absmax) / fp32 bytes  (≤ 0.15)
 *   nf4_dq_bytes_over_fp32  the same with double quantisation                            (≤ 0.135)
 *   nf4_speed_over_fp32     fp32 matmul time / fused NF4 matmul time, Y = X·Wᵀ          (≥ 0.8)
 * The fp32 baseline is the runtime's matmul (runtime/kernels/matmul.ts) on the same product, the
 * faster of the weight's two layouts ([out,in] as stored, or pre-transposed [in,out]).
 */
import { createStorageBuffer } from "../runtime/kernels/launch.js";
import { encodeMatmul } from "../runtime/kernels/matmul.js";
import { destroyNf4GpuWeight, nf4GpuBytes, quantizeNf4Gpu } from "../runtime/kernels/nf4.js";
import { encodeNf4MatmulBackward, encodeNf4MatmulForward } from "../runtime/kernels/nf4-matmul.js";
import { createRng } from "../runtime/util/random.js";
import type { DeviceBenchResult } from "./section.js";
import { timeInterleaved } from "./timing.js";

export async function benchNf4(
  device: GPUDevice,
  opts: { tokens?: number; features?: number; trials?: number } = {},
): Promise<DeviceBenchResult> {
  const T = opts.tokens ?? 512;
  const D = opts.features ?? 1024;
  const rng = createRng(5);
  const normal = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => rng.normal() * scale);
  const x = createStorageBuffer(device, normal(T * D, 1));
  const w = createStorageBuffer(device, normal(D * D, 0.02));
  const dy = createStorageBuffer(device, normal(T * D, 1));
  const y = createStorageBuffer(device, T * D * 4);
  const dx = createStorageBuffer(device, T * D * 4);
  const encoder = device.createCommandEncoder();
  const single = quantizeNf4Gpu(device, encoder, w, D * D);
  const double = quantizeNf4Gpu(device, encoder, w, D * D, { doubleQuant: true });
  device.queue.submit([encoder.finish()]);
  const shape = { tokens: T, inFeatures: D, outFeatures: D };
  const dims = { M: T, N: D, K: D };
  const matmul = (e: GPUCommandEncoder, a: GPUBuffer, out: GPUBuffer, transB: boolean) =>
    encodeMatmul(device, e, { a, b: w, out, ...dims, transB });
  const times = await timeInterleaved(
    device,
    [
      { name: "fp32OutIn", record: (e) => matmul(e, x, y, true) },
      { name: "fp32InOut", record: (e) => matmul(e, x, y, false) },
      {
        name: "nf4",
        record: (e) => encodeNf4MatmulForward(device, e, shape, single.weight, { x, y }),
      },
      {
        name: "nf4Tiled",
        record: (e) =>
          encodeNf4MatmulForward(device, e, shape, single.weight, { x, y }, undefined, false),
      },
      {
        name: "nf4dq",
        record: (e) => encodeNf4MatmulForward(device, e, shape, double.weight, { x, y }),
      },
      { name: "fp32Backward", record: (e) => matmul(e, dy, dx, false) },
      {
        name: "nf4Backward",
        record: (e) => encodeNf4MatmulBackward(device, e, shape, single.weight, { dy, dx }),
      },
    ],
    { trials: opts.trials ?? 5 },
  );
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.wall]));
  const cpu = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.cpu]));
  const fp32Bytes = 4 * D * D;
  const results = {
    nf4_bytes_over_fp32: nf4GpuBytes(single.weight) / fp32Bytes,
    nf4_dq_bytes_over_fp32: nf4GpuBytes(double.weight) / fp32Bytes,
    nf4_speed_over_fp32: Math.min(ms.fp32OutIn, ms.fp32InOut) / ms.nf4,
    nf4_dq_speed_over_fp32: Math.min(ms.fp32OutIn, ms.fp32InOut) / ms.nf4dq,
    nf4_backward_speed_over_fp32: ms.fp32Backward / ms.nf4Backward,
    nf4_cpu_time_speed_over_fp32: Math.min(cpu.fp32OutIn, cpu.fp32InOut) / cpu.nf4,
  };
  for (const b of [x, w, dy, y, dx, ...single.scratch, ...double.scratch]) b.destroy();
  destroyNf4GpuWeight(single.weight);
  destroyNf4GpuWeight(double.weight);
  const f = (v: number, d = 2) => v.toFixed(d);
  const gf = (t: number) => f((2 * T * D * D) / (t * 1e6));
  return {
    title: `NF4 (weight ${D}×${D}, ${T} tokens)`,
    rows: [
      [
        "fp32 matmul X·Wᵀ, W [out,in]",
        `${f(ms.fp32OutIn)} ms (CPU ${f(cpu.fp32OutIn)} ms), ${gf(ms.fp32OutIn)} GFLOP/s`,
      ],
      [
        "fp32 matmul X·Wᵀ, W [in,out]",
        `${f(ms.fp32InOut)} ms (CPU ${f(cpu.fp32InOut)} ms), ${gf(ms.fp32InOut)} GFLOP/s`,
      ],
      ["fused NF4 matmul", `${f(ms.nf4)} ms (CPU ${f(cpu.nf4)} ms), ${gf(ms.nf4)} GFLOP/s`],
      [
        "fused NF4 matmul, without the subgroup kernel",
        `${f(ms.nf4Tiled)} ms (CPU ${f(cpu.nf4Tiled)} ms), ${gf(ms.nf4Tiled)} GFLOP/s`,
      ],
      ["fused NF4 matmul, double-quantised", `${f(ms.nf4dq)} ms (CPU ${f(cpu.nf4dq)} ms)`],
      [
        "NF4 speed / fp32 (target ≥ 0.8)",
        `${f(results.nf4_speed_over_fp32)} (CPU time ${f(results.nf4_cpu_time_speed_over_fp32)})`,
      ],
      ["NF4 bytes / fp32 (target ≤ 0.15)", f(results.nf4_bytes_over_fp32, 4)],
      ["NF4 + double quant bytes / fp32 (target ≤ 0.135)", f(results.nf4_dq_bytes_over_fp32, 4)],
      ["input gradient dY·W: fp32 / NF4", `${f(ms.fp32Backward)} / ${f(ms.nf4Backward)} ms`],
    ],
    results,
  };
}
