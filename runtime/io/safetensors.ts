/**
 * safetensors: read the header alone (8-byte little-endian length + JSON) without touching
 * tensor data, read single tensors into typed arrays, and write files byte-compatible with the
 * reference implementation (tensors sorted by dtype alignment descending, then name; header
 * padded with spaces to a multiple of 8).
 *
 * Validation follows the reference reader: header ≤ 100 MB, every tensor's byte range equals
 * numel × dtype size, ranges are contiguous from 0, and the last one ends exactly at the end of
 * the file. A truncated file (an interrupted download) is reported as such.
 *
 * Every user-facing failure is a PipeError naming the file; misuse by a caller (data whose
 * length disagrees with its shape when writing) is a plain Error, i.e. a bug.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../compiler/diagnostics/codes/world.js";
import {
  bf16ArrayToF32,
  f16ArrayToF32,
  f32ArrayToBf16,
  f32ArrayToF16,
  f8e4m3BitsToF32,
  f8e5m2BitsToF32,
} from "./float16.js";

/** Dtypes of the safetensors format, in the reference implementation's (alignment) order. */
export const SAFETENSORS_DTYPES = [
  "BOOL",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "C64",
  "F64",
  "I64",
  "U64",
] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

const DTYPE_BITS: Record<SafetensorsDtype, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

const DTYPE_RANK = new Map<string, number>(SAFETENSORS_DTYPES.map((d, i) => [d, i]));

/** The reference implementation refuses larger headers. */
export const MAX_HEADER_BYTES = 100_000_000;

export function isSafetensorsDtype(s: string): s is SafetensorsDtype {
  return DTYPE_RANK.has(s);
}

/** Bits per element of a dtype (4 for F4, 6 for the F6 formats, else a multiple of 8). */
export function dtypeBits(dtype: SafetensorsDtype): number {
  return DTYPE_BITS[dtype];
}

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range relative to the start of the data section, end-exclusive. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  path: string;
  /** Length of the JSON header in bytes (the u64 at the start of the file). */
  headerLength: number;
  /** Absolute file offset of the data section: 8 + headerLength. */
  dataStart: number;
  fileSize: number;
  /** The `__metadata__` map (string → string), empty when absent. */
  metadata: Record<string, string>;
  /** Tensors in data-offset order. */
  tensors: Map<string, TensorInfo>;
}

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface TensorData {
  dtype: SafetensorsDtype;
  shape: number[];
  /**
   * F16 and BF16 come back as their raw bits in a Uint16Array (use `readTensorAsFloat32` or
   * the helpers in float16.ts); FP8 and BOOL as a Uint8Array; I64/U64 as BigInt arrays.
   */
  data: TypedArray;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function headerError(file: string, message: string, hint?: string): PipeError {
  return new PipeError(
    WORLD.safetensorsHeaderInvalid,
    `${file}: ${message}`,
    { path: file },
    hint ?? "the file is damaged or not a safetensors file; download or export it again",
  );
}

/**
 * Parses a header from the first bytes of a file. `bytes` must hold at least 8 + the header
 * length; `fileSize` is the size of the whole file (for the offset checks).
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  file: string,
  fileSize: number,
): SafetensorsHeader {
  if (fileSize < 8 || bytes.length < 8) {
    throw headerError(file, `file is ${fileSize} bytes, too short for a safetensors header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    throw headerError(
      file,
      `header length ${n64} exceeds the 100 MB limit (not a safetensors file?)`,
    );
  }
  const headerLength = Number(n64);
  if (8 + headerLength > fileSize) {
    throw headerError(
      file,
      `header length ${headerLength} runs past the end of the ${fileSize}-byte file`,
      "the file is truncated (an interrupted download?) or not a safetensors file",
    );
  }
  if (bytes.length < 8 + headerLength) {
    throw new Error(`internal: parseSafetensorsHeader needs ${8 + headerLength} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw headerError(file, "header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw headerError(file, `header is not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw headerError(file, "header JSON is not an object");
  }
  const metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw headerError(file, "`__metadata__` is not an object");
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== "string") throw headerError(file, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    infos.push(parseTensorEntry(file, name, raw));
  }
  infos.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  let cursor = 0;
  for (const info of infos) {
    const [begin, end] = info.dataOffsets;
    if (begin !== cursor) {
      throw headerError(
        file,
        `tensor \`${info.name}\` starts at data offset ${begin}, expected ${cursor} ` +
          "(tensor byte ranges must be contiguous)",
      );
    }
    cursor = end;
  }
  if (cursor > dataSize) {
    throw headerError(
      file,
      `header describes ${cursor} bytes of tensor data but the file holds ${dataSize}`,
      "the file is truncated (an interrupted download?); download it again",
    );
  }
  if (cursor < dataSize) {
    throw headerError(
      file,
      `file has ${dataSize - cursor} bytes after the last tensor (header describes ${cursor})`,
    );
  }
  return {
    path: file,
    headerLength,
    dataStart,
    fileSize,
    metadata,
    tensors: new Map(infos.map((t) => [t.name, t])),
  };
}

function parseTensorEntry(file: string, name: string, raw: unknown): TensorInfo {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw headerError(file, `entry \`${name}\` is not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string" || !isSafetensorsDtype(dtype)) {
    throw new PipeError(
      WORLD.safetensorsDtypeUnsupported,
      `${file}: tensor \`${name}\` has unknown dtype ${JSON.stringify(dtype)}`,
      { path: file },
      `known dtypes: ${SAFETENSORS_DTYPES.join(", ")}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw headerError(file, `tensor \`${name}\` has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw headerError(
      file,
      `tensor \`${name}\` has invalid data_offsets ${JSON.stringify(offsets)}`,
    );
  }
  const bits = numelOf(shape) * DTYPE_BITS[dtype];
  if (bits % 8 !== 0 || bits / 8 !== offsets[1] - offsets[0]) {
    throw headerError(
      file,
      `tensor \`${name}\` (${dtype}, shape [${shape.join(", ")}]) needs ${bits / 8} bytes ` +
        `but data_offsets give ${offsets[1] - offsets[0]}`,
    );
  }
  return { name, dtype, shape: shape.slice(), dataOffsets: [offsets[0], offsets[1]] };
}

function unreadable(file: string, err: unknown, what = "cannot read"): PipeError {
  const e = err as NodeJS.ErrnoException;
  const reason =
    e?.code === "ENOENT" ? "no such file" : e?.code === "EISDIR" ? "is a directory" : e?.message;
  return new PipeError(WORLD.safetensorsUnreadable, `${file}: ${what} (${reason})`, {
    path: file,
  });
}

function readExactly(fd: number, file: string, length: number, position: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const chunk = Math.min(length - done, 0x40000000);
    let got: number;
    try {
      got = fs.readSync(fd, out, done, chunk, position + done);
    } catch (err) {
      throw unreadable(file, err);
    }
    if (got === 0) {
      throw headerError(file, `unexpected end of file at byte ${position + done}`);
    }
    done += got;
  }
  return out;
}

function withFile<T>(file: string, body: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    throw unreadable(file, err, "cannot open");
  }
  try {
    const size = fs.fstatSync(fd).size;
    return body(fd, size);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads and validates the header of a safetensors file. Reads 8 + header-length bytes only. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  return withFile(file, (fd, size) => {
    if (size < 8) {
      throw headerError(file, `file is ${size} bytes, too short for a safetensors header`);
    }
    const prefix = readExactly(fd, file, 8, 0);
    const n = new DataView(prefix.buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_BYTES) || 8 + Number(n) > size) {
      return parseSafetensorsHeader(prefix, file, size); // throws the precise error
    }
    const all = new Uint8Array(8 + Number(n));
    all.set(prefix, 0);
    all.set(readExactly(fd, file, Number(n), 8), 8);
    return parseSafetensorsHeader(all, file, size);
  });
}

function tensorInfo(header: SafetensorsHeader, name: string): TensorInfo {
  const info = header.tensors.get(name);
  if (!info) {
    throw new PipeError(
      WORLD.safetensorsTensorNotFound,
      `${header.path}: no tensor named \`${name}\``,
      { path: header.path },
      `the file holds ${header.tensors.size} tensors`,
    );
  }
  return info;
}

/** The raw little-endian bytes of one tensor (a fresh, 8-byte-aligned buffer). */
export function readTensorBytes(header: SafetensorsHeader, name: string): Uint8Array {
  const info = tensorInfo(header, name);
  const [begin, end] = info.dataOffsets;
  return withFile(header.path, (fd) =>
    readExactly(fd, header.path, end - begin, header.dataStart + begin),
  );
}

/** Wraps raw little-endian bytes (offset 0 of an aligned buffer) in the dtype's typed array. */
export function typedArrayFor(
  dtype: SafetensorsDtype,
  bytes: Uint8Array,
  where = "tensor",
): TypedArray {
  const { buffer, byteOffset: o, byteLength: n } = bytes;
  switch (dtype) {
    case "F32":
      return new Float32Array(buffer, o, n / 4);
    case "F64":
      return new Float64Array(buffer, o, n / 8);
    case "F16":
    case "BF16":
    case "U16":
      return new Uint16Array(buffer, o, n / 2);
    case "I16":
      return new Int16Array(buffer, o, n / 2);
    case "I32":
      return new Int32Array(buffer, o, n / 4);
    case "U32":
      return new Uint32Array(buffer, o, n / 4);
    case "I64":
      return new BigInt64Array(buffer, o, n / 8);
    case "U64":
      return new BigUint64Array(buffer, o, n / 8);
    case "I8":
      return new Int8Array(buffer, o, n);
    case "U8":
    case "BOOL":
    case "F8_E4M3":
    case "F8_E5M2":
    case "F8_E8M0":
      return new Uint8Array(buffer, o, n);
    default:
      throw new PipeError(
        WORLD.safetensorsDtypeUnsupported,
        `${where}: dtype ${dtype} cannot be read into a typed array`,
        {},
        "sub-byte (F4/F6) and complex tensors are not supported",
      );
  }
}

/** Reads one tensor into the typed array of its dtype. */
export function readTensor(header: SafetensorsHeader, name: string): TensorData {
  const info = tensorInfo(header, name);
  if (DTYPE_BITS[info.dtype] % 8 !== 0 || info.dtype === "C64") {
    throw new PipeError(
      WORLD.safetensorsDtypeUnsupported,
      `${header.path}: tensor \`${name}\` has dtype ${info.dtype}, which cannot be read`,
      { path: header.path },
      "sub-byte (F4/F6) and complex tensors are not supported",
    );
  }
  const bytes = readTensorBytes(header, name);
  return {
    dtype: info.dtype,
    shape: info.shape.slice(),
    data: typedArrayFor(info.dtype, bytes, `${header.path}: tensor \`${name}\``),
  };
}

/** Converts any numeric tensor to float32 (F16/BF16/FP8 decoded; integers and bools cast). */
export function tensorToFloat32(t: TensorData): Float32Array {
  switch (t.dtype) {
    case "F32":
      return t.data as Float32Array;
    case "F16":
      return f16ArrayToF32(t.data as Uint16Array);
    case "BF16":
      return bf16ArrayToF32(t.data as Uint16Array);
    case "F8_E4M3":
      return Float32Array.from(t.data as Uint8Array, f8e4m3BitsToF32);
    case "F8_E5M2":
      return Float32Array.from(t.data as Uint8Array, f8e5m2BitsToF32);
    case "F8_E8M0":
      return Float32Array.from(t.data as Uint8Array, (b) => (b === 0xff ? NaN : 2 ** (b - 127)));
    case "I64":
    case "U64":
      return Float32Array.from(t.data as BigInt64Array, (v) => Number(v));
    default:
      return Float32Array.from(t.data as ArrayLike<number>);
  }
}

/** Reads one tensor as float32, whatever its stored dtype. */
export function readTensorAsFloat32(header: SafetensorsHeader, name: string): Float32Array {
  return tensorToFloat32(readTensor(header, name));
}

/** Reads every tensor of a (small) file. */
export function readSafetensors(file: string): {
  header: SafetensorsHeader;
  tensors: Map<string, TensorData>;
} {
  const header = readSafetensorsHeader(file);
  const tensors = new Map<string, TensorData>();
  for (const name of header.tensors.keys()) tensors.set(name, readTensor(header, name));
  return { header, tensors };
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface TensorToWrite {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Little-endian element data; its byte length must equal numel × dtype size. */
  data: ArrayBufferView;
}

/** Float32 values → a tensor stored as F32, F16 or BF16 (rounded to nearest even). */
export function floatTensor(
  values: Float32Array | number[],
  shape: number[],
  dtype: "F32" | "F16" | "BF16" = "F32",
): TensorToWrite {
  if (numelOf(shape) !== values.length) {
    throw new Error(`floatTensor: ${values.length} values for shape [${shape.join(", ")}]`);
  }
  const data =
    dtype === "F32"
      ? Float32Array.from(values)
      : dtype === "F16"
        ? f32ArrayToF16(values)
        : f32ArrayToBf16(values);
  return { dtype, shape: shape.slice(), data };
}

/** The bytes of a safetensors file holding `tensors` (and `metadata` as `__metadata__`). */
export function serializeSafetensors(
  tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  entries.sort(([an, a], [bn, b]) => {
    const byDtype = (DTYPE_RANK.get(b.dtype) ?? 0) - (DTYPE_RANK.get(a.dtype) ?? 0);
    return byDtype !== 0 ? byDtype : an < bn ? -1 : an > bn ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new Error(`safetensors metadata \`${k}\` is not a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new Error("a tensor cannot be named __metadata__");
    if (!isSafetensorsDtype(t.dtype)) throw new Error(`unknown dtype ${t.dtype} for ${name}`);
    const bits = numelOf(t.shape) * DTYPE_BITS[t.dtype];
    if (bits / 8 !== t.data.byteLength) {
      throw new Error(
        `tensor ${name}: ${t.data.byteLength} bytes of data for ${t.dtype} [${t.shape.join(", ")}] ` +
          `(expected ${bits / 8})`,
      );
    }
    header[name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Writes a safetensors file atomically (a temporary file in the same directory, then rename),
 * so that an interrupted export never leaves a half-written file under the final name.
 */
export function writeSafetensors(
  file: string,
  tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  const bytes = serializeSafetensors(tensors, metadata);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // best effort: the temporary file may never have been created
    }
    const e = err as NodeJS.ErrnoException;
    throw new PipeError(
      WORLD.safetensorsWriteFailed,
      `${file}: cannot write safetensors file (${e?.code ?? e?.message})`,
      { path: file },
      e?.code === "ENOENT" ? "the output directory does not exist" : undefined,
    );
  }
}
