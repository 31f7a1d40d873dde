import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeRopeBackward,
  encodeRopeForward,
  ropeTable,
  type RopeShape,
} from "../../../runtime/kernels/rope.js";
import {
  ropeBackwardReference,
  ropeForwardReference,
} from "../../../runtime/kernels/reference/rope.js";
import {
  GpuScratch,
  dotLoss,
  expectClose,
  expectGradientMatches,
  freshSeed,
  randn,
  rngFor,
  toF64,
} from "./llm-kernel-helpers.js";

const seed = freshSeed();

describeWebGPU(`RoPE kernel (seed ${seed})`, () => {
  const cases: [RopeShape, number, number][] = [
    [{ tokens: 67, heads: 3, headDim: 64 }, 10000, 4096],
    [{ tokens: 33, heads: 5, headDim: 6 }, 500000, 100],
  ];
  cases.forEach(([shape, theta, maxPos], n) => {
    it(`forward and backward match the reference (T=${shape.tokens} H=${shape.heads} D=${shape.headDim} θ=${theta})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const rng = rngFor(seed, n);
      const numel = shape.tokens * shape.heads * shape.headDim;
      const x = randn(rng, numel),
        dy = randn(rng, numel);
      const positions = Uint32Array.from({ length: shape.tokens }, () => rng.int(maxPos));
      const table = s.upload(ropeTable(theta, shape.headDim, maxPos));
      const bx = s.upload(x),
        bdy = s.upload(dy),
        bpos = s.upload(positions);
      const y = s.empty(numel),
        dx = s.empty(numel);
      s.run((enc) => {
        encodeRopeForward(device, enc, shape, { x: bx, positions: bpos, table, y });
        encodeRopeBackward(device, enc, shape, { dy: bdy, positions: bpos, table, dx });
      });
      expectClose(await s.read(y, numel), ropeForwardReference(shape, x, positions, theta), "y");
      expectClose(
        await s.read(dx, numel),
        ropeBackwardReference(shape, dy, positions, theta),
        "dx",
      );
      s.dispose();
    });
  });
});

describe("RoPE reference", () => {
  it("is the rotate_half form and its backward matches finite differences", () => {
    const shape: RopeShape = { tokens: 3, heads: 2, headDim: 4 };
    const x = toF64(randn(rngFor(seed, 9), 24));
    const dy = randn(rngFor(seed, 10), 24);
    const positions = [0, 5, 2];
    // position 0 is the identity
    const y = ropeForwardReference(shape, x, positions, 10000);
    for (let i = 0; i < 8; i++) expect(y[i]).toBeCloseTo(x[i], 12);
    // position 5, pair (0, 2) rotated by angle 5·1
    const c = Math.cos(5),
      sn = Math.sin(5);
    expect(y[8]).toBeCloseTo(x[8] * c - x[10] * sn, 6);
    expect(y[10]).toBeCloseTo(x[10] * c + x[8] * sn, 6);
    const g = ropeBackwardReference(shape, dy, positions, 10000);
    expectGradientMatches(
      () => dotLoss(ropeForwardReference(shape, x, positions, 10000), dy),
      x,
      g,
      "dx",
    );
  });
});
