import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import {
  floatTensor,
  parseSafetensorsHeader,
  readSafetensors,
  readSafetensorsHeader,
  readTensor,
  readTensorAsFloat32,
  serializeSafetensors,
  writeSafetensors,
  type SafetensorsDtype,
  type TensorToWrite,
} from "../../../runtime/io/safetensors.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/safetensors");
const REFERENCE = path.join(FIXTURES, "reference.safetensors");
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, "reference.json"), "utf8")) as {
  metadata: Record<string, string>;
  tensors: Record<string, { shape: number[]; values: (number | string)[] }>;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pw-safetensors-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function expectPipeError(
  fn: () => unknown,
  code: string,
  pathPart: string,
  text?: RegExp,
): PipeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PipeError);
    const e = err as PipeError;
    expect(e.code).toBe(code);
    expect(e.message).toContain(pathPart);
    expect(e.place.path).toContain(pathPart);
    if (text) expect(e.message).toMatch(text);
    return e;
  }
  throw new Error("expected a PipeError");
}

/** A file made of a raw header string and `dataBytes` zero bytes. */
function rawFile(name: string, header: string, dataBytes: number, lengthOverride?: bigint): string {
  const json = Buffer.from(header, "utf8");
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(lengthOverride ?? BigInt(json.length), 0);
  json.copy(out, 8);
  const file = path.join(tmp, name);
  fs.writeFileSync(file, out);
  return file;
}

describe("reading a file written by the reference implementation", () => {
  it("parses the header: metadata, names, dtypes, shapes, offsets in order", () => {
    const h = readSafetensorsHeader(REFERENCE);
    expect(h.metadata).toEqual(golden.metadata);
    expect(new Set(h.tensors.keys())).toEqual(new Set(Object.keys(golden.tensors)));
    expect(h.tensors.get("f16")).toMatchObject({ dtype: "F16", shape: [4, 3] });
    expect(h.tensors.get("scalar")).toMatchObject({ dtype: "F32", shape: [] });
    expect(h.tensors.get("empty")!.dataOffsets[0]).toBe(h.tensors.get("empty")!.dataOffsets[1]);
    expect(h.dataStart).toBe(8 + h.headerLength);
    expect(h.headerLength % 8).toBe(0);
    const offsets = [...h.tensors.values()].map((t) => t.dataOffsets[0]);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it("reads every dtype into the right typed array with the reference values", () => {
    const h = readSafetensorsHeader(REFERENCE);
    for (const [name, want] of Object.entries(golden.tensors)) {
      const t = readTensor(h, name);
      expect(t.shape).toEqual(want.shape);
      const got =
        t.dtype === "I64" || t.dtype === "U64"
          ? Array.from(t.data as BigInt64Array, (v) =>
              v > 2n ** 53n || v < -(2n ** 53n) ? v.toString() : Number(v),
            )
          : t.dtype === "F16" || t.dtype === "F32"
            ? Array.from(readTensorAsFloat32(h, name))
            : Array.from(t.data as Int32Array);
      if (t.dtype === "F64") {
        expect(Array.from(t.data as Float64Array)).toEqual(want.values);
      } else if (t.dtype === "F32") {
        expect(got).toEqual(want.values.map((v) => Math.fround(v as number)));
      } else {
        expect(got).toEqual(want.values);
      }
    }
    expect(readTensor(h, "i8").data).toBeInstanceOf(Int8Array);
    expect(readTensor(h, "u32").data).toBeInstanceOf(Uint32Array);
    expect(readTensor(h, "f16").data).toBeInstanceOf(Uint16Array);
    expect(readTensor(h, "bool").data).toBeInstanceOf(Uint8Array);
    expect(readTensor(h, "i64").data).toBeInstanceOf(BigInt64Array);
  });

  it("re-serialises the reference file to identical bytes", () => {
    const { header, tensors } = readSafetensors(REFERENCE);
    const toWrite = new Map<string, TensorToWrite>();
    for (const [name, t] of tensors)
      toWrite.set(name, { dtype: t.dtype, shape: t.shape, data: t.data });
    const ours = serializeSafetensors(toWrite, header.metadata);
    expect(Buffer.from(ours).equals(fs.readFileSync(REFERENCE))).toBe(true);
  });
});

describe("header-only reads", () => {
  it("reads the header of a 4 GB file without reading its data", () => {
    const n = 1_000_000_000;
    const header = JSON.stringify({ big: { dtype: "F32", shape: [n], data_offsets: [0, 4 * n] } });
    const file = rawFile("sparse.safetensors", header.padEnd(Math.ceil(header.length / 8) * 8), 0);
    fs.truncateSync(file, fs.statSync(file).size + 4 * n); // sparse: no blocks are written
    const t0 = performance.now();
    const h = readSafetensorsHeader(file);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(h.tensors.get("big")).toMatchObject({ dtype: "F32", shape: [n] });
    fs.rmSync(file);
  });
});

describe("bad files are PipeErrors naming the file", () => {
  it("missing file", () => {
    expectPipeError(
      () => readSafetensorsHeader(path.join(tmp, "nope.safetensors")),
      "PW3010",
      "nope.safetensors",
      /no such file/,
    );
  });
  it("file shorter than 8 bytes", () => {
    const file = path.join(tmp, "short.safetensors");
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    expectPipeError(() => readSafetensorsHeader(file), "PW3011", "short.safetensors", /too short/);
  });
  it("not a safetensors file (huge header length)", () => {
    const file = path.join(tmp, "text.safetensors");
    fs.writeFileSync(file, "this is plain text, not a safetensors file");
    expectPipeError(
      () => readSafetensorsHeader(file),
      "PW3011",
      "text.safetensors",
      /100 MB|past the end/,
    );
  });
  it("header length past the end of the file", () => {
    const file = rawFile("cut-header.safetensors", "{}      ", 0, 4096n);
    expectPipeError(() => readSafetensorsHeader(file), "PW3011", "cut-header", /runs past the end/);
  });
  it("invalid JSON", () => {
    const file = rawFile("badjson.safetensors", '{"a": [1, 2}   ', 0);
    expectPipeError(() => readSafetensorsHeader(file), "PW3011", "badjson", /not valid JSON/);
  });
  it("truncated data section (an interrupted download)", () => {
    const file = rawFile(
      "truncated.safetensors",
      '{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}',
      10,
    );
    const e = expectPipeError(
      () => readSafetensorsHeader(file),
      "PW3011",
      "truncated",
      /16 bytes of tensor data but the file holds 10/,
    );
    expect(e.hint).toMatch(/truncated/);
  });
  it("bytes after the last tensor", () => {
    const file = rawFile(
      "trailing.safetensors",
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      8,
    );
    expectPipeError(
      () => readSafetensorsHeader(file),
      "PW3011",
      "trailing",
      /after the last tensor/,
    );
  });
  it("offsets that disagree with dtype × shape", () => {
    const file = rawFile(
      "size.safetensors",
      '{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}}',
      4,
    );
    expectPipeError(
      () => readSafetensorsHeader(file),
      "PW3011",
      "size.safetensors",
      /`w` \(F16, shape \[3\]\) needs 6 bytes/,
    );
  });
  it("non-contiguous offsets", () => {
    const file = rawFile(
      "gap.safetensors",
      '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}',
      6,
    );
    expectPipeError(
      () => readSafetensorsHeader(file),
      "PW3011",
      "gap.safetensors",
      /`b` starts at data offset 4, expected 2/,
    );
  });
  it("unknown dtype", () => {
    const file = rawFile(
      "dtype.safetensors",
      '{"a":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,2]}}',
      2,
    );
    expectPipeError(() => readSafetensorsHeader(file), "PW3012", "dtype.safetensors", /Q4_K/);
  });
  it("a sub-byte dtype parses but cannot be read into a typed array", () => {
    const file = rawFile(
      "f4.safetensors",
      '{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}',
      2,
    );
    const h = readSafetensorsHeader(file);
    expect(h.tensors.get("a")!.dtype).toBe("F4");
    expectPipeError(() => readTensor(h, "a"), "PW3012", "f4.safetensors");
  });
  it("tensor not in the file", () => {
    const h = readSafetensorsHeader(REFERENCE);
    expectPipeError(() => readTensor(h, "nope"), "PW3013", "reference.safetensors", /`nope`/);
  });
  it("header parse checks against the given file size", () => {
    const bytes = serializeSafetensors({ a: floatTensor([1, 2], [2]) });
    expect(parseSafetensorsHeader(bytes, "mem", bytes.length).tensors.size).toBe(1);
    expect(() => parseSafetensorsHeader(bytes, "mem", bytes.length + 1)).toThrow(
      /after the last tensor/,
    );
  });
});

describe("writing", () => {
  it("writes metadata and F32/F16/BF16 tensors that read back", () => {
    const file = path.join(tmp, "out.safetensors");
    const values = [0.1, -2.5, 3.14159, 65504, 1e-3, 0];
    writeSafetensors(
      file,
      {
        w32: floatTensor(values, [2, 3], "F32"),
        w16: floatTensor(values, [2, 3], "F16"),
        wbf: floatTensor(values, [3, 2], "BF16"),
        ids: { dtype: "I64", shape: [2], data: new BigInt64Array([5n, -7n]) },
      },
      { format: "pt", note: "pipewright" },
    );
    expect(fs.readdirSync(tmp).filter((f) => f.includes(".tmp"))).toEqual([]);
    const h = readSafetensorsHeader(file);
    expect(h.metadata).toEqual({ format: "pt", note: "pipewright" });
    expect([...h.tensors.keys()]).toEqual(["ids", "w32", "wbf", "w16"]); // dtype alignment, then name
    expect(Array.from(readTensorAsFloat32(h, "w32"))).toEqual(values.map(Math.fround));
    const f16 = readTensorAsFloat32(h, "w16");
    const bf16 = readTensorAsFloat32(h, "wbf");
    values.forEach((v, i) => {
      expect(Math.abs(f16[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7);
      expect(Math.abs(bf16[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -8);
    });
    expect(Array.from(readTensor(h, "ids").data as BigInt64Array)).toEqual([5n, -7n]);
  });

  it("a write into a missing directory is a PipeError naming the path", () => {
    expectPipeError(
      () =>
        writeSafetensors(path.join(tmp, "no", "such", "dir", "x.safetensors"), {
          a: floatTensor([1], [1]),
        }),
      "PW3016",
      "x.safetensors",
    );
  });

  it("data whose length disagrees with the shape is a caller bug (plain Error)", () => {
    expect(() =>
      serializeSafetensors({ a: { dtype: "F32", shape: [3], data: new Float32Array(2) } }),
    ).toThrow(/8 bytes of data for F32 \[3\]/);
  });

  it("round-trips random tensors of every readable dtype (property)", () => {
    const dtypes: SafetensorsDtype[] = [
      "F32",
      "F64",
      "F16",
      "BF16",
      "I8",
      "U8",
      "I16",
      "U16",
      "I32",
      "U32",
      "I64",
      "U64",
      "BOOL",
    ];
    const bytesOf: Record<string, number> = {
      F64: 8,
      I64: 8,
      U64: 8,
      F32: 4,
      I32: 4,
      U32: 4,
      F16: 2,
      BF16: 2,
      I16: 2,
      U16: 2,
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== "__metadata__"),
            dtype: fc.constantFrom(...dtypes),
            shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
            seed: fc.integer({ min: 0, max: 255 }),
          }),
          { maxLength: 6 },
        ),
        (specs) => {
          const tensors = new Map<string, TensorToWrite>();
          for (const s of specs) {
            const n = s.shape.reduce((a, b) => a * b, 1) * (bytesOf[s.dtype] ?? 1);
            const data = Uint8Array.from({ length: n }, (_, i) => (s.seed * 31 + i * 7) & 0xff);
            tensors.set(s.name, { dtype: s.dtype, shape: s.shape, data });
          }
          const bytes = serializeSafetensors(tensors);
          const file = path.join(tmp, "prop.safetensors");
          fs.writeFileSync(file, bytes);
          const { tensors: back } = readSafetensors(file);
          expect(back.size).toBe(tensors.size);
          for (const [name, t] of tensors) {
            const b = back.get(name)!;
            expect(b.dtype).toBe(t.dtype);
            expect(b.shape).toEqual(t.shape);
            expect(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)).toEqual(
              Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
            );
          }
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
