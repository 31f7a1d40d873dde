import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeNf4AbsmaxDequantize,
  encodeNf4Dequantize,
  nf4Blocks,
  nf4CodeWords,
  nf4DqBlocks,
  nf4GpuBytes,
  quantizeNf4Gpu,
} from "../../../runtime/kernels/nf4.js";
import {
  encodeNf4MatmulBackward,
  encodeNf4MatmulForward,
} from "../../../runtime/kernels/nf4-matmul.js";
import {
  dequantizeNf4Reference,
  dynamicCode,
  nf4AbsmaxReference,
  nf4Code,
  nf4CodeAt,
  nf4StorageBytes,
  quantizeNf4Reference,
} from "../../../runtime/kernels/reference/nf4.js";
import { matmulReference } from "../../../runtime/kernels/reference/lora.js";
import { DYNAMIC_MAP_SIGNED, NF4_VALUES } from "../../../runtime/kernels/nf4-tables.js";
import { GpuScratch, expectClose, freshSeed, randn, rngFor } from "./llm-kernel-helpers.js";

const seed = freshSeed();

function bytesOf(words: Uint32Array, count: number): Uint8Array {
  return new Uint8Array(words.buffer, 0, count);
}

describe("NF4 reference (bitsandbytes rules)", () => {
  it("codes each table value to itself and splits at the midpoints", () => {
    NF4_VALUES.forEach((v, i) => expect(nf4Code(v)).toBe(i));
    for (let i = 0; i < 15; i++) {
      const mid = (NF4_VALUES[i] + NF4_VALUES[i + 1]) / 2;
      expect(nf4Code(mid - 1e-6)).toBe(i);
      expect(nf4Code(mid + 1e-6)).toBe(i + 1);
    }
  });

  it("packs the even element into the high nibble and pads an odd tail with code 7", () => {
    const q = quantizeNf4Reference([1, -1, 0.5, 0]);
    expect(q.absmax![0]).toBe(1);
    expect(q.codes[0]).toBe((15 << 4) | 0);
    expect(q.codes[1]).toBe((nf4Code(0.5) << 4) | 7);
    const odd = quantizeNf4Reference([2, -2, 1]);
    expect(odd.codes.length).toBe(2);
    expect(odd.codes[1]).toBe((nf4Code(0.5) << 4) | 7);
    const zeros = quantizeNf4Reference(new Float32Array(70));
    expect([...zeros.codes].every((c) => c === 0)).toBe(true);
    expect([...dequantizeNf4Reference(zeros)].every((v) => v === 0)).toBe(true);
  });

  it("round-trips within half a code step of each block's absmax", () => {
    const rng = rngFor(seed, 1);
    const w = randn(rng, 1000);
    for (const doubleQuant of [false, true]) {
      const q = quantizeNf4Reference(w, { doubleQuant });
      const back = dequantizeNf4Reference(q);
      const absmax = nf4AbsmaxReference(q);
      for (let i = 0; i < w.length; i++) {
        expect(Math.abs(back[i] - w[i])).toBeLessThan(0.17 * absmax[Math.floor(i / 64)] + 1e-3);
      }
    }
  });

  it("double quantisation: nearest dynamic-map entry, absmax within 1% ", () => {
    const map = DYNAMIC_MAP_SIGNED;
    const rng = rngFor(seed, 2);
    for (let t = 0; t < 2000; t++) {
      const x = Math.fround(rng.next() * 2 - 1);
      const c = dynamicCode(map, x);
      const best = map.reduce((bi, v, i) => (Math.abs(v - x) < Math.abs(map[bi] - x) ? i : bi), 0);
      expect(Math.abs(map[c] - x)).toBeCloseTo(Math.abs(map[best] - x), 7);
    }
    const w = randn(rng, 64 * 600);
    const single = quantizeNf4Reference(w);
    const double = quantizeNf4Reference(w, { doubleQuant: true });
    expect(double.codes).toEqual(single.codes);
    const a1 = single.absmax!;
    const a2 = nf4AbsmaxReference(double);
    for (let i = 0; i < a1.length; i++) expect(Math.abs(a2[i] - a1[i]) / a1[i]).toBeLessThan(0.01);
  });

  it("meets the storage targets: ≤ 0.15× fp32, ≤ 0.135× with double quantisation", () => {
    const numel = 1024 * 1024;
    expect(nf4StorageBytes({ numel }) / (4 * numel)).toBeLessThanOrEqual(0.15);
    const dq = { qabsmax: new Uint8Array(), absmax2: new Float32Array(), offset: 0 };
    expect(nf4StorageBytes({ numel, dq }) / (4 * numel)).toBeLessThanOrEqual(0.135);
  });
});

describeWebGPU(`NF4 kernels (seed ${seed})`, () => {
  for (const doubleQuant of [false, true]) {
    it(`quantises bit-identically to the reference${doubleQuant ? " with double quantisation" : ""}`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const numel = 64 * 300 + 37; // a partial last block, an odd element count
      const w = randn(rngFor(seed, 10), numel, 0.05);
      w[64 * 5 + 3] = 0.4; // one outlier block
      for (let i = 64 * 7; i < 64 * 8; i++) w[i] = 0; // an all-zero block
      const bw = s.upload(w);
      let gw!: ReturnType<typeof quantizeNf4Gpu>;
      s.run((enc) => (gw = quantizeNf4Gpu(device, enc, bw, numel, { doubleQuant })));
      const ref = quantizeNf4Reference(w, { doubleQuant });
      const codes = await s.readU32(gw.weight.codes, nf4CodeWords(numel));
      expect(bytesOf(codes, ref.codes.length)).toEqual(ref.codes);
      const blocks = nf4Blocks(numel);
      if (!doubleQuant) {
        expect(await s.read(gw.weight.absmax!, blocks)).toEqual(ref.absmax);
      } else {
        const dq = gw.weight.dq!;
        expect((await s.read(dq.offset, 1))[0]).toBe(ref.dq!.offset);
        expect(await s.read(dq.absmax2, nf4DqBlocks(numel))).toEqual(ref.dq!.absmax2);
        const q = await s.readU32(dq.qabsmax, Math.ceil(blocks / 4));
        expect(bytesOf(q, blocks)).toEqual(ref.dq!.qabsmax);
        const absmax = s.empty(blocks);
        s.run((enc) => encodeNf4AbsmaxDequantize(device, enc, blocks, { ...dq, absmax }));
        expectClose(await s.read(absmax, blocks), nf4AbsmaxReference(ref), "absmax", 1e-6);
      }
      // dequantise
      const absmax = gw.weight.absmax ?? s.empty(blocks);
      const out = s.empty(numel);
      s.run((enc) => {
        if (gw.weight.dq)
          encodeNf4AbsmaxDequantize(device, enc, blocks, { ...gw.weight.dq, absmax });
        encodeNf4Dequantize(device, enc, numel, { codes: gw.weight.codes, absmax, out });
      });
      expectClose(await s.read(out, numel), dequantizeNf4Reference(ref), "dequantised W", 1e-6);
      s.dispose();
      gw.scratch.forEach((b) => b.destroy());
    });
  }

  const shapes = [
    { tokens: 67, inFeatures: 129, outFeatures: 33 }, // per-element paths
    { tokens: 37, inFeatures: 136, outFeatures: 40 }, // fast forward, per-element backward
    { tokens: 61, inFeatures: 192, outFeatures: 72 }, // both fast, ragged tiles
  ];
  // The forward with and without the subgroup kernel, M below and above the subgroup tile.
  for (const [T, I, O] of [
    [5, 64, 24],
    [19, 136, 70],
    [40, 128, 9],
  ]) {
    it(`fused matmul forward, both kernels agree with the reference (T=${T} in=${I} out=${O})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const shape = { tokens: T, inFeatures: I, outFeatures: O };
      const rng = rngFor(seed, 40 + T);
      const w = randn(rng, O * I, 0.1);
      const x = randn(rng, T * I);
      const bx = s.upload(x);
      for (const doubleQuant of [false, true]) {
        let gw!: ReturnType<typeof quantizeNf4Gpu>;
        s.run((enc) => (gw = quantizeNf4Gpu(device, enc, s.upload(w), O * I, { doubleQuant })));
        const wq = dequantizeNf4Reference(quantizeNf4Reference(w, { doubleQuant }));
        const expected = matmulReference(x, wq, T, O, I, { b: "nk" });
        for (const useSubgroups of [true, false]) {
          const y = s.empty(T * O);
          s.run((enc) =>
            encodeNf4MatmulForward(
              device,
              enc,
              shape,
              gw.weight,
              { x: bx, y },
              undefined,
              useSubgroups,
            ),
          );
          expectClose(await s.read(y, T * O), expected, `Y (subgroups ${useSubgroups})`);
        }
        gw.scratch.forEach((b) => b.destroy());
      }
      s.dispose();
    });
  }

  shapes.forEach((shape, n) => {
    for (const doubleQuant of [false, true]) {
      const name = `T=${shape.tokens} in=${shape.inFeatures} out=${shape.outFeatures}${doubleQuant ? " dq" : ""}`;
      it(`fused matmul forward and input gradient match the reference (${name})`, async () => {
        const { device } = await gpu();
        const s = new GpuScratch(device);
        const { tokens: T, inFeatures: I, outFeatures: O } = shape;
        const rng = rngFor(seed, 20 + n);
        const w = randn(rng, O * I, 0.1);
        const x = randn(rng, T * I);
        const dy = randn(rng, T * O);
        const bw = s.upload(w),
          bx = s.upload(x),
          bdy = s.upload(dy);
        const y = s.empty(T * O),
          dx = s.empty(T * I);
        let gw!: ReturnType<typeof quantizeNf4Gpu>;
        s.run((enc) => (gw = quantizeNf4Gpu(device, enc, bw, O * I, { doubleQuant })));
        s.run((enc) => {
          encodeNf4MatmulForward(device, enc, shape, gw.weight, { x: bx, y });
          encodeNf4MatmulBackward(device, enc, shape, gw.weight, { dy: bdy, dx });
        });
        const wq = dequantizeNf4Reference(quantizeNf4Reference(w, { doubleQuant }));
        expectClose(await s.read(y, T * O), matmulReference(x, wq, T, O, I, { b: "nk" }), "Y");
        expectClose(await s.read(dx, T * I), matmulReference(dy, wq, T, I, O), "dX");
        expect(nf4GpuBytes(gw.weight)).toBe(
          nf4StorageBytes({ numel: O * I, dq: gw.weight.dq && ({} as never) }),
        );
        s.dispose();
        gw.scratch.forEach((b) => b.destroy());
      });
    }
  });
});
