/**
 * Fused LoRA benchmark (issue 4): r = 16, d = k = 1024, 512 tokens.
 *   lora_fused_over_base     fused forward time / base matmul (Y = X·Wᵀ) alone   (target ≤ 1.15)
 *   lora_fused_over_unfused  fused forward / unfused sequence                   (target < 1)
 * The unfused sequence is the base matmul, h = X·Aᵀ, d = s·h·Bᵀ, Y = Y₀ + d (four dispatches).
 * Forward+backward ratios are reported too. Everything runs on the runtime's matmul generator
 * (runtime/kernels/matmul.ts), weight in the [out,in] layout of nn.Linear.
 */
import { createStorageBuffer, dispatch } from "../runtime/kernels/launch.js";
import { encodeMatmul } from "../runtime/kernels/matmul.js";
import {
  encodeBaseLinear,
  encodeLoraBackward,
  encodeLoraForward,
  type LoraShape,
} from "../runtime/kernels/lora.js";
import { createRng, randomFloat32 } from "../runtime/util/random.js";
import { grid1d, flatIndexWgsl } from "../runtime/kernels/dispatch-grid.js";
import type { DeviceBenchResult } from "./section.js";
import { timeInterleaved } from "./timing.js";

const ADD_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> d: array<f32>;
${flatIndexWgsl(256)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i < arrayLength(&y)) { y[i] = y[i] + d[i]; }
}`;

export async function benchLora(
  device: GPUDevice,
  opts: { tokens?: number; features?: number; rank?: number; trials?: number } = {},
): Promise<DeviceBenchResult> {
  const T = opts.tokens ?? 512;
  const D = opts.features ?? 1024;
  const r = opts.rank ?? 16;
  const shape: LoraShape = { tokens: T, inFeatures: D, outFeatures: D, rank: r, alpha: 2 * r };
  const s = shape.alpha / r;
  const rng = createRng(4);
  const buf = (n: number, fill = true) =>
    createStorageBuffer(device, fill ? randomFloat32(rng, n, -0.5, 0.5) : n * 4);
  const x = buf(T * D),
    w = buf(D * D),
    a = buf(r * D),
    b = buf(D * r),
    dy = buf(T * D);
  const h = buf(T * r, false),
    y = buf(T * D, false),
    d = buf(T * D, false),
    g = buf(T * r, false);
  const dx = buf(T * D, false),
    da = buf(r * D, false),
    db = buf(D * r, false);

  const base = (enc: GPUCommandEncoder) => encodeBaseLinear(device, enc, shape, { x, w, y });
  const fused = (enc: GPUCommandEncoder) =>
    encodeLoraForward(device, enc, shape, { x, w, a, b, h, y });
  const add = (enc: GPUCommandEncoder, target: GPUBuffer) =>
    dispatch(
      device,
      { code: ADD_WGSL, bindings: [target, d], workgroups: grid1d(T * D, 256) },
      enc,
    );
  const unfused = (enc: GPUCommandEncoder) => {
    base(enc);
    encodeMatmul(device, enc, { a: x, b: a, out: h, M: T, N: r, K: D, transB: true });
    encodeMatmul(device, enc, { a: h, b, out: d, M: T, N: D, K: r, transB: true, alpha: s });
    add(enc, y);
  };
  const fusedBackward = (enc: GPUCommandEncoder) =>
    encodeLoraBackward(device, enc, shape, { x, w, a, b, h, dy, g, dx, da, db });
  const unfusedBackward = (enc: GPUCommandEncoder) => {
    // dX = dY·W, g = s·dY·B, d = g·A, dX += d, dA = gᵀ·X, dB = s·dYᵀ·h.
    encodeMatmul(device, enc, { a: dy, b: w, out: dx, M: T, N: D, K: D });
    encodeMatmul(device, enc, { a: dy, b, out: g, M: T, N: r, K: D, alpha: s });
    encodeMatmul(device, enc, { a: g, b: a, out: d, M: T, N: D, K: r });
    add(enc, dx);
    encodeMatmul(device, enc, { a: g, b: x, out: da, M: r, N: D, K: T, transA: true });
    encodeMatmul(device, enc, { a: dy, b: h, out: db, M: D, N: r, K: T, transA: true, alpha: s });
  };
  const times = await timeInterleaved(
    device,
    [
      { name: "base", record: base },
      { name: "fused", record: fused },
      { name: "unfused", record: unfused },
      { name: "fusedTrain", record: (e) => (fused(e), fusedBackward(e)) },
      { name: "unfusedTrain", record: (e) => (unfused(e), unfusedBackward(e)) },
    ],
    { trials: opts.trials ?? 9 },
  );
  for (const bu of [x, w, a, b, dy, h, y, d, g, dx, da, db]) bu.destroy();
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.wall]));
  const cpu = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.cpu]));
  const gflops = (2 * T * D * D) / (ms.base * 1e6);
  const results = {
    lora_fused_over_base: ms.fused / ms.base,
    lora_fused_over_unfused: ms.fused / ms.unfused,
    lora_train_fused_over_unfused: ms.fusedTrain / ms.unfusedTrain,
    lora_cpu_time_fused_over_base: cpu.fused / cpu.base,
    lora_cpu_time_fused_over_unfused: cpu.fused / cpu.unfused,
  };
  const f = (v: number) => v.toFixed(2);
  const both = (k: string) => `${f(ms[k])} ms (CPU ${f(cpu[k])} ms)`;
  return {
    title: `Fused LoRA (r = ${r}, d = k = ${D}, ${T} tokens)`,
    rows: [
      ["base matmul X·Wᵀ", `${both("base")}, ${f(gflops)} GFLOP/s`],
      ["fused LoRA forward", both("fused")],
      ["unfused forward (base + 2 low-rank matmuls + add)", both("unfused")],
      [
        "fused / base (target ≤ 1.15)",
        `${f(results.lora_fused_over_base)} (CPU time ${f(results.lora_cpu_time_fused_over_base)})`,
      ],
      [
        "fused / unfused (target < 1)",
        `${f(results.lora_fused_over_unfused)} (CPU time ${f(results.lora_cpu_time_fused_over_unfused)})`,
      ],
      [
        "forward+backward: fused / unfused",
        `${both("fusedTrain")} / ${both("unfusedTrain")} = ${f(results.lora_train_fused_over_unfused)}`,
      ],
    ],
    results,
  };
}
