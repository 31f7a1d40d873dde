/**
 * LLM kernels against golden values from PyTorch (scripts/fixtures/llm_kernels.py →
 * test/fixtures/kernels/llm-*.json).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeLoraBackward,
  encodeLoraForward,
  type LoraShape,
} from "../../../runtime/kernels/lora.js";
import {
  loraBackwardReference,
  loraForwardReference,
} from "../../../runtime/kernels/reference/lora.js";
import { DYNAMIC_MAP_SIGNED } from "../../../runtime/kernels/nf4-tables.js";
import {
  dequantizeNf4Reference,
  nf4AbsmaxReference,
  quantizeNf4Reference,
} from "../../../runtime/kernels/reference/nf4.js";
import { nf4Blocks, nf4CodeWords, quantizeNf4Gpu } from "../../../runtime/kernels/nf4.js";
import { encodeKdLossBackward, encodeKdLossForward } from "../../../runtime/kernels/kd-loss.js";
import {
  encodeCrossEntropyBackward,
  encodeCrossEntropyForward,
} from "../../../runtime/kernels/cross-entropy.js";
import {
  crossEntropyReference,
  kdLossReference,
} from "../../../runtime/kernels/reference/losses.js";
import {
  encodeAttentionBackward,
  encodeAttentionForward,
  type AttentionShape,
} from "../../../runtime/kernels/attention.js";
import {
  attentionBackwardReference,
  attentionForwardReference,
} from "../../../runtime/kernels/reference/attention.js";
import { encodeRopeForward, ropeTable } from "../../../runtime/kernels/rope.js";
import { ropeForwardReference } from "../../../runtime/kernels/reference/rope.js";
import { GpuScratch, expectClose } from "./llm-kernel-helpers.js";

function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/kernels/${name}`, import.meta.url), "utf8"),
  ) as T;
}
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const f32 = (a: number[]) => Float32Array.from(a);

interface LoraFixture {
  shape: LoraShape;
  x: number[];
  w: number[];
  a: number[];
  b: number[];
  dy: number[];
  h: number[];
  y: number[];
  dx: number[];
  da: number[];
  db: number[];
}
interface Nf4Fixture {
  dynamicMap: number[];
  single: { shape: number[]; w: number[]; codes: string; absmax: number[]; dequantized: number[] };
  double: {
    numel: number;
    codes: string;
    absmax: number[];
    offset: number;
    qabsmax: string;
    absmax2: number[];
    absmaxDequantized: number[];
    dequantizedHead: number[];
  };
}
interface LossFixture {
  rows: number;
  cols: number;
  temperature: number;
  student: number[];
  teacher: number[];
  labels: number[];
  kdLoss: number;
  kdGrad: number[];
  ceLoss: number;
  ceGrad: number[];
}
interface AttentionFixture {
  shape: AttentionShape;
  q: number[];
  k: number[];
  v: number[];
  dout: number[];
  o: number[];
  dq: number[];
  dk: number[];
  dv: number[];
}
interface RopeFixture {
  tokens: number;
  heads: number;
  headDim: number;
  theta: number;
  positions: number[];
  x: number[];
  y: number[];
}

const lora = fixture<LoraFixture>("llm-lora.json");
const nf4 = fixture<Nf4Fixture>("llm-nf4.json");
const losses = fixture<LossFixture>("llm-losses.json");
const attn = fixture<AttentionFixture>("llm-attention.json");
const rope = fixture<RopeFixture>("llm-rope.json");

/** The fixture script's synthetic weight (its docstring formula). */
function syntheticWeight(n: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => (((((i * 7919) % 1009) - 504) / 1000) * ((Math.floor(i / 64) % 13) + 1)) / 13,
  );
}

describe("CPU references against PyTorch / bitsandbytes definitions", () => {
  it("LoRA forward and backward", () => {
    const { shape } = lora;
    const f = loraForwardReference(shape, lora.x, lora.w, lora.a, lora.b);
    const g = loraBackwardReference(shape, lora.x, lora.w, lora.a, lora.b, f.h, lora.dy);
    expectClose(f.y, lora.y, "y", 1e-7);
    expectClose(g.dx, lora.dx, "dx", 1e-7);
    expectClose(g.da, lora.da, "da", 1e-7);
    expectClose(g.db, lora.db, "db", 1e-7);
  });

  it("the dynamic map is bitsandbytes' create_dynamic_map() bit for bit", () => {
    expect([...DYNAMIC_MAP_SIGNED]).toEqual(nf4.dynamicMap.map(Math.fround));
  });

  it("NF4 quantisation: codes, packing, absmax and dequantised values", () => {
    const q = quantizeNf4Reference(f32(nf4.single.w));
    expect(q.codes).toEqual(hex(nf4.single.codes));
    expect([...q.absmax!]).toEqual(nf4.single.absmax.map(Math.fround));
    expect([...dequantizeNf4Reference(q)]).toEqual(nf4.single.dequantized.map(Math.fround));
  });

  it("NF4 double quantisation", () => {
    const d = nf4.double;
    const q = quantizeNf4Reference(syntheticWeight(d.numel), { doubleQuant: true });
    expect(q.codes).toEqual(hex(d.codes));
    // Our mean is a fixed-order f32 reduction, PyTorch's is its own: equal to a few ulp.
    expect(Math.abs(q.dq!.offset - d.offset) / d.offset).toBeLessThan(1e-6);
    expect([...q.dq!.absmax2]).toEqual(d.absmax2.map(Math.fround));
    const want = hex(d.qabsmax);
    const mismatches = [...q.dq!.qabsmax].filter((c, i) => c !== want[i]).length;
    expect(mismatches).toBe(0);
    expectClose(nf4AbsmaxReference(q), d.absmaxDequantized, "absmax", 1e-6);
    expectClose(dequantizeNf4Reference(q).subarray(0, 512), d.dequantizedHead, "W", 1e-6);
  });

  it("KD loss and cross-entropy", () => {
    const shape = { rows: losses.rows, cols: losses.cols };
    const kd = kdLossReference(
      shape,
      losses.student,
      losses.teacher,
      losses.labels,
      losses.temperature,
    );
    expectClose([kd.loss], [losses.kdLoss], "kd loss", 1e-6);
    expectClose(kd.dstudent, losses.kdGrad, "kd grad", 1e-7);
    const ce = crossEntropyReference(shape, losses.student, losses.labels);
    expectClose([ce.loss], [losses.ceLoss], "ce loss", 1e-6);
    expectClose(ce.dlogits, losses.ceGrad, "ce grad", 1e-7);
  });

  it("causal grouped-query attention", () => {
    const o = attentionForwardReference(attn.shape, attn.q, attn.k, attn.v);
    const g = attentionBackwardReference(attn.shape, attn.q, attn.k, attn.v, attn.dout);
    expectClose(o, attn.o, "o", 1e-7);
    expectClose(g.dq, attn.dq, "dq", 1e-7);
    expectClose(g.dk, attn.dk, "dk", 1e-7);
    expectClose(g.dv, attn.dv, "dv", 1e-7);
  });

  it("RoPE (Hugging Face rotate_half)", () => {
    const y = ropeForwardReference(rope, rope.x, rope.positions, rope.theta);
    expectClose(y, rope.y, "y", 1e-6);
  });
});

describeWebGPU("WebGPU kernels against PyTorch goldens", () => {
  it("fused LoRA forward and backward", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const { shape } = lora;
    const { tokens: T, inFeatures: I, outFeatures: O, rank: r } = shape;
    const [x, w, a, b, dy] = [lora.x, lora.w, lora.a, lora.b, lora.dy].map((v) => s.upload(f32(v)));
    const h = s.empty(T * r),
      y = s.empty(T * O),
      g = s.empty(T * r);
    const dx = s.empty(T * I),
      da = s.empty(r * I),
      db = s.empty(O * r);
    s.run((enc) => {
      encodeLoraForward(device, enc, shape, { x, w, a, b, h, y });
      encodeLoraBackward(device, enc, shape, { x, w, a, b, h, dy, g, dx, da, db });
    });
    expectClose(await s.read(y, T * O), lora.y, "y");
    expectClose(await s.read(dx, T * I), lora.dx, "dx");
    expectClose(await s.read(da, r * I), lora.da, "da");
    expectClose(await s.read(db, O * r), lora.db, "db");
    s.dispose();
  }, 300_000); // seven matmul variants to compile

  it("NF4 quantisation (single and double)", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const w1 = f32(nf4.single.w);
    const d = nf4.double;
    const w2 = syntheticWeight(d.numel);
    let one!: ReturnType<typeof quantizeNf4Gpu>, two!: ReturnType<typeof quantizeNf4Gpu>;
    const b1 = s.upload(w1),
      b2 = s.upload(w2);
    s.run((enc) => {
      one = quantizeNf4Gpu(device, enc, b1, w1.length);
      two = quantizeNf4Gpu(device, enc, b2, d.numel, { doubleQuant: true });
    });
    const c1 = await s.readU32(one.weight.codes, nf4CodeWords(w1.length));
    expect(new Uint8Array(c1.buffer, 0, Math.ceil(w1.length / 2))).toEqual(hex(nf4.single.codes));
    expect([...(await s.read(one.weight.absmax!, nf4Blocks(w1.length)))]).toEqual(
      nf4.single.absmax.map(Math.fround),
    );
    const c2 = await s.readU32(two.weight.codes, nf4CodeWords(d.numel));
    expect(new Uint8Array(c2.buffer, 0, Math.ceil(d.numel / 2))).toEqual(hex(d.codes));
    const blocks = nf4Blocks(d.numel);
    const q = await s.readU32(two.weight.dq!.qabsmax, Math.ceil(blocks / 4));
    expect(new Uint8Array(q.buffer, 0, blocks)).toEqual(hex(d.qabsmax));
    s.dispose();
    for (const x of [...one.scratch, ...two.scratch]) x.destroy();
  });

  it("KD loss and cross-entropy", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const shape = { rows: losses.rows, cols: losses.cols };
    const st = s.upload(f32(losses.student)),
      te = s.upload(f32(losses.teacher));
    const labels = s.upload(Int32Array.from(losses.labels));
    const lse = s.empty(2 * shape.rows),
      rowLoss = s.empty(shape.rows);
    const kdOut = s.empty(2),
      ceOut = s.empty(2),
      ds = s.empty(losses.student.length),
      dx = s.empty(losses.student.length);
    const ceLse = s.empty(shape.rows);
    s.run((enc) => {
      encodeKdLossForward(device, enc, shape, losses.temperature, {
        student: st,
        teacher: te,
        labels,
        lse,
        rowLoss,
        out: kdOut,
      });
      encodeKdLossBackward(device, enc, shape, losses.temperature, {
        student: st,
        teacher: te,
        labels,
        lse,
        out: kdOut,
        dstudent: ds,
      });
      encodeCrossEntropyForward(device, enc, shape, {
        logits: st,
        labels,
        lse: ceLse,
        rowLoss,
        out: ceOut,
      });
      encodeCrossEntropyBackward(device, enc, shape, {
        logits: st,
        labels,
        lse: ceLse,
        out: ceOut,
        dlogits: dx,
      });
    });
    expectClose([(await s.read(kdOut, 1))[0]], [losses.kdLoss], "kd loss");
    expectClose(await s.read(ds, losses.student.length), losses.kdGrad, "kd grad");
    expectClose([(await s.read(ceOut, 1))[0]], [losses.ceLoss], "ce loss");
    expectClose(await s.read(dx, losses.student.length), losses.ceGrad, "ce grad");
    s.dispose();
  });

  it("causal grouped-query attention forward and backward", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const sh = attn.shape;
    const [q, k, v, dout] = [attn.q, attn.k, attn.v, attn.dout].map((a) => s.upload(f32(a)));
    const rows = sh.batch * sh.heads * sh.queries;
    const o = s.empty(attn.q.length),
      lse = s.empty(rows),
      dvec = s.empty(rows);
    const dq = s.empty(attn.q.length),
      dk = s.empty(attn.k.length),
      dv = s.empty(attn.v.length);
    s.run((enc) => {
      encodeAttentionForward(device, enc, sh, { q, k, v, o, lse });
      encodeAttentionBackward(device, enc, sh, { q, k, v, o, lse, dout, dvec, dq, dk, dv });
    });
    expectClose(await s.read(o, attn.o.length), attn.o, "o");
    expectClose(await s.read(dq, attn.dq.length), attn.dq, "dq");
    expectClose(await s.read(dk, attn.dk.length), attn.dk, "dk");
    expectClose(await s.read(dv, attn.dv.length), attn.dv, "dv");
    s.dispose();
  });

  it("RoPE", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const x = s.upload(f32(rope.x)),
      positions = s.upload(Uint32Array.from(rope.positions));
    const table = s.upload(ropeTable(rope.theta, rope.headDim, 4096));
    const y = s.empty(rope.x.length);
    s.run((enc) => encodeRopeForward(device, enc, rope, { x, positions, table, y }));
    expectClose(await s.read(y, rope.y.length), rope.y, "y");
    s.dispose();
  });
});
