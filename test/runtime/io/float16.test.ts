import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  bf16ArrayToF32,
  bf16BitsToF32,
  f16ArrayToF32,
  f16BitsToF32,
  f32ArrayToBf16,
  f32ArrayToF16,
  f32ToBf16Bits,
  f32ToF16Bits,
  f8e4m3BitsToF32,
  f8e5m2BitsToF32,
} from "../../../runtime/io/float16.js";

const golden = JSON.parse(
  fs.readFileSync(
    path.resolve(import.meta.dirname, "../../fixtures/safetensors/reference.json"),
    "utf8",
  ),
) as { rounding: { values_f32_bits: number[]; f16_bits: number[]; bf16_bits: number[] } };

const fromBits = (bits: number): number => new Float32Array(new Uint32Array([bits]).buffer)[0];

describe("f16 / bf16 conversions", () => {
  it("round to nearest even exactly as numpy (f16) and torch (bf16) do", () => {
    const { values_f32_bits, f16_bits, bf16_bits } = golden.rounding;
    values_f32_bits.forEach((bits, i) => {
      const v = fromBits(bits);
      expect(f32ToF16Bits(v), `f16 of ${v}`).toBe(f16_bits[i]);
      expect(f32ToBf16Bits(v), `bf16 of ${v}`).toBe(bf16_bits[i]);
    });
  });

  it("every non-NaN half survives half → f32 → half", () => {
    const bad: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = f16BitsToF32(h);
      if (!Number.isNaN(v) && f32ToF16Bits(v) !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it("every non-NaN bfloat16 survives bf16 → f32 → bf16", () => {
    const bad: number[] = [];
    for (let b = 0; b < 0x10000; b++) {
      const v = bf16BitsToF32(b);
      if (!Number.isNaN(v) && f32ToBf16Bits(v) !== b) bad.push(b);
    }
    expect(bad).toEqual([]);
  });

  it("known values and specials", () => {
    expect(f16BitsToF32(0x3c00)).toBe(1);
    expect(f16BitsToF32(0xc000)).toBe(-2);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(f16BitsToF32(0x7e00))).toBe(true);
    expect(f32ToF16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
  });

  it("array helpers agree with the scalar ones", () => {
    const values = [0, 1.5, -3.25, 1e-5, 70000, -1e-9];
    const h = f32ArrayToF16(values);
    const b = f32ArrayToBf16(values);
    expect(Array.from(f16ArrayToF32(h))).toEqual(Array.from(h, f16BitsToF32));
    expect(Array.from(bf16ArrayToF32(b))).toEqual(Array.from(b, bf16BitsToF32));
  });

  it("fp8 formats decode", () => {
    expect(f8e4m3BitsToF32(0x38)).toBe(1); // 0.0111.000
    expect(f8e4m3BitsToF32(0x7e)).toBe(448); // largest finite E4M3FN
    expect(Number.isNaN(f8e4m3BitsToF32(0x7f))).toBe(true);
    expect(f8e4m3BitsToF32(0x01)).toBe(2 ** -9);
    expect(f8e5m2BitsToF32(0x3c)).toBe(1);
    expect(f8e5m2BitsToF32(0x7b)).toBe(57344);
  });
});
