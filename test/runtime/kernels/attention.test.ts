import { describe, expect, it } from "vitest";
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
  relError,
  rngFor,
  toF64,
} from "./llm-kernel-helpers.js";

const seed = freshSeed();

function sizes(s: AttentionShape) {
  const Tk = s.keys ?? s.queries;
  return { q: s.batch * s.queries * s.heads * s.headDim, kv: s.batch * Tk * s.kvHeads * s.headDim };
}

/**
 * Segment ids [B, T] as packing makes them: runs of 1, 2, … of random lengths, then padding
 * (id 0) at the end of some rows; `scattered` draws every id at random instead (the kernel's
 * rule is id equality, not contiguity).
 */
function segmentIds(
  rng: ReturnType<typeof rngFor>,
  B: number,
  T: number,
  scattered = false,
): Uint32Array {
  const out = new Uint32Array(B * T);
  for (let b = 0; b < B; b++) {
    if (scattered) {
      for (let t = 0; t < T; t++) out[b * T + t] = rng.nextUint32() % 4;
      continue;
    }
    const pad = rng.nextUint32() % Math.max(1, Math.floor(T / 5));
    let id = 1;
    let left = 1 + (rng.nextUint32() % Math.max(1, Math.floor(T / 3)));
    for (let t = 0; t < T - pad; t++) {
      if (left === 0) {
        id++;
        left = 1 + (rng.nextUint32() % Math.max(1, Math.floor(T / 3)));
      }
      out[b * T + t] = id;
      left--;
    }
  }
  return out;
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

  const segmentedCases: { shape: AttentionShape; scattered: boolean }[] = [
    { shape: { batch: 2, heads: 4, kvHeads: 2, headDim: 12, queries: 67 }, scattered: false },
    { shape: { batch: 3, heads: 2, kvHeads: 1, headDim: 16, queries: 37 }, scattered: false },
    { shape: { batch: 1, heads: 3, kvHeads: 3, headDim: 8, queries: 29 }, scattered: true },
  ];
  segmentedCases.forEach(({ shape, scattered }, n) => {
    const name = `B=${shape.batch} H=${shape.heads} Hkv=${shape.kvHeads} D=${shape.headDim} T=${shape.queries}${scattered ? ", scattered ids" : ""}`;
    it(`segment-masked forward and backward match the reference (${name})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const rng = rngFor(seed, 50 + n);
      const z = sizes(shape);
      const q = randn(rng, z.q),
        k = randn(rng, z.kv),
        v = randn(rng, z.kv),
        dout = randn(rng, z.q);
      const seg = segmentIds(rng, shape.batch, shape.queries, scattered);
      const [bq, bk, bv, bdo, bseg] = [q, k, v, dout, seg].map((a) => s.upload(a));
      const rows = shape.batch * shape.heads * shape.queries;
      const o = s.empty(z.q),
        lse = s.empty(rows),
        dvec = s.empty(rows);
      const dq = s.empty(z.q),
        dk = s.empty(z.kv),
        dv = s.empty(z.kv);
      s.run((enc) => {
        encodeAttentionForward(device, enc, shape, {
          q: bq,
          k: bk,
          v: bv,
          o,
          lse,
          segments: bseg,
        });
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
          segments: bseg,
        });
      });
      const refO = attentionForwardReference(shape, q, k, v, seg);
      expectClose(await s.read(o, z.q), refO, "O");
      // The mask changes the result (the test would pass vacuously otherwise).
      expect(relError(refO, attentionForwardReference(shape, q, k, v))).toBeGreaterThan(1e-2);
      const ref = attentionBackwardReference(shape, q, k, v, dout, seg);
      expectClose(await s.read(dq, z.q), ref.dq, "dQ");
      expectClose(await s.read(dk, z.kv), ref.dk, "dK");
      expectClose(await s.read(dv, z.kv), ref.dv, "dV");
      s.dispose();
    });
  });

  it("segment-masked decoding against a longer key cache", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const shape: AttentionShape = {
      batch: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 8,
      queries: 7,
      keys: 41,
    };
    const z = sizes(shape);
    const rng = rngFor(seed, 60);
    const q = randn(rng, z.q),
      k = randn(rng, z.kv),
      v = randn(rng, z.kv);
    const seg = segmentIds(rng, shape.batch, 41);
    const o = s.empty(z.q),
      lse = s.empty(shape.batch * shape.heads * shape.queries);
    s.run((enc) =>
      encodeAttentionForward(device, enc, shape, {
        q: s.upload(q),
        k: s.upload(k),
        v: s.upload(v),
        o,
        lse,
        segments: s.upload(seg),
      }),
    );
    expectClose(await s.read(o, z.q), attentionForwardReference(shape, q, k, v, seg), "O");
    s.dispose();
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

  it("segment-masked backward matches finite differences", () => {
    const shape: AttentionShape = { batch: 2, heads: 4, kvHeads: 2, headDim: 3, queries: 9 };
    const z = sizes(shape);
    const rng = rngFor(seed, 41);
    const [q, k, v] = [z.q, z.kv, z.kv].map((n) => toF64(randn(rng, n)));
    const dout = randn(rng, z.q);
    // Row 0: three segments and padding; row 1: scattered ids.
    const seg = [1, 1, 1, 2, 2, 3, 3, 3, 0, 2, 0, 1, 2, 2, 1, 0, 1, 2];
    const g = attentionBackwardReference(shape, q, k, v, dout, seg);
    const loss = () => dotLoss(attentionForwardReference(shape, q, k, v, seg), dout);
    expectGradientMatches(loss, q, g.dq, "dQ");
    expectGradientMatches(loss, k, g.dk, "dK");
    expectGradientMatches(loss, v, g.dv, "dV");
  });

  it("segments: each segment equals attention over that segment alone", () => {
    // Rows [A A A B B] with segments [1 1 1 2 2]: outputs of B equal B run on its own.
    const shape: AttentionShape = { batch: 1, heads: 2, kvHeads: 1, headDim: 4, queries: 5 };
    const z = sizes(shape);
    const rng = rngFor(seed, 42);
    const q = randn(rng, z.q),
      k = randn(rng, z.kv),
      v = randn(rng, z.kv);
    const packed = attentionForwardReference(shape, q, k, v, [1, 1, 1, 2, 2]);
    const alone: AttentionShape = { ...shape, queries: 2 };
    const qB = q.slice(3 * 2 * 4),
      kB = k.slice(3 * 4),
      vB = v.slice(3 * 4);
    const ref = attentionForwardReference(alone, qB, kB, vB);
    expectClose(packed.slice(3 * 2 * 4), ref, "segment B");
  });
});
