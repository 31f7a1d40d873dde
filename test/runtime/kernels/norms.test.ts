import { describe, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeRmsNormBackward,
  encodeRmsNormForward,
  type NormShape,
} from "../../../runtime/kernels/rmsnorm.js";
import {
  encodeLayerNormBackward,
  encodeLayerNormForward,
} from "../../../runtime/kernels/layernorm.js";
import {
  rmsNormBackwardReference,
  rmsNormForwardReference,
} from "../../../runtime/kernels/reference/rmsnorm.js";
import {
  layerNormBackwardReference,
  layerNormForwardReference,
} from "../../../runtime/kernels/reference/layernorm.js";
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
const shapes: NormShape[] = [
  { rows: 67, dim: 129, eps: 1e-6 },
  { rows: 3, dim: 1000, eps: 1e-5 },
  { rows: 130, dim: 7, eps: 1e-5 },
];

function data(s: NormShape, salt: number) {
  const rng = rngFor(seed, salt);
  const x = randn(rng, s.rows * s.dim, 2);
  for (let i = 0; i < s.dim; i++) x[i] += 10; // one row with a large mean
  return { x, w: randn(rng, s.dim), b: randn(rng, s.dim), dy: randn(rng, s.rows * s.dim) };
}

describeWebGPU(`RMSNorm and LayerNorm kernels (seed ${seed})`, () => {
  shapes.forEach((shape, n) => {
    it(`RMSNorm forward/backward match the reference (${shape.rows}×${shape.dim})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const { x, w, dy } = data(shape, n);
      const [bx, bw, bdy] = [x, w, dy].map((a) => s.upload(a));
      const y = s.empty(x.length),
        rstd = s.empty(shape.rows),
        dx = s.empty(x.length),
        dw = s.empty(shape.dim);
      s.run((enc) => {
        encodeRmsNormForward(device, enc, shape, { x: bx, w: bw, y, rstd });
        encodeRmsNormBackward(device, enc, shape, { x: bx, w: bw, rstd, dy: bdy, dx, dw });
      });
      const f = rmsNormForwardReference(shape, x, w);
      const bk = rmsNormBackwardReference(shape, x, w, dy);
      expectClose(await s.read(y, x.length), f.y, "y");
      expectClose(await s.read(rstd, shape.rows), f.rstd, "rstd");
      expectClose(await s.read(dx, x.length), bk.dx, "dx");
      expectClose(await s.read(dw, shape.dim), bk.dw, "dw");
      s.dispose();
    });
    it(`LayerNorm forward/backward match the reference (${shape.rows}×${shape.dim})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const { x, w, b, dy } = data(shape, n + 10);
      const [bx, bw, bb, bdy] = [x, w, b, dy].map((a) => s.upload(a));
      const y = s.empty(x.length),
        stats = s.empty(2 * shape.rows),
        dx = s.empty(x.length);
      const dw = s.empty(shape.dim),
        db = s.empty(shape.dim);
      s.run((enc) => {
        encodeLayerNormForward(device, enc, shape, { x: bx, w: bw, b: bb, y, stats });
        encodeLayerNormBackward(device, enc, shape, { x: bx, w: bw, stats, dy: bdy, dx, dw, db });
      });
      const f = layerNormForwardReference(shape, x, w, b);
      const bk = layerNormBackwardReference(shape, x, w, dy);
      expectClose(await s.read(y, x.length), f.y, "y");
      const st = await s.read(stats, 2 * shape.rows);
      expectClose(
        st.filter((_, i) => i % 2 === 0),
        f.mean,
        "mean",
      );
      expectClose(
        st.filter((_, i) => i % 2 === 1),
        f.rstd,
        "rstd",
      );
      expectClose(await s.read(dx, x.length), bk.dx, "dx");
      expectClose(await s.read(dw, shape.dim), bk.dw, "dw");
      expectClose(await s.read(db, shape.dim), bk.db, "db");
      s.dispose();
    });
  });
});

describe("norm references", () => {
  const shape: NormShape = { rows: 4, dim: 6, eps: 1e-5 };
  it("RMSNorm backward matches finite differences", () => {
    const { x, w, dy } = data(shape, 50);
    const [X, W] = [x, w].map(toF64);
    const loss = () => dotLoss(rmsNormForwardReference(shape, X, W).y, dy);
    const g = rmsNormBackwardReference(shape, X, W, dy);
    expectGradientMatches(loss, X, g.dx, "dx");
    expectGradientMatches(loss, W, g.dw, "dw");
  });
  it("LayerNorm backward matches finite differences", () => {
    const { x, w, b, dy } = data(shape, 51);
    const [X, W, B] = [x, w, b].map(toF64);
    const loss = () => dotLoss(layerNormForwardReference(shape, X, W, B).y, dy);
    const g = layerNormBackwardReference(shape, X, W, dy);
    expectGradientMatches(loss, X, g.dx, "dx");
    expectGradientMatches(loss, W, g.dw, "dw");
    expectGradientMatches(loss, B, g.db, "db");
  });
});
