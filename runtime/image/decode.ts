/**
 * Image decoding: PNG (pngjs) and JPEG (jpeg-js), sniffed by content, not by file extension.
 * `tryDecodeImage` never throws: a scan over thousands of files turns each failure into a
 * counted, located reason. `readImage` is the throwing form for single files.
 */
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import pngjs from "pngjs";
import jpeg from "jpeg-js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { DET } from "../../compiler/diagnostics/codes/detection.js";
import type { RgbImage } from "./rgb-image.js";
import { applyOrientation, readJpegOrientation } from "./jpeg-orientation.js";

export type ImageFormat = "png" | "jpeg";

export type DecodeResult =
  { ok: true; image: RgbImage; format: ImageFormat } | { ok: false; code: string; reason: string };

export interface DecodeOptions {
  /** Refuse images above this many megapixels (a guard against decompression bombs). */
  maxMegapixels?: number;
  /** Turn JPEGs upright by their EXIF orientation, as OpenCV's imread does. Default true. */
  exifOrientation?: boolean;
}

const DEFAULT_MAX_MP = 100;

/** Which decoder a byte string needs, by its magic number; `undefined` for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47
  ) {
    return "png";
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return "jpeg";
  return undefined;
}

/** A name for formats we recognise but do not decode, for the "unsupported" message. */
function otherFormatName(bytes: Uint8Array): string | undefined {
  const ascii = (a: number, n: number) => String.fromCharCode(...bytes.subarray(a, a + n));
  if (bytes.length >= 2 && ascii(0, 2) === "BM") return "BMP";
  if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") return "WebP";
  if (bytes.length >= 4 && (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*")) return "TIFF";
  if (bytes.length >= 6 && ascii(0, 3) === "GIF") return "GIF";
  if (bytes.length >= 12 && ascii(4, 4) === "ftyp") return "HEIF/AVIF";
  return undefined;
}

export function tryDecodeImage(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const format = sniffImageFormat(bytes);
  const maxMp = options.maxMegapixels ?? DEFAULT_MAX_MP;
  if (format === "png") return decodePng(bytes, maxMp);
  if (format === "jpeg") return decodeJpeg(bytes, maxMp, options.exifOrientation ?? true);
  if (bytes.length === 0) return { ok: false, code: DET.imageCorrupt, reason: "empty file" };
  const other = otherFormatName(bytes);
  return other
    ? {
        ok: false,
        code: DET.imageUnsupported,
        reason: `${other} images are not supported (use PNG or JPEG)`,
      }
    : { ok: false, code: DET.imageCorrupt, reason: "not a PNG or JPEG file (unknown header)" };
}

function decodePng(bytes: Uint8Array, maxMp: number): DecodeResult {
  let png: { width: number; height: number; data: Buffer };
  try {
    const size = pngHeaderSize(bytes);
    if (size && size.width * size.height > maxMp * 1e6) {
      return tooLarge(size.width, size.height, maxMp);
    }
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    return {
      ok: false,
      code: DET.imageCorrupt,
      reason: `PNG does not decode (truncated or corrupt): ${errText(err)}`,
    };
  }
  // pngjs always hands back 8-bit RGBA; drop alpha like OpenCV's IMREAD_COLOR.
  const { width, height } = png;
  const out = new Uint8Array(width * height * 3);
  const src = png.data;
  for (let p = 0, s = 0, d = 0; p < width * height; p++, s += 4, d += 3) {
    out[d] = src[s];
    out[d + 1] = src[s + 1];
    out[d + 2] = src[s + 2];
  }
  return { ok: true, image: { width, height, data: out }, format: "png" };
}

/** Width and height from the IHDR chunk, read before decoding the pixels. */
export function pngHeaderSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  const u32 = (o: number) =>
    ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
  return { width: u32(16), height: u32(20) };
}

function decodeJpeg(bytes: Uint8Array, maxMp: number, exif: boolean): DecodeResult {
  // A file that decodes is kept even without a final end-of-image marker (some cameras append
  // bytes after it); one that fails and lacks the marker is reported as cut short.
  const truncated =
    bytes.length < 4 || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9;
  let raw: { width: number; height: number; data: Uint8Array };
  try {
    raw = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: maxMp,
      maxMemoryUsageInMB: 2048,
    });
  } catch (err) {
    const msg = errText(err);
    if (/maxResolutionInMP/i.test(msg))
      return { ok: false, code: DET.imageCorrupt, reason: `JPEG larger than ${maxMp} megapixels` };
    return truncated
      ? {
          ok: false,
          code: DET.imageTruncated,
          reason: `JPEG is truncated (no end-of-image marker): ${msg}`,
        }
      : { ok: false, code: DET.imageCorrupt, reason: `JPEG does not decode: ${msg}` };
  }
  const { width, height } = raw;
  const channels = width * height > 0 ? raw.data.length / (width * height) : 3;
  let rgb: Uint8Array;
  if (channels === 3) rgb = raw.data;
  else {
    // Grey JPEGs come back with one channel (and CMYK is turned to RGB by jpeg-js itself).
    rgb = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const v = raw.data[p * channels];
      rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = v;
    }
  }
  let image: RgbImage = { width, height, data: rgb };
  if (exif) image = applyOrientation(image, readJpegOrientation(bytes));
  return { ok: true, image, format: "jpeg" };
}

function tooLarge(w: number, h: number, maxMp: number): DecodeResult {
  return {
    ok: false,
    code: DET.imageCorrupt,
    reason: `image is ${w}x${h}, larger than ${maxMp} megapixels`,
  };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Decode or throw a PipeError naming `path`. */
export function decodeImage(
  bytes: Uint8Array,
  path: string,
  options: DecodeOptions = {},
): RgbImage {
  const r = tryDecodeImage(bytes, options);
  if (!r.ok) throw new PipeError(r.code, `${path}: ${r.reason}`, { path });
  return r.image;
}

function readFailure(path: string, err: unknown): PipeError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : errText(err);
  return new PipeError(DET.imageUnreadable, `${path}: cannot read image: ${why}`, { path });
}

export async function readImage(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw readFailure(path, err);
  }
  return decodeImage(bytes, path, options);
}

export function readImageSync(path: string, options: DecodeOptions = {}): RgbImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw readFailure(path, err);
  }
  return decodeImage(bytes, path, options);
}
