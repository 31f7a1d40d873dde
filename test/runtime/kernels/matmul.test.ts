import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import { fixedSubgroupSize, sharedGpu } from "../../../runtime/device/acquire.js";
import { maxRelError } from "../../support/tensor-compare.js";
import { createStorageBuffer, readFloat32 } from "../../../runtime/kernels/launch.js";
import {
  encodeMatmul,
  chooseSplits,
  type MatmulArgs,
  type MatmulTileConfig,
} from "../../../runtime/kernels/matmul.js";
import { matmulCpu, type MatmulCpuArgs } from "../../../runtime/kernels/matmul-cpu.js";
import { createRng, randomFloat32 } from "../../../runtime/util/random.js";

interface Case {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  batch?: number;
  aBroadcast?: boolean;
  bBroadcast?: boolean;
  bias?: boolean;
  activation?: MatmulCpuArgs["activation"];
  residual?: boolean;
  second?: { K: number; transA?: boolean; transB?: boolean; scale: number };
  splits?: number;
  tile?: MatmulTileConfig;
  alpha?: number;
  kernel?: MatmulArgs["kernel"];
  subgroupTile?: MatmulArgs["subgroupTile"];
}

let seed = 100;

/** Whether the shared device runs the subgroup kernel (fixed subgroup size 8, e.g. llvmpipe). */
const webgpuSubgroupsOf8 = await sharedGpu()
  .then((ctx) => (ctx ? fixedSubgroupSize(ctx.device) === 8 : false))
  .catch(() => false);

async function runCase(c: Case): Promise<number> {
  const { device } = await gpu();
  const rng = createRng(seed++);
  const batch = c.batch ?? 1;
  const aMats = c.aBroadcast ? 1 : batch;
  const bMats = c.bBroadcast ? 1 : batch;
  const a = randomFloat32(rng, aMats * c.M * c.K);
  const b = randomFloat32(rng, bMats * c.K * c.N);
  const bias = c.bias ? randomFloat32(rng, c.N) : undefined;
  const residual = c.residual ? randomFloat32(rng, batch * c.M * c.N) : undefined;
  const s2 = c.second
    ? {
        ...c.second,
        a: randomFloat32(rng, batch * c.M * c.second.K),
        b: randomFloat32(rng, batch * c.second.K * c.N),
      }
    : undefined;
  const expected = new Float32Array(batch * c.M * c.N);
  const common = {
    M: c.M,
    N: c.N,
    K: c.K,
    transA: c.transA,
    transB: c.transB,
    batch,
    aBatchStride: c.aBroadcast ? 0 : c.M * c.K,
    bBatchStride: c.bBroadcast ? 0 : c.K * c.N,
    alpha: c.alpha,
  };
  matmulCpu({
    ...common,
    a,
    b,
    out: expected,
    bias,
    activation: c.activation,
    residual,
    beta: 0.5,
    second: s2,
  });
  const buf = (x: Float32Array) => createStorageBuffer(device, x);
  const out = createStorageBuffer(device, expected.length * 4);
  const splits = c.splits ?? 1;
  const args: MatmulArgs = {
    ...common,
    a: buf(a),
    b: buf(b),
    out,
    epilogue: {
      bias: bias ? buf(bias) : undefined,
      activation: c.activation,
      residual: residual ? buf(residual) : undefined,
      beta: 0.5,
    },
    second: s2 ? { ...s2, a: buf(s2.a), b: buf(s2.b) } : undefined,
    tile: c.tile,
    kernel: c.kernel,
    subgroupTile: c.subgroupTile,
    splits,
    scratch: splits > 1 ? createStorageBuffer(device, splits * expected.length * 4) : undefined,
  };
  const encoder = device.createCommandEncoder();
  encodeMatmul(device, encoder, args);
  device.queue.submit([encoder.finish()]);
  const actual = await readFloat32(device, out, expected.length);
  return maxRelError(actual, expected);
}

describeWebGPU("matmul kernel vs CPU reference", { timeout: 240_000 }, () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [M, N, K] of [
        [67, 129, 33],
        [64, 64, 64],
        [33, 40, 19],
      ]) {
        it(`${M}×${N}×${K} transA=${transA} transB=${transB}`, async () => {
          expect(await runCase({ M, N, K, transA, transB })).toBeLessThan(1e-4);
          // The register-tiled kernel too (the default where subgroups are missing).
          expect(await runCase({ M, N, K, transA, transB, kernel: "tiled" })).toBeLessThan(1e-4);
        });
      }
    }
  }

  it("GEMV-shaped tiles for M ≤ 8 (M = 1, 3, 8)", async () => {
    for (const M of [1, 3, 8]) {
      expect(await runCase({ M, N: 129, K: 67, transB: true })).toBeLessThan(1e-4);
      expect(await runCase({ M, N: 100, K: 64 })).toBeLessThan(1e-4);
    }
  });

  it("batched, with a broadcast operand on either side", async () => {
    expect(await runCase({ M: 17, N: 23, K: 9, batch: 3 })).toBeLessThan(1e-4);
    expect(
      await runCase({ M: 17, N: 23, K: 9, batch: 3, bBroadcast: true, transB: true }),
    ).toBeLessThan(1e-4);
    expect(
      await runCase({ M: 16, N: 20, K: 12, batch: 2, aBroadcast: true, transA: true }),
    ).toBeLessThan(1e-4);
  });

  it("fused epilogue: alpha, bias, activations, residual", async () => {
    for (const activation of ["relu", "silu", "gelu", "sigmoid", "tanh"] as const) {
      expect(
        await runCase({ M: 67, N: 129, K: 33, bias: true, activation, residual: true, alpha: 0.7 }),
      ).toBeLessThan(1e-4);
    }
  });

  it("second product accumulated into the tile (fused LoRA shape)", async () => {
    expect(
      await runCase({
        M: 67,
        N: 129,
        K: 33,
        transB: true,
        second: { K: 8, transB: true, scale: 2 },
      }),
    ).toBeLessThan(1e-4);
    expect(
      await runCase({
        M: 40,
        N: 36,
        K: 64,
        second: { K: 5, transA: true, scale: 0.5 },
        bias: true,
      }),
    ).toBeLessThan(1e-4);
  });

  it("split-K in two passes, with the epilogue applied after the reduction", async () => {
    expect(await runCase({ M: 12, N: 20, K: 1030, splits: 4 })).toBeLessThan(1e-4);
    expect(
      await runCase({
        M: 67,
        N: 33,
        K: 515,
        splits: 3,
        transA: true,
        transB: true,
        bias: true,
        activation: "silu",
        residual: true,
      }),
    ).toBeLessThan(1e-4);
    expect(
      await runCase({ M: 5, N: 7, K: 999, splits: 5, batch: 2, second: { K: 4, scale: 1 } }),
    ).toBeLessThan(1e-4);
  });

  it("other tile shapes give the same result", async () => {
    for (const tile of [
      { tm: 4, tn: 8, wgx: 8, wgy: 8 },
      { tm: 4, tn: 4, wgx: 16, wgy: 4 },
      { tm: 2, tn: 4, wgx: 32, wgy: 1 },
    ]) {
      expect(await runCase({ M: 67, N: 129, K: 33, tile })).toBeLessThan(1e-4);
      expect(
        await runCase({ M: 67, N: 129, K: 33, tile, transA: true, transB: true }),
      ).toBeLessThan(1e-4);
    }
  });

  it("register-tiled kernel: epilogue, fused second product, batch", async () => {
    const kernel = "tiled" as const;
    expect(
      await runCase({
        M: 67,
        N: 129,
        K: 33,
        bias: true,
        activation: "gelu",
        residual: true,
        kernel,
      }),
    ).toBeLessThan(1e-4);
    expect(
      await runCase({
        M: 67,
        N: 129,
        K: 33,
        transB: true,
        second: { K: 8, transB: true, scale: 2 },
        kernel,
      }),
    ).toBeLessThan(1e-4);
    expect(
      await runCase({ M: 17, N: 23, K: 9, batch: 3, bBroadcast: true, transB: true, kernel }),
    ).toBeLessThan(1e-4);
  });

  describe.runIf(webgpuSubgroupsOf8)("subgroup-broadcast kernel", () => {
    it("K not a multiple of 8, K < 8, M < tile rows, N < one subgroup", async () => {
      const kernel = "subgroup" as const;
      for (const [M, N, K] of [
        [67, 129, 33],
        [20, 5, 3],
        [3, 70, 13],
        [1, 9, 16],
      ]) {
        for (const transA of [false, true])
          for (const transB of [false, true])
            expect(await runCase({ M, N, K, transA, transB, kernel })).toBeLessThan(1e-4);
      }
    });

    it("other subgroup tiles give the same result", async () => {
      for (const subgroupTile of [
        { lanes: 8, rows: 8, cols: 2, sgx: 4 },
        { lanes: 8, rows: 4, cols: 1, sgx: 1 },
        { lanes: 8, rows: 5, cols: 3, sgx: 2 },
      ]) {
        expect(await runCase({ M: 67, N: 129, K: 33, subgroupTile })).toBeLessThan(1e-4);
        expect(
          await runCase({ M: 67, N: 129, K: 33, subgroupTile, transA: true, transB: true }),
        ).toBeLessThan(1e-4);
      }
    });

    it("split-K slices and a fused second product with K2 not a multiple of 8", async () => {
      const kernel = "subgroup" as const;
      expect(await runCase({ M: 33, N: 20, K: 1030, splits: 4, bias: true, kernel })).toBeLessThan(
        1e-4,
      );
      expect(
        await runCase({
          M: 67,
          N: 40,
          K: 64,
          transB: true,
          second: { K: 13, transA: true, scale: 0.25 },
          residual: true,
          kernel,
        }),
      ).toBeLessThan(1e-4);
    });
  });

  it("a user epilogue with its own binding", async () => {
    const { device } = await gpu();
    const rng = createRng(7);
    const [M, N, K] = [9, 13, 6];
    const a = randomFloat32(rng, M * K);
    const b = randomFloat32(rng, K * N);
    const rowScale = randomFloat32(rng, M);
    const expected = new Float32Array(M * N);
    matmulCpu({ a, b, out: expected, M, N, K });
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) expected[m * N + n] *= rowScale[m];
    const out = createStorageBuffer(device, M * N * 4);
    const encoder = device.createCommandEncoder();
    encodeMatmul(device, encoder, {
      a: createStorageBuffer(device, a),
      b: createStorageBuffer(device, b),
      out,
      M,
      N,
      K,
      epilogue: {
        custom: {
          key: "row-scale",
          wgsl: (first) => `@group(0) @binding(${first}) var<storage, read> row_scale: array<f32>;
fn user_epilogue(v: f32, m: u32, n: u32, batch: u32) -> f32 { return v * row_scale[m]; }`,
          bindings: [createStorageBuffer(device, rowScale)],
        },
      },
    });
    device.queue.submit([encoder.finish()]);
    expect(maxRelError(await readFloat32(device, out, M * N), expected)).toBeLessThan(1e-4);
  });
});

describe("matmul planning", () => {
  it("splits K only for few output tiles and long K", () => {
    expect(chooseSplits(1024, 1024, 1024, 1)).toBe(1);
    expect(chooseSplits(16, 16, 4096, 1)).toBeGreaterThan(1);
    expect(chooseSplits(16, 16, 256, 1)).toBe(1);
  });
});
