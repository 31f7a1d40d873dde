/**
 * 2-D convolution as implicit GEMM (no im2col buffer): NCHW input, OIHW weight, optional bias,
 * stride, zero padding, dilation and groups (PyTorch semantics).
 *
 * Each invocation owns a 4×8 register tile: 4 spatial positions per lane × 8 channels per
 * workgroup (so weight loads are uniform across the workgroup). The reduction is walked as (kh, kw) outer, channel
 * inner, so the gather coordinates are computed once per kernel tap rather than once per
 * multiply-add (integer division is the expensive part of a naive im2col on CPUs/lavapipe).
 *
 *  forward  y[n,o,s]   = Σ_{c,kh,kw} x[n,c,tap(s)] · w[o,c,kh,kw] (+ b[o])   rows s, cols o
 *  dInput   dx[n,c,s]  = Σ_{o,kh,kw} dy[n,o,tap⁻¹(s)] · w[o,c,kh,kw]          rows s, cols c
 *  dWeight  dw[o,c,k]  = Σ_{n,oh,ow} dy[n,o,oh,ow] · x[n,c,tap_k(oh,ow)]      split-K over n·oh rows,
 *                                                                             4 columns × 8 channels
 *  dBias    db[o]      = Σ_{n,s} dy[n,o,s]                                    one workgroup per o
 *
 * Split-K writes partial sums to a scratch buffer and a second pass adds them in a fixed order,
 * so results are deterministic (WGSL has no f32 atomics).
 */
import { ceilDiv, dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";
import { conv2dSizes, type Conv2dGeometry } from "./conv2d-geometry.js";

export {
  conv2dGeometry,
  conv2dSizes,
  type Conv2dConfig,
  type Conv2dGeometry,
} from "./conv2d-geometry.js";

const PARAMS = /* wgsl */ `
struct Params {
  n: u32, c: u32, h: u32, w: u32,
  oc: u32, oh: u32, ow: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, ph: u32,
  pw: u32, dh: u32, dw: u32, groups: u32,
  flag: u32, chunkRows: u32, chunks: u32, _pad: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
`;

/** Writes the 4×8 tile (rows r: spatial, columns c: channels) held in accA (c < 4), accB. */
const STORE_TILE = /* wgsl */ `
fn tileValue(accA: array<vec4f, 4>, accB: array<vec4f, 4>, r: u32, c: u32) -> f32 {
  if (c < 4u) { return accA[r][c]; }
  return accB[r][c - 4u];
}
`;

/**
 * Invocation tile: 4 output positions (per lane) × 8 output channels (per workgroup, so the
 * weight loads are uniform: one scalar load shared by a SIMD batch on CPUs, a broadcast on GPUs).
 */
const FORWARD = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
${STORE_TILE}
@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let ohw = p.oh * p.ow;
  let cg = p.c / p.groups;
  let ocg = p.oc / p.groups;
  let s0 = gid.x * 4u;
  let o0 = wid.y * 8u;
  if (s0 >= ohw) { return; }
  let n = wid.z / p.groups;
  let g = wid.z % p.groups;
  let hw = p.h * p.w;
  let ksz = p.kh * p.kw;
  let H = i32(p.h);
  let W = i32(p.w);
  let s = min(vec4u(s0) + vec4u(0u, 1u, 2u, 3u), vec4u(ohw - 1u));
  let ihBase = vec4i(s / p.ow * p.sh) - i32(p.ph);
  let iwBase = vec4i(s % p.ow * p.sw) - i32(p.pw);
  let xBase = (n * p.c + g * cg) * hw;
  let rowLen = cg * ksz;
  let oA = (min(vec4u(o0) + vec4u(0u, 1u, 2u, 3u), vec4u(ocg - 1u)) + g * ocg) * rowLen;
  let oB = (min(vec4u(o0) + vec4u(4u, 5u, 6u, 7u), vec4u(ocg - 1u)) + g * ocg) * rowLen;
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var b0 = vec4f(0.0);
  var b1 = vec4f(0.0);
  var b2 = vec4f(0.0);
  var b3 = vec4f(0.0);
  for (var kh = 0u; kh < p.kh; kh++) {
    let ih = ihBase + i32(kh * p.dh);
    let okH = (ih >= vec4i(0)) & (ih < vec4i(H));
    for (var kw = 0u; kw < p.kw; kw++) {
      let iw = iwBase + i32(kw * p.dw);
      let ok = okH & (iw >= vec4i(0)) & (iw < vec4i(W));
      let keep = select(vec4f(0.0), vec4f(1.0), ok);
      var xo = vec4u(select(vec4i(0), ih * W + iw, ok)) + xBase;
      let tap = kh * p.kw + kw;
      var wA = oA + tap;
      var wB = oB + tap;
      for (var ci = 0u; ci < cg; ci++) {
        let v = vec4f(x[xo.x], x[xo.y], x[xo.z], x[xo.w]) * keep;
        let wa = vec4f(wt[wA.x], wt[wA.y], wt[wA.z], wt[wA.w]);
        let wb = vec4f(wt[wB.x], wt[wB.y], wt[wB.z], wt[wB.w]);
        a0 += v.x * wa;
        a1 += v.y * wa;
        a2 += v.z * wa;
        a3 += v.w * wa;
        b0 += v.x * wb;
        b1 += v.y * wb;
        b2 += v.z * wb;
        b3 += v.w * wb;
        xo += hw;
        wA += ksz;
        wB += ksz;
      }
    }
  }
  let accA = array<vec4f, 4>(a0, a1, a2, a3);
  let accB = array<vec4f, 4>(b0, b1, b2, b3);
  for (var c = 0u; c < 8u; c++) {
    let o = o0 + c;
    if (o >= ocg) { break; }
    let oGlobal = g * ocg + o;
    var bv = 0.0;
    if (p.flag != 0u) { bv = bias[oGlobal]; }
    let yBase = (n * p.oc + oGlobal) * ohw;
    for (var r = 0u; r < 4u; r++) {
      if (s0 + r < ohw) { y[yBase + s0 + r] = tileValue(accA, accB, r, c) + bv; }
    }
  }
}
`;

/** Same tiling as the forward: 4 input positions per lane × 8 input channels per workgroup. */
const BACKWARD_INPUT = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${STORE_TILE}
@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let hw = p.h * p.w;
  let cg = p.c / p.groups;
  let ocg = p.oc / p.groups;
  let s0 = gid.x * 4u;
  let c0 = wid.y * 8u;
  if (s0 >= hw) { return; }
  let n = wid.z / p.groups;
  let g = wid.z % p.groups;
  let ohw = p.oh * p.ow;
  let ksz = p.kh * p.kw;
  let SH = i32(p.sh);
  let SW = i32(p.sw);
  let s = min(vec4u(s0) + vec4u(0u, 1u, 2u, 3u), vec4u(hw - 1u));
  let thBase = vec4i(s / p.w) + i32(p.ph);
  let twBase = vec4i(s % p.w) + i32(p.pw);
  let dyBase = (n * p.oc + g * ocg) * ohw;
  let wGroup = g * ocg * cg * ksz;
  let cA = min(vec4u(c0) + vec4u(0u, 1u, 2u, 3u), vec4u(cg - 1u)) * ksz + wGroup;
  let cB = min(vec4u(c0) + vec4u(4u, 5u, 6u, 7u), vec4u(cg - 1u)) * ksz + wGroup;
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var b0 = vec4f(0.0);
  var b1 = vec4f(0.0);
  var b2 = vec4f(0.0);
  var b3 = vec4f(0.0);
  for (var kh = 0u; kh < p.kh; kh++) {
    let th = thBase - i32(kh * p.dh);
    let oh = th / SH;
    let okH = (th >= vec4i(0)) & (th - oh * SH == vec4i(0)) & (oh < vec4i(i32(p.oh)));
    for (var kw = 0u; kw < p.kw; kw++) {
      let tw = twBase - i32(kw * p.dw);
      let ow = tw / SW;
      let ok = okH & (tw >= vec4i(0)) & (tw - ow * SW == vec4i(0)) & (ow < vec4i(i32(p.ow)));
      if (!any(ok)) { continue; }
      let keep = select(vec4f(0.0), vec4f(1.0), ok);
      var dyo = vec4u(select(vec4i(0), oh * i32(p.ow) + ow, ok)) + dyBase;
      let tap = kh * p.kw + kw;
      var wA = cA + tap;
      var wB = cB + tap;
      for (var o = 0u; o < ocg; o++) {
        let v = vec4f(dy[dyo.x], dy[dyo.y], dy[dyo.z], dy[dyo.w]) * keep;
        let wa = vec4f(wt[wA.x], wt[wA.y], wt[wA.z], wt[wA.w]);
        let wb = vec4f(wt[wB.x], wt[wB.y], wt[wB.z], wt[wB.w]);
        a0 += v.x * wa;
        a1 += v.y * wa;
        a2 += v.z * wa;
        a3 += v.w * wa;
        b0 += v.x * wb;
        b1 += v.y * wb;
        b2 += v.z * wb;
        b3 += v.w * wb;
        dyo += ohw;
        wA += cg * ksz;
        wB += cg * ksz;
      }
    }
  }
  let accA = array<vec4f, 4>(a0, a1, a2, a3);
  let accB = array<vec4f, 4>(b0, b1, b2, b3);
  for (var cc = 0u; cc < 8u; cc++) {
    let ci = c0 + cc;
    if (ci >= cg) { break; }
    let xBase = (n * p.c + g * cg + ci) * hw;
    for (var r = 0u; r < 4u; r++) {
      if (s0 + r < hw) { dx[xBase + s0 + r] = tileValue(accA, accB, r, cc); }
    }
  }
}
`;

/**
 * flag = 1: write partial sums for chunk z % chunks to out[chunk][...] instead of dw.
 * Invocation tile: 4 weight columns (c, tap) per lane × ROWS output channels per workgroup, so
 * the dy loads are uniform and each gathered x value feeds ROWS multiply-adds.
 */
function backwardWeightSource(rows: 4 | 8): string {
  const sets = rows / 4;
  const accDecl: string[] = [];
  const loads: string[] = [];
  const fmas: string[] = [];
  const stores: string[] = [];
  for (let k = 0; k < sets; k++) {
    accDecl.push(
      `  let oRows${k} = min(vec4u(o0 + ${4 * k}u) + vec4u(0u, 1u, 2u, 3u), vec4u(ocg - 1u)) + g * ocg;`,
      ...[0, 1, 2, 3].map((r) => `  var acc${k}${r} = vec4f(0.0);`),
    );
    loads.push(`    let dyRow${k} = (n * p.oc + oRows${k}) * ohw + oh * p.ow;`);
    fmas.push(
      `      let a${k} = vec4f(dy[dyRow${k}.x + ow], dy[dyRow${k}.y + ow], dy[dyRow${k}.z + ow], dy[dyRow${k}.w + ow]);`,
      ...[0, 1, 2, 3].map((r) => `      acc${k}${r} += a${k}.${"xyzw"[r]} * b;`),
    );
    stores.push(
      `  var acc${k} = array<vec4f, 4>(acc${k}0, acc${k}1, acc${k}2, acc${k}3);`,
      `  for (var r = 0u; r < 4u; r++) {`,
      `    let o = o0 + ${4 * k}u + r;`,
      `    if (o >= ocg) { break; }`,
      `    let base = p.flag * chunk * total + (g * ocg + o) * cols;`,
      `    for (var c = 0u; c < 4u; c++) {`,
      `      if (j0 + c < cols) { out[base + j0 + c] = acc${k}[r][c]; }`,
      `    }`,
      `  }`,
    );
  }
  return /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let cg = p.c / p.groups;
  let ocg = p.oc / p.groups;
  let ksz = p.kh * p.kw;
  let cols = cg * ksz;
  let j0 = gid.x * 4u;
  let o0 = wid.y * ${rows}u;
  if (j0 >= cols) { return; }
  let g = wid.z / p.chunks;
  let chunk = wid.z % p.chunks;
  let hw = p.h * p.w;
  let ohw = p.oh * p.ow;
  let H = i32(p.h);
  let W = i32(p.w);
  let j = min(vec4u(j0) + vec4u(0u, 1u, 2u, 3u), vec4u(cols - 1u));
  let ci = j / ksz;
  let tap = j % ksz;
  let hOff = vec4i((tap / p.kw) * p.dh) - i32(p.ph);
  let wOff = vec4i((tap % p.kw) * p.dw) - i32(p.pw);
  let xChan = (g * cg + ci) * hw;
${accDecl.join("\n")}
  let rowStart = chunk * p.chunkRows;
  let rowEnd = min(rowStart + p.chunkRows, p.n * p.oh);
  for (var row = rowStart; row < rowEnd; row++) {
    let n = row / p.oh;
    let oh = row % p.oh;
    let ih = vec4i(i32(oh * p.sh)) + hOff;
    let okH = (ih >= vec4i(0)) & (ih < vec4i(H));
    let xRow = vec4i(xChan + n * p.c * hw) + select(vec4i(0), ih * W, okH);
${loads.join("\n")}
    for (var ow = 0u; ow < p.ow; ow++) {
      let iw = wOff + i32(ow * p.sw);
      let ok = okH & (iw >= vec4i(0)) & (iw < vec4i(W));
      let xo = vec4u(xRow + select(vec4i(0), iw, ok));
      let b = vec4f(x[xo.x], x[xo.y], x[xo.z], x[xo.w]) * select(vec4f(0.0), vec4f(1.0), ok);
${fmas.join("\n")}
    }
  }
  let total = p.oc * cols;
${stores.join("\n")}
}
`;
}

const BACKWARD_WEIGHT_4 = backwardWeightSource(4);
const BACKWARD_WEIGHT_8 = backwardWeightSource(8);

/** Output channels per workgroup of the weight gradient: 8, or 4 for narrow layers. */
export function conv2dWeightRows(g: Conv2dGeometry): 4 | 8 {
  return g.outChannels / g.groups > 4 ? 8 : 4;
}

/** Adds `chunks` partial slices of length `total` in index order. */
const SUM_CHUNKS = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let total = p.oc * (p.c / p.groups) * p.kh * p.kw;
  let i = gid.x + gid.y * 65535u * 64u;
  if (i >= total) { return; }
  var s = 0.0;
  for (var k = 0u; k < p.chunks; k++) { s += partial[k * total + i]; }
  out[i] = s;
}
`;

const BACKWARD_BIAS = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let o = wid.x;
  let ohw = p.oh * p.ow;
  let count = p.n * ohw;
  var s = 0.0;
  for (var k = t; k < count; k += 64u) {
    let n = k / ohw;
    s += dy[(n * p.oc + o) * ohw + k % ohw];
  }
  partial[t] = s;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (t < stride) { partial[t] += partial[t + stride]; }
    workgroupBarrier();
  }
  if (t == 0u) { db[o] = partial[0]; }
}
`;

function params(g: Conv2dGeometry, flag = 0, chunkRows = 0, chunks = 1): Uint32Array {
  return packWords([
    g.batch,
    g.inChannels,
    g.height,
    g.width,
    g.outChannels,
    g.outH,
    g.outW,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.groups,
    flag,
    chunkRows,
    chunks,
    0,
  ]);
}

function uniform(device: GPUDevice, g: Conv2dGeometry, flag = 0, chunkRows = 0, chunks = 1) {
  return uniformBuffer(device, params(g, flag, chunkRows, chunks));
}

const dummies = new WeakMap<GPUDevice, GPUBuffer>();
function dummyBuffer(device: GPUDevice): GPUBuffer {
  let b = dummies.get(device);
  if (!b) {
    b = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
    dummies.set(device, b);
  }
  return b;
}

function checkGrid(workgroups: [number, number, number]) {
  for (const w of workgroups) {
    if (w > 65535) throw new Error(`conv2d: dispatch of ${w} workgroups exceeds 65535`);
  }
}

/** y = conv2d(x, w) + bias. Records into `encoder` when given, else submits. */
export function conv2dForward(
  device: GPUDevice,
  g: Conv2dGeometry,
  x: GPUBuffer,
  w: GPUBuffer,
  bias: GPUBuffer | null,
  y: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  const grid: [number, number, number] = [
    ceilDiv(ceilDiv(g.outH * g.outW, 4), 64),
    ceilDiv(g.outChannels / g.groups, 8),
    g.batch * g.groups,
  ];
  checkGrid(grid);
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [uniform(device, g, bias ? 1 : 0), x, w, bias ?? dummyBuffer(device), y],
      workgroups: grid,
      label: "conv2d-forward",
    },
    encoder,
  );
}

/** dx = ∂L/∂x given dy (overwrites dx). */
export function conv2dBackwardInput(
  device: GPUDevice,
  g: Conv2dGeometry,
  dy: GPUBuffer,
  w: GPUBuffer,
  dx: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  const grid: [number, number, number] = [
    ceilDiv(ceilDiv(g.height * g.width, 4), 64),
    ceilDiv(g.inChannels / g.groups, 8),
    g.batch * g.groups,
  ];
  checkGrid(grid);
  dispatch(
    device,
    {
      code: BACKWARD_INPUT,
      bindings: [uniform(device, g), dy, w, dx],
      workgroups: grid,
      label: "conv2d-backward-input",
    },
    encoder,
  );
}

/** How many split-K chunks the weight gradient uses: enough invocations to fill a device. */
export function conv2dWeightChunks(g: Conv2dGeometry, targetInvocations = 4096): number {
  const cols = (g.inChannels / g.groups) * g.kernelH * g.kernelW;
  const tiles =
    ceilDiv(cols, 4) * ceilDiv(g.outChannels / g.groups, conv2dWeightRows(g)) * g.groups;
  const rows = g.batch * g.outH;
  const wanted = Math.ceil(targetInvocations / tiles);
  // Keep each chunk at least 4 rows long so the partial-sum pass stays cheap.
  return Math.max(1, Math.min(wanted, Math.floor(rows / 4), 256));
}

const scratch = new WeakMap<GPUDevice, GPUBuffer>();
function scratchBuffer(device: GPUDevice, bytes: number): GPUBuffer {
  let b = scratch.get(device);
  if (!b || b.size < bytes) {
    // The old buffer is dropped, not destroyed: an unsubmitted encoder may still reference it.
    b = device.createBuffer({ size: Math.max(bytes, 1024), usage: GPUBufferUsage.STORAGE });
    scratch.set(device, b);
  }
  return b;
}

/** dw = ∂L/∂w given x and dy (overwrites dw). */
export function conv2dBackwardWeight(
  device: GPUDevice,
  g: Conv2dGeometry,
  x: GPUBuffer,
  dy: GPUBuffer,
  dw: GPUBuffer,
  encoder?: GPUCommandEncoder,
  chunks = conv2dWeightChunks(g),
): void {
  const rows = g.batch * g.outH;
  const chunkRows = Math.ceil(rows / chunks);
  const used = Math.ceil(rows / chunkRows);
  const total = conv2dSizes(g).weight;
  const rowsPerGroup = conv2dWeightRows(g);
  const code = rowsPerGroup === 8 ? BACKWARD_WEIGHT_8 : BACKWARD_WEIGHT_4;
  const grid: [number, number, number] = [
    ceilDiv(ceilDiv((g.inChannels / g.groups) * g.kernelH * g.kernelW, 4), 64),
    ceilDiv(g.outChannels / g.groups, rowsPerGroup),
    g.groups * used,
  ];
  checkGrid(grid);
  const own = encoder ?? device.createCommandEncoder();
  if (used === 1) {
    dispatch(
      device,
      {
        code,
        bindings: [uniform(device, g, 0, chunkRows, 1), x, dy, dw],
        workgroups: grid,
        label: "conv2d-backward-weight",
      },
      own,
    );
  } else {
    const partial = scratchBuffer(device, used * total * 4);
    const u = uniform(device, g, 1, chunkRows, used);
    dispatch(
      device,
      {
        code,
        bindings: [u, x, dy, partial],
        workgroups: grid,
        label: "conv2d-backward-weight",
      },
      own,
    );
    const groups = ceilDiv(total, 64);
    dispatch(
      device,
      {
        code: SUM_CHUNKS,
        bindings: [u, partial, dw],
        workgroups: [Math.min(groups, 65535), ceilDiv(groups, 65535)],
        label: "conv2d-backward-weight-sum",
      },
      own,
    );
  }
  if (!encoder) device.queue.submit([own.finish()]);
}

/** db = Σ_{n,oh,ow} dy (overwrites db). */
export function conv2dBackwardBias(
  device: GPUDevice,
  g: Conv2dGeometry,
  dy: GPUBuffer,
  db: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  if (g.outChannels > 65535) throw new Error("conv2d: more than 65535 output channels");
  dispatch(
    device,
    {
      code: BACKWARD_BIAS,
      bindings: [uniform(device, g), dy, db],
      workgroups: [g.outChannels],
      label: "conv2d-backward-bias",
    },
    encoder,
  );
}
