import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeActivationBackward,
  encodeActivationForward,
  encodeSwiGluBackward,
  encodeSwiGluForward,
  type Activation,
} from "../../../runtime/kernels/activations.js";
import {
  activation,
  activationBackwardReference,
  activationForwardReference,
  erf,
  erfc,
  swiGluBackwardReference,
  swiGluForwardReference,
} from "../../../runtime/kernels/reference/activations.js";
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
const kinds: Activation[] = ["silu", "gelu", "gelu_tanh"];

function inputs(n: number, salt: number): Float32Array {
  const x = randn(rngFor(seed, salt), n, 3);
  x.set([0, -0, 1e-6, -1e-6, 12, -12, 40, -40, 90, -90]);
  return x;
}

describeWebGPU(`activation kernels (seed ${seed})`, () => {
  for (const kind of kinds) {
    it(`${kind} forward and backward match the reference`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const n = 1000 + 37;
      const x = inputs(n, 1),
        dy = randn(rngFor(seed, 2), n);
      const bx = s.upload(x),
        bdy = s.upload(dy),
        y = s.empty(n),
        dx = s.empty(n);
      s.run((enc) => {
        encodeActivationForward(device, enc, kind, n, { x: bx, y });
        encodeActivationBackward(device, enc, kind, n, { x: bx, dy: bdy, dx });
      });
      const gy = await s.read(y, n);
      const gdx = await s.read(dx, n);
      expectClose(gy, activationForwardReference(kind, x), "y");
      expectClose(gdx, activationBackwardReference(kind, x, dy), "dx");
      // elementwise relative accuracy too (the far tails are tiny but should not be garbage)
      for (let i = 0; i < n; i++) {
        const ref = activation(kind, x[i]);
        if (Math.abs(ref) > 1e-30)
          expect(Math.abs(gy[i] - ref) / Math.abs(ref), `${kind}(${x[i]})`).toBeLessThan(2e-4);
      }
      s.dispose();
    });
  }
  it("SwiGLU forward and backward match the reference", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const n = 777;
    const gate = inputs(n, 3),
      up = randn(rngFor(seed, 4), n),
      dy = randn(rngFor(seed, 5), n);
    const bg = s.upload(gate),
      bu = s.upload(up),
      bdy = s.upload(dy);
    const y = s.empty(n),
      dg = s.empty(n),
      du = s.empty(n);
    s.run((enc) => {
      encodeSwiGluForward(device, enc, n, { gate: bg, up: bu, y });
      encodeSwiGluBackward(device, enc, n, { gate: bg, up: bu, dy: bdy, dgate: dg, dup: du });
    });
    const ref = swiGluBackwardReference(gate, up, dy);
    expectClose(await s.read(y, n), swiGluForwardReference(gate, up), "y");
    expectClose(await s.read(dg, n), ref.dgate, "dgate");
    expectClose(await s.read(du, n), ref.dup, "dup");
    s.dispose();
  });
});

describe("activation references", () => {
  it("erf matches known values", () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(2)).toBeCloseTo(0.9953222650189527, 14);
    expect(erfc(4) / 1.541725790028002e-8).toBeCloseTo(1, 10);
    expect(erfc(0.5)).toBeCloseTo(1 - 0.5204998778130465, 14);
    expect(erf(-1)).toBeCloseTo(-0.8427007929497149, 14);
  });
  for (const kind of kinds) {
    it(`${kind} gradient matches finite differences`, () => {
      const x = toF64(inputs(40, 6).subarray(10));
      const dy = randn(rngFor(seed, 7), x.length);
      const g = activationBackwardReference(kind, x, dy);
      expectGradientMatches(() => dotLoss(activationForwardReference(kind, x), dy), x, g, kind);
    });
  }
  it("SwiGLU gradients match finite differences", () => {
    const gate = toF64(randn(rngFor(seed, 8), 20, 2)),
      up = toF64(randn(rngFor(seed, 9), 20));
    const dy = randn(rngFor(seed, 10), 20);
    const g = swiGluBackwardReference(gate, up, dy);
    const loss = () => dotLoss(swiGluForwardReference(gate, up), dy);
    expectGradientMatches(loss, gate, g.dgate, "dgate");
    expectGradientMatches(loss, up, g.dup, "dup");
  });
});
