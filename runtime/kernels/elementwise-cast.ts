/**
 * Element-type conversion, GPU kernel and CPU reference. Packed types: f16 is two per 32-bit
 * word (element 2w in the low half), u8 four per word (element 4w in the low byte). One
 * invocation writes one output word. float → int truncates toward zero and saturates;
 * i32 ↔ u32 reinterpret the bits; → u8 clamps to [0, 255]; → f16 rounds to nearest even.
 */
import { dispatch, memoizeCode, uniformBuffer, type BufferBinding } from "./launch.js";
import { LINEAR_INDEX, LINEAR_PARAMS, linearGrid } from "./elementwise.js";
import {
  f16BitsToFloat32,
  float32ToF16Bits,
  isFloat,
  type DType,
  type TensorData,
} from "../tensor/dtype.js";
import type { CpuBackend } from "../backend/cpu-backend.js";

const PER_WORD: Record<DType, number> = { f32: 1, u32: 1, i32: 1, f16: 2, u8: 4 };

function fetchF(from: DType): string {
  switch (from) {
    case "f32":
      return "bitcast<f32>(s[i])";
    case "f16":
      return "unpack2x16float(s[i / 2u])[i % 2u]";
    case "i32":
      return "f32(bitcast<i32>(s[i]))";
    case "u32":
      return "f32(s[i])";
    case "u8":
      return "f32((s[i / 4u] >> (8u * (i % 4u))) & 255u)";
  }
}

function fetchI(from: DType): string {
  switch (from) {
    case "f32":
    case "f16":
      return `i32(${fetchF(from)})`;
    case "i32":
    case "u32":
      return "bitcast<i32>(s[i])";
    case "u8":
      return "i32((s[i / 4u] >> (8u * (i % 4u))) & 255u)";
  }
}

const castCode = memoizeCode((from: DType, to: DType) => `${from}>${to}`, castCodeUncached);
function castCodeUncached(from: DType, to: DType): string {
  const float = isFloat(from);
  let body: string;
  switch (to) {
    case "f32":
      body = `let i = w; d[w] = bitcast<u32>(fv(i));`;
      break;
    case "f16":
      body = `let i0 = 2u * w; let x0 = fv(i0); var x1 = 0.0; if (i0 + 1u < p.n) { x1 = fv(i0 + 1u); }
  d[w] = pack2x16float(vec2<f32>(x0, x1));`;
      break;
    case "i32":
      body = float ? `d[w] = bitcast<u32>(i32(fv(w)));` : `d[w] = bitcast<u32>(iv(w));`;
      break;
    case "u32":
      body = float ? `d[w] = u32(fv(w));` : `d[w] = bitcast<u32>(iv(w));`;
      break;
    case "u8":
      body = `var word = 0u;
  for (var e = 0u; e < 4u; e++) {
    let i = 4u * w + e;
    if (i < p.n) {
      ${float ? "let v = u32(clamp(fv(i), 0.0, 255.0));" : "let v = u32(clamp(iv(i), 0, 255));"}
      word = word | (v << (8u * e));
    }
  }
  d[w] = word;`;
      break;
  }
  return /* wgsl */ `
struct P { n: u32, words: u32 }
@group(0) @binding(0) var<storage, read> s: array<u32>;
@group(0) @binding(1) var<storage, read_write> d: array<u32>;
@group(0) @binding(2) var<uniform> p: P;
fn fv(i: u32) -> f32 { return ${fetchF(from)}; }
fn iv(i: u32) -> i32 { return ${fetchI(from)}; }
@compute @workgroup_size(64)
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  let w = gi;
  if (w >= p.words) { return; }
  ${body}
}`;
}

export interface CastArgs {
  x: BufferBinding;
  out: BufferBinding;
  from: DType;
  to: DType;
  n: number;
}

export function encodeCast(device: GPUDevice, encoder: GPUCommandEncoder, args: CastArgs): void {
  const words = Math.ceil(args.n / PER_WORD[args.to]);
  dispatch(
    device,
    {
      code: castCode(args.from, args.to),
      bindings: [args.x, args.out, uniformBuffer(device, new Uint32Array([args.n, words]))],
      workgroups: linearGrid(words),
    },
    encoder,
  );
}

/** CPU reference with the same rules. */
export function castCpu(be: CpuBackend, x: TensorData, from: DType, to: DType): TensorData {
  const n = x.length;
  const sat = (v: number, lo: number, hi: number) =>
    Math.min(hi, Math.max(lo, Number.isNaN(v) ? 0 : v));
  switch (to) {
    case "f32": {
      const out = be.floatArray(n);
      for (let i = 0; i < n; i++) out[i] = x[i];
      return out;
    }
    case "f16": {
      const out = be.floatArray(n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToFloat32(float32ToF16Bits(x[i]));
      return out;
    }
    case "i32": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++)
        out[i] = isFloat(from) ? sat(Math.trunc(x[i]), -2147483648, 2147483647) : x[i] | 0;
      return out;
    }
    case "u32": {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++)
        out[i] = isFloat(from) ? sat(Math.trunc(x[i]), 0, 4294967295) : x[i] >>> 0;
      return out;
    }
    case "u8": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = isFloat(from) ? Math.trunc(x[i]) : from === "u32" ? x[i] >>> 0 : x[i] | 0;
        out[i] = sat(v, 0, 255);
      }
      return out;
    }
  }
}
