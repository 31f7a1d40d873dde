import { describe, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeAttentionBackward,
  encodeAttentionForward,
  type AttentionShape,
} from "../../../runtime/kernels/attention.js";
import {
  attentionBackwardReference,
  attentionForwardReference,
} from "../../../runtime/kernels/reference/attention.js";
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

function sizes(s: AttentionShape) {
  const Tk = s.keys ?? s.queries;
  return { q: s.batch * s.queries * s.heads * s.headDim, kv: s.batch * Tk * s.kvHeads * s.headDim };
}

const shapes: AttentionShape[] = [
  { batch: 2, heads: 4, kvHeads: 2, headDim: 16, queries: 37 },
  { batch: 1, heads: 3, kvHeads: 3, headDim: 8, queries: 67 },
  { batch: 1, heads: 4, kvHeads: 1, headDim: 64, queries: 20 },
];

describeWebGPU(`causal attention kernels (seed ${seed})`, () => {
  shapes.forEach((shape, n) => {
    const name = `B=${shape.batch} H=${shape.heads} Hkv=${shape.kvHeads} D=${shape.headDim} T=${shape.queries}`;
    it(`forward and backward match the reference (${name})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const rng = rngFor(seed, n);
      const z = sizes(shape);
      const q = randn(rng, z.q),
        k = randn(rng, z.kv),
        v = randn(rng, z.kv),
        dout = randn(rng, z.q);
      const [bq, bk, bv, bdo] = [q, k, v, dout].map((a) => s.upload(a));
      const rows = shape.batch * shape.heads * shape.queries;
      const o = s.empty(z.q),
        lse = s.empty(rows),
        dvec = s.empty(rows);
      const dq = s.empty(z.q),
        dk = s.empty(z.kv),
        dv = s.empty(z.kv);
      s.run((enc) => {
        encodeAttentionForward(device, enc, shape, { q: bq, k: bk, v: bv, o, lse });
        encodeAttentionBackward(device, enc, shape, {
          q: bq,
          k: bk,
          v: bv,
          o,
          lse,
          dout: bdo,
          dvec,
          dq,
          dk,
          dv,
        });
      });
      expectClose(await s.read(o, z.q), attentionForwardReference(shape, q, k, v), "O");
      const ref = attentionBackwardReference(shape, q, k, v, dout);
      expectClose(await s.read(dq, z.q), ref.dq, "dQ");
      expectClose(await s.read(dk, z.kv), ref.dk, "dK");
      expectClose(await s.read(dv, z.kv), ref.dv, "dV");
      s.dispose();
    });
  });

  it("decodes against a longer key cache (queries at the end of the sequence)", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const shape: AttentionShape = {
      batch: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 8,
      queries: 5,
      keys: 23,
      scale: 0.3,
    };
    const z = sizes(shape);
    const rng = rngFor(seed, 30);
    const q = randn(rng, z.q),
      k = randn(rng, z.kv),
      v = randn(rng, z.kv);
    const o = s.empty(z.q),
      lse = s.empty(shape.batch * shape.heads * shape.queries);
    s.run((enc) =>
      encodeAttentionForward(device, enc, shape, {
        q: s.upload(q),
        k: s.upload(k),
        v: s.upload(v),
        o,
        lse,
      }),
    );
    expectClose(await s.read(o, z.q), attentionForwardReference(shape, q, k, v), "O");
    s.dispose();
  });
});

describe("attention reference", () => {
  it("backward matches finite differences (grouped-query heads)", () => {
    const shape: AttentionShape = { batch: 1, heads: 4, kvHeads: 2, headDim: 3, queries: 4 };
    const z = sizes(shape);
    const rng = rngFor(seed, 40);
    const [q, k, v] = [z.q, z.kv, z.kv].map((n) => toF64(randn(rng, n)));
    const dout = randn(rng, z.q);
    const g = attentionBackwardReference(shape, q, k, v, dout);
    const loss = () => dotLoss(attentionForwardReference(shape, q, k, v), dout);
    expectGradientMatches(loss, q, g.dq, "dQ");
    expectGradientMatches(loss, k, g.dk, "dK");
    expectGradientMatches(loss, v, g.dv, "dV");
  });
});
