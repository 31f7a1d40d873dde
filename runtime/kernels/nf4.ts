/**
 * NF4 (QLoRA) quantisation on the GPU, bit-compatible with bitsandbytes (see
 * reference/nf4.ts for the exact rules and the one documented difference, the mean's order).
 *
 * GPU layout of a quantised weight of `numel` elements (row-major flattened):
 *   codes    u32 words, ceil(numel/8): byte j of the bitsandbytes byte stream is byte j%4
 *            (little-endian) of word j/4; element 2j is the high nibble of byte j.
 *   absmax   f32 per 64-block (single quantisation), or with double quantisation:
 *   qabsmax  u8 per 64-block packed 4 per u32 word, absmax2 f32 per 256 blocks, offset f32[1].
 */
import { packWords } from "./param-words.js";
import { createStorageBuffer, dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import {
  DYNAMIC_MAP_SIGNED,
  NF4_BLOCK,
  NF4_DQ_BLOCK,
  NF4_THRESHOLDS,
  NF4_VALUES,
} from "./nf4-tables.js";
import { MEAN_THREADS } from "./reference/nf4.js";

export function nf4Blocks(numel: number): number {
  return Math.ceil(numel / NF4_BLOCK);
}
export function nf4CodeWords(numel: number): number {
  return Math.ceil(numel / 8);
}
export function nf4DqBlocks(numel: number): number {
  return Math.ceil(nf4Blocks(numel) / NF4_DQ_BLOCK);
}

const lit = (v: number) => {
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
};

/** WGSL: `NF4_LUT`, and `nf4Code(x)` (bitsandbytes' thresholds, branch-free). */
export const NF4_WGSL = /* wgsl */ `
const NF4_LUT = array<f32, 16>(${NF4_VALUES.map(lit).join(", ")});
fn nf4Code(x: f32) -> u32 {
  var c = 0u;
${NF4_THRESHOLDS.map((t) => `  c += select(0u, 1u, x > ${lit(t)});`).join("\n")}
  return c;
}
/** Bit offset of element e (0..7) inside its u32 word: even elements in the high nibble. */
fn nf4Shift(e: u32) -> u32 { return ((e >> 1u) << 3u) + select(4u, 0u, (e & 1u) == 1u); }
`;

const QUANTIZE_WGSL = /* wgsl */ `
struct Params { n: u32, words: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> codes: array<u32>;
@group(0) @binding(3) var<storage, read_write> absmax: array<f32>;
${NF4_WGSL}
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = flatIndex(gid);
  let start = b * ${NF4_BLOCK}u;
  if (start >= p.n) { return; }
  let end = min(start + ${NF4_BLOCK}u, p.n);
  var m = 0.0;
  for (var i = start; i < end; i++) { m = max(m, abs(w[i])); }
  absmax[b] = m;
  let inv = 1.0 / m;
  let firstWord = start / 8u;
  let lastWord = min(firstWord + 8u, p.words);
  for (var wi = firstWord; wi < lastWord; wi++) {
    var word = 0u;
    for (var e = 0u; e < 8u; e++) {
      let i = wi * 8u + e;
      var v = 0.0;
      if (i < end) { v = w[i]; }
      var c = 0u;
      if (m > 0.0) { c = nf4Code(v * inv); }
      word |= c << nf4Shift(e);
    }
    codes[wi] = word;
  }
}`;

const DEQUANTIZE_WGSL = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> absmax: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${NF4_WGSL}
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let wi = flatIndex(gid);
  if (wi * 8u >= p.n) { return; }
  let word = codes[wi];
  let s = absmax[wi / 8u];
  for (var e = 0u; e < 8u; e++) {
    let i = wi * 8u + e;
    if (i < p.n) { out[i] = NF4_LUT[(word >> nf4Shift(e)) & 15u] * s; }
  }
}`;

const MEAN_WGSL = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
var<workgroup> partial: array<f32, ${MEAN_THREADS}>;
@compute @workgroup_size(${MEAN_THREADS})
fn main(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  for (var i = t; i < p.n; i += ${MEAN_THREADS}u) { s += values[i]; }
  partial[t] = s;
  workgroupBarrier();
  for (var stride = ${MEAN_THREADS / 2}u; stride > 0u; stride >>= 1u) {
    if (t < stride) { partial[t] = partial[t] + partial[t + stride]; }
    workgroupBarrier();
  }
  if (t == 0u) { mean[0] = partial[0] / f32(p.n); }
}`;

/** bitsandbytes' quantize_blockwise (8-bit dynamic code, nearest by its binary search). */
const QUANTIZE8_WGSL = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> offset: array<f32>;
@group(0) @binding(3) var<storage, read> code: array<f32>;
@group(0) @binding(4) var<storage, read_write> q: array<u32>;
@group(0) @binding(5) var<storage, read_write> absmax2: array<f32>;
fn quantize(x: f32) -> u32 {
  var pivot = 127u; var upperPivot = 255u; var lowerPivot = 0u;
  var lower = -1.0; var upper = 1.0;
  var val = code[pivot];
  for (var i = 64u; i > 0u; i >>= 1u) {
    if (x > val) { lowerPivot = pivot; lower = val; pivot += i; }
    else { upperPivot = pivot; upper = val; pivot -= i; }
    val = code[pivot];
  }
  if (upperPivot == 255u) { upper = code[upperPivot]; }
  if (lowerPivot == 0u) { lower = code[lowerPivot]; }
  if (x > val) {
    let mid = (upper + val) * 0.5;
    return select(pivot, upperPivot, x > mid);
  }
  let mid = (lower + val) * 0.5;
  return select(pivot, lowerPivot, x < mid);
}
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = flatIndex(gid);
  let start = b * ${NF4_DQ_BLOCK}u;
  if (start >= p.n) { return; }
  let end = min(start + ${NF4_DQ_BLOCK}u, p.n);
  let off = offset[0];
  var m = 0.0;
  for (var i = start; i < end; i++) { m = max(m, abs(values[i] - off)); }
  absmax2[b] = m;
  let inv = 1.0 / m;
  for (var wi = start / 4u; wi * 4u < end; wi++) {
    var word = 0u;
    for (var e = 0u; e < 4u; e++) {
      let i = wi * 4u + e;
      if (i < end) { word |= quantize((values[i] - off) * inv) << (8u * e); }
    }
    q[wi] = word;
  }
}`;

const ABSMAX_DEQUANT_WGSL = /* wgsl */ `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<u32>;
@group(0) @binding(2) var<storage, read> absmax2: array<f32>;
@group(0) @binding(3) var<storage, read> offset: array<f32>;
@group(0) @binding(4) var<storage, read> code: array<f32>;
@group(0) @binding(5) var<storage, read_write> absmax: array<f32>;
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.n) { return; }
  let c = (q[i / 4u] >> (8u * (i % 4u))) & 255u;
  let scaled = code[c] * absmax2[i / ${NF4_DQ_BLOCK}u];
  absmax[i] = scaled + offset[0];
}`;

const dynamicMaps = new WeakMap<GPUDevice, GPUBuffer>();

/** The signed dynamic map as a storage buffer (one per device). */
export function dynamicMapBuffer(device: GPUDevice): GPUBuffer {
  let b = dynamicMaps.get(device);
  if (!b) {
    b = createStorageBuffer(device, Float32Array.from(DYNAMIC_MAP_SIGNED), "nf4-dynamic-map");
    dynamicMaps.set(device, b);
  }
  return b;
}

/** Records NF4 quantisation of `w` (numel f32) into `codes` and per-block `absmax`. */
export function encodeNf4Quantize(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  numel: number,
  buf: { w: BufferBinding; codes: BufferBinding; absmax: BufferBinding },
): void {
  if (numel === 0) return;
  dispatch(
    device,
    {
      code: QUANTIZE_WGSL,
      bindings: [
        uniformBuffer(device, packWords([numel, nf4CodeWords(numel)])),
        buf.w,
        buf.codes,
        buf.absmax,
      ],
      workgroups: grid1d(nf4Blocks(numel), 64),
      label: "nf4-quantize",
    },
    encoder,
  );
}

/**
 * Records double quantisation of a per-block `absmax` (f32, `blocks` long): `offset` (f32[1]) =
 * mean, `qabsmax` (u8 packed in u32) and `absmax2` (f32 per 256).
 */
export function encodeNf4DoubleQuantize(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  blocks: number,
  buf: {
    absmax: BufferBinding;
    offset: BufferBinding;
    qabsmax: BufferBinding;
    absmax2: BufferBinding;
  },
): void {
  if (blocks === 0) return;
  const params = uniformBuffer(device, packWords([blocks]));
  dispatch(
    device,
    {
      code: MEAN_WGSL,
      bindings: [params, buf.absmax, buf.offset],
      workgroups: [1],
      label: "nf4-dq-mean",
    },
    encoder,
  );
  dispatch(
    device,
    {
      code: QUANTIZE8_WGSL,
      bindings: [
        params,
        buf.absmax,
        buf.offset,
        dynamicMapBuffer(device),
        buf.qabsmax,
        buf.absmax2,
      ],
      workgroups: grid1d(Math.ceil(blocks / NF4_DQ_BLOCK), 64),
      label: "nf4-dq-quantize",
    },
    encoder,
  );
}

/** Records absmax = map[qabsmax]·absmax2 + offset (f32 per 64-block). */
export function encodeNf4AbsmaxDequantize(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  blocks: number,
  buf: {
    qabsmax: BufferBinding;
    absmax2: BufferBinding;
    offset: BufferBinding;
    absmax: BufferBinding;
  },
): void {
  if (blocks === 0) return;
  dispatch(
    device,
    {
      code: ABSMAX_DEQUANT_WGSL,
      bindings: [
        uniformBuffer(device, packWords([blocks])),
        buf.qabsmax,
        buf.absmax2,
        buf.offset,
        dynamicMapBuffer(device),
        buf.absmax,
      ],
      workgroups: grid1d(blocks, 64),
      label: "nf4-absmax-dequantize",
    },
    encoder,
  );
}

/** Records W = NF4[code]·absmax into `out` (numel f32). */
export function encodeNf4Dequantize(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  numel: number,
  buf: { codes: BufferBinding; absmax: BufferBinding; out: BufferBinding },
): void {
  if (numel === 0) return;
  dispatch(
    device,
    {
      code: DEQUANTIZE_WGSL,
      bindings: [uniformBuffer(device, packWords([numel])), buf.codes, buf.absmax, buf.out],
      workgroups: grid1d(nf4CodeWords(numel), 64),
      label: "nf4-dequantize",
    },
    encoder,
  );
}

/** A quantised weight on the GPU: `absmax` (single quantisation) or `dq` (double). */
export interface Nf4GpuWeight {
  numel: number;
  codes: GPUBuffer;
  absmax?: GPUBuffer;
  dq?: { qabsmax: GPUBuffer; absmax2: GPUBuffer; offset: GPUBuffer };
}

/** Bytes the weight keeps on the GPU (codes + absmax state). */
export function nf4GpuBytes(weight: Nf4GpuWeight): number {
  let bytes = weight.codes.size;
  if (weight.absmax) bytes += weight.absmax.size;
  if (weight.dq) bytes += weight.dq.qabsmax.size + weight.dq.absmax2.size + weight.dq.offset.size;
  return bytes;
}

export function destroyNf4GpuWeight(weight: Nf4GpuWeight): void {
  weight.codes.destroy();
  weight.absmax?.destroy();
  if (weight.dq) for (const b of Object.values(weight.dq)) b.destroy();
}

/**
 * Allocates the buffers and records the quantisation of `w` (numel f32). With double
 * quantisation the f32 absmax is an intermediate: it is returned in `scratch`, for the caller
 * to destroy once the encoder has been submitted.
 */
export function quantizeNf4Gpu(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  w: BufferBinding,
  numel: number,
  opts: { doubleQuant?: boolean } = {},
): { weight: Nf4GpuWeight; scratch: GPUBuffer[] } {
  const blocks = nf4Blocks(numel);
  const codes = createStorageBuffer(device, nf4CodeWords(numel) * 4, "nf4-codes");
  const absmax = createStorageBuffer(device, blocks * 4, "nf4-absmax");
  encodeNf4Quantize(device, encoder, numel, { w, codes, absmax });
  if (!opts.doubleQuant) return { weight: { numel, codes, absmax }, scratch: [] };
  const dq = {
    qabsmax: createStorageBuffer(device, Math.ceil(blocks / 4) * 4, "nf4-qabsmax"),
    absmax2: createStorageBuffer(device, nf4DqBlocks(numel) * 4, "nf4-absmax2"),
    offset: createStorageBuffer(device, 4, "nf4-offset"),
  };
  encodeNf4DoubleQuantize(device, encoder, blocks, { absmax, ...dq });
  return { weight: { numel, codes, dq }, scratch: [absmax] };
}
