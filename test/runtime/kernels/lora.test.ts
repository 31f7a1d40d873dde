import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeLoraBackward,
  encodeLoraForward,
  initLoraWeights,
  type LoraShape,
} from "../../../runtime/kernels/lora.js";
import {
  loraBackwardReference,
  loraForwardReference,
} from "../../../runtime/kernels/reference/lora.js";
import { createRng } from "../../../runtime/util/random.js";
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

function inputs(shape: LoraShape, salt: number) {
  const rng = rngFor(seed, salt);
  const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
  return {
    x: randn(rng, T * I),
    w: randn(rng, O * I, 0.1),
    a: randn(rng, r * I, 0.1),
    b: randn(rng, O * r, 0.1),
    dy: randn(rng, T * O),
  };
}

// Few shapes on purpose: each distinct matmul variant costs seconds of LLVM compile on lavapipe.
const shapes: LoraShape[] = [
  { tokens: 67, inFeatures: 129, outFeatures: 33, rank: 5, alpha: 10 },
  { tokens: 37, inFeatures: 132, outFeatures: 68, rank: 8, alpha: 16, weightLayout: "in-out" },
  { tokens: 64, inFeatures: 64, outFeatures: 128, rank: 16, alpha: 32 },
];
const COMPILE_TIMEOUT = 300_000;

describeWebGPU(`fused LoRA kernels (seed ${seed})`, () => {
  shapes.forEach((shape, n) => {
    const name = `T=${shape.tokens} in=${shape.inFeatures} out=${shape.outFeatures} r=${shape.rank} ${shape.weightLayout ?? "out-in"}`;
    it(
      `forward and backward match the reference (${name})`,
      async () => {
        const { device } = await gpu();
        const { x, w, a, b, dy } = inputs(shape, n);
        const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
        const s = new GpuScratch(device);
        const bx = s.upload(x),
          bw = s.upload(w),
          ba = s.upload(a),
          bb = s.upload(b),
          bdy = s.upload(dy);
        const h = s.empty(T * r),
          y = s.empty(T * O),
          g = s.empty(T * r);
        const dx = s.empty(T * I),
          da = s.empty(r * I),
          db = s.empty(O * r);
        s.run((enc) => {
          encodeLoraForward(device, enc, shape, { x: bx, w: bw, a: ba, b: bb, h, y });
          encodeLoraBackward(device, enc, shape, {
            x: bx,
            w: bw,
            a: ba,
            b: bb,
            h,
            dy: bdy,
            g,
            dx,
            da,
            db,
          });
        });
        const ref = loraForwardReference(shape, x, w, a, b);
        const refB = loraBackwardReference(shape, x, w, a, b, ref.h, dy);
        expectClose(await s.read(h, T * r), ref.h, "h");
        expectClose(await s.read(y, T * O), ref.y, "y");
        expectClose(await s.read(g, T * r), refB.g, "g");
        expectClose(await s.read(dx, T * I), refB.dx, "dX");
        expectClose(await s.read(da, r * I), refB.da, "dA");
        expectClose(await s.read(db, O * r), refB.db, "dB");
        s.dispose();
      },
      COMPILE_TIMEOUT,
    );
  });
});

describe("fused LoRA reference", () => {
  it("backward formulas match finite differences of the forward (float64)", () => {
    const shape: LoraShape = { tokens: 5, inFeatures: 7, outFeatures: 6, rank: 3, alpha: 6 };
    const { x, w, a, b, dy } = inputs(shape, 99);
    const [X, W, A, B] = [x, w, a, b].map(toF64);
    const loss = () => dotLoss(loraForwardReference(shape, X, W, A, B).y, dy);
    const fwd = loraForwardReference(shape, X, W, A, B);
    const grads = loraBackwardReference(shape, X, W, A, B, fwd.h, dy);
    expectGradientMatches(loss, X, grads.dx, "dX");
    expectGradientMatches(loss, A, grads.da, "dA");
    expectGradientMatches(loss, B, grads.db, "dB");
  });

  it("init: A seeded and bounded, B zero (ΔW = 0 at step 0)", () => {
    const one = initLoraWeights(createRng(7), 100, 30, 4);
    const two = initLoraWeights(createRng(7), 100, 30, 4);
    expect(one.a).toEqual(two.a);
    expect(one.b.every((v) => v === 0)).toBe(true);
    expect(Math.max(...one.a.map(Math.abs))).toBeLessThanOrEqual(0.1);
    const gauss = initLoraWeights(createRng(7), 100, 30, 4, "gaussian");
    const std = Math.sqrt(gauss.a.reduce((s, v) => s + v * v, 0) / gauss.a.length);
    expect(std).toBeGreaterThan(0.2);
    expect(std).toBeLessThan(0.3);
  });
});
