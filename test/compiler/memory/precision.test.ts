import { describe, expect, it } from "vitest";
import {
  int8Bytes,
  matrixBytes,
  nf4Bytes,
  optimizerStateBytes,
} from "../../../compiler/memory/precision.js";

describe("bytes by precision", () => {
  it("NF4: codes + f32 absmax per 64 (4.5 bits per weight)", () => {
    const n = 4096 * 4096;
    expect(nf4Bytes(n, false)).toEqual({
      data: n / 2,
      scales: 4 * (n / 64),
      total: n / 2 + n / 16,
    });
    expect((8 * nf4Bytes(n, false).total) / n).toBe(4.5);
  });

  it("NF4 with double quantisation: 8-bit absmax + f32 per 256 absmax + f32 offset (≈4.127 bits)", () => {
    const n = 4096 * 4096;
    expect(nf4Bytes(n, true)).toEqual({
      data: 8_388_608,
      scales: 262_144 + 4 * 1024 + 4,
      total: 8_654_852,
    });
    expect((8 * nf4Bytes(n, true).total) / n).toBeCloseTo(4.127, 3);
  });

  it("NF4 rounds partial blocks up", () => {
    expect(nf4Bytes(65, false)).toEqual({ data: 33, scales: 8, total: 41 });
    expect(nf4Bytes(65, true)).toEqual({ data: 33, scales: 2 + 4 + 4, total: 43 });
  });

  it("int8 and floats", () => {
    expect(int8Bytes(11008, 4096).total).toBe(11008 * 4096 + 4 * 11008);
    expect(matrixBytes(3, 5, "fp32").total).toBe(60);
    expect(matrixBytes(3, 5, "bf16").total).toBe(30);
    expect(matrixBytes(3, 5, "fp16").scales).toBe(0);
  });

  it("optimizer states", () => {
    expect(optimizerStateBytes(1000, "adamw")).toBe(8000);
    expect(optimizerStateBytes(4095, "adamw-8bit")).toBe(8 * 4095);
    expect(optimizerStateBytes(4096, "adamw-8bit")).toBe(2 * 4096 + 8 * 16);
    expect(optimizerStateBytes(4097, "adamw-8bit")).toBe(2 * 4097 + 8 * 17);
  });
});
