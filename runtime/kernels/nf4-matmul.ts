/**
 * Dequantise-fused NF4 matmuls (QLoRA base layer), W = [out,in] quantised as in nf4.ts:
 *
 *   forward   Y[T,out] = X[T,in] · Wᵀ
 *   backward  dX[T,in] = dY[T,out] · W      (the input gradient; W is frozen, so no dW)
 *
 * The weight is decoded in the tile load, in registers: each invocation reads packed u32 words
 * (8 codes) and the block scale, looks the codes up in the 16-entry table and multiplies, and
 * feeds the FMAs directly; the fp32 weight never exists in memory. With double quantisation the
 * block scale is decoded in the kernel too (map[q]·absmax₂ + offset). Tiling follows
 * runtime/kernels/matmul.ts (no workgroup memory: on lavapipe barriers cost more than they save).
 *
 * With a fixed subgroup size of 8 (llvmpipe) and more than 8 tokens, the forward runs
 * nf4ForwardSubgroupWgsl instead: each lane decodes one word of its own column per 8 k values
 * (a select tree, no table gather) and X is shared with subgroupBroadcast. On lavapipe it ran
 * 1.3× faster than the fp32 matmul of the same product (512×1024×1024), since one u32 load
 * replaces eight f32 loads per lane.
 *
 * Fast paths: forward needs in % 8 == 0 (a u32 word never straddles a row), backward needs
 * in % 16 == 0 (16 output columns = two words of one 64-block). Other sizes take a simple
 * one-output-per-invocation path that decodes element by element (correct for any shape, slow,
 * and small to compile).
 */
import { packWords } from "./param-words.js";
import { ceilDiv, dispatch, memoizeCode, type BufferBinding, uniformBuffer } from "./launch.js";
import { NF4_WGSL, dynamicMapBuffer, type Nf4GpuWeight } from "./nf4.js";
import { NF4_DQ_BLOCK, NF4_VALUES } from "./nf4-tables.js";
import { fixedSubgroupSize } from "../device/acquire.js";

const TM = 4;

function scaleBindings(doubleQuant: boolean, first: number): string {
  if (!doubleQuant) {
    return `@group(0) @binding(${first}) var<storage, read> absmax: array<f32>;
fn blockScale(b: u32) -> f32 { return absmax[b]; }
`;
  }
  return `@group(0) @binding(${first}) var<storage, read> qabsmax: array<u32>;
@group(0) @binding(${first + 1}) var<storage, read> absmax2: array<f32>;
@group(0) @binding(${first + 2}) var<storage, read> offset: array<f32>;
@group(0) @binding(${first + 3}) var<storage, read> dmap: array<f32>;
fn blockScale(b: u32) -> f32 {
  let c = (qabsmax[b >> 2u] >> ((b & 3u) * 8u)) & 255u;
  let scaled = dmap[c] * absmax2[b / ${NF4_DQ_BLOCK}u];
  return scaled + offset[0];
}
`;
}

const COMMON = /* wgsl */ `
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${NF4_WGSL}
`;

/** Element f of the flattened weight (any shape). */
const W_AT = /* wgsl */ `
fn wAt(f: u32) -> f32 {
  return NF4_LUT[(codes[f >> 3u] >> nf4Shift(f & 7u)) & 15u] * blockScale(f >> 6u);
}`;

/** Eight decoded values of one word, as two vec4 in element order. */
function decode(word: string, s: string, lo: string, hi: string): string {
  const at = (shift: number) => `NF4_LUT[(${word} >> ${shift}u) & 15u]`;
  return `    let ${lo} = vec4f(${at(4)}, ${at(0)}, ${at(12)}, ${at(8)}) * ${s};
    let ${hi} = vec4f(${at(20)}, ${at(16)}, ${at(28)}, ${at(24)}) * ${s};
`;
}

/** Any shape: one output per invocation, C[m,n] = Σ_k A[m,k]·W(k,n). */
function elementwiseWgsl(forward: boolean, doubleQuant: boolean): string {
  // forward: W element (n,k) is f = n·K + k; backward: W is [K,N], element (k,n) is f = k·N + n.
  const f = forward ? "n * p.K + k" : "k * p.N + n";
  return `${COMMON}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> codes: array<u32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
${scaleBindings(doubleQuant, 4)}${W_AT}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let n = g.x;
  let m = g.y;
  if (m >= p.M || n >= p.N) { return; }
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) { acc = fma(A[m * p.K + k], wAt(${f}), acc); }
  C[m * p.N + n] = acc;
}
`;
}

/**
 * Rows per invocation of the forward kernel (the decoded weight words are shared by them).
 * 8 rows measured 1.0× (load ~17) and then 1.7× slower (load ~12) than 4 in A/B runs.
 */
export const NF4_FORWARD_ROWS = 4;

/**
 * Forward: Y[M,N] = X[M,K]·Wᵀ, W [N,K]; invocation = `tm` rows × 4 columns (needs K % 8 == 0).
 * Each weight word (8 codes) is decoded once per invocation and used by all `tm` rows, so the
 * decode (table lookups, the costly part on CPUs) is amortised over `tm` rows; accumulators
 * are scalars (a 4-long FMA chain per word and output) to leave registers for the tile.
 */
export function nf4ForwardWgsl(
  doubleQuant: boolean,
  perBlock: boolean,
  tm = NF4_FORWARD_ROWS,
): string {
  let s = COMMON;
  s += `@group(0) @binding(1) var<storage, read> X: array<vec4f>;
@group(0) @binding(2) var<storage, read> codes: array<u32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
${scaleBindings(doubleQuant, 4)}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let row0 = g.y * ${tm}u;
  let col0 = g.x * 4u;
  if (row0 >= p.M || col0 >= p.N) { return; }
  let K4 = p.K / 4u;
  let K8 = p.K / 8u;
`;
  for (let i = 0; i < tm; i++) s += `  let a${i} = min(row0 + ${i}u, p.M - 1u) * K4;\n`;
  for (let j = 0; j < 4; j++) s += `  let b${j} = min(col0 + ${j}u, p.N - 1u) * K8;\n`;
  for (let i = 0; i < tm; i++) for (let j = 0; j < 4; j++) s += `  var c${i}_${j} = 0.0;\n`;
  // With in % 64 == 0 a row holds whole 64-blocks: the scale is read once per block (8 words);
  // otherwise a block may start mid-row and the scale is read per word.
  const step = perBlock ? 8 : 1;
  s += `  for (var kb = 0u; kb < K8; kb += ${step}u) {\n`;
  for (let j = 0; j < 4; j++) s += `    let s${j} = blockScale((b${j} + kb) >> 3u);\n`;
  s += perBlock ? `    for (var k = kb; k < kb + 8u; k++) {\n` : `    { let k = kb;\n`;
  for (let j = 0; j < 4; j++) {
    s += `    let w${j} = codes[b${j} + k];\n`;
    s += decode(`w${j}`, `s${j}`, `l${j}`, `h${j}`);
  }
  const chain = (x: string, w: string, acc: string) =>
    `fma(${x}.w, ${w}.w, fma(${x}.z, ${w}.z, fma(${x}.y, ${w}.y, fma(${x}.x, ${w}.x, ${acc}))))`;
  for (let i = 0; i < tm; i++) {
    s += `    let xl${i} = X[a${i} + 2u * k];\n    let xh${i} = X[a${i} + 2u * k + 1u];\n`;
    for (let j = 0; j < 4; j++) {
      s += `    c${i}_${j} = ${chain(`xh${i}`, `h${j}`, chain(`xl${i}`, `l${j}`, `c${i}_${j}`))};\n`;
    }
  }
  s += `    }\n  }\n`;
  for (let i = 0; i < tm; i++) {
    s += `  if (row0 + ${i}u < p.M) {\n`;
    for (let j = 0; j < 4; j++) {
      s += `    if (col0 + ${j}u < p.N) { Y[(row0 + ${i}u) * p.N + col0 + ${j}u] = c${i}_${j}; }\n`;
    }
    s += `  }\n`;
  }
  return s + "}\n";
}

/** Subgroup forward tile: rows × (8·cols) outputs per 8-lane subgroup, `sgx` subgroups along N. */
export const NF4_SUBGROUP_TILE = { rows: 16, cols: 2, sgx: 4 };

/**
 * NF4 value of a 4-bit code as a select tree over the 16 constants: exact, and on llvmpipe
 * about four vector ops per bit level instead of a per-lane table gather.
 */
const NF4_SELECT = (() => {
  const lit = (v: number) => (Number.isInteger(v) ? `${v}.0` : `${v}`);
  let level = NF4_VALUES.map(lit);
  const lines: string[] = [];
  for (let bit = 0; bit < 4; bit++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const name = `t${bit}_${i / 2}`;
      lines.push(`  let ${name} = select(${level[i]}, ${level[i + 1]}, (c & ${1 << bit}u) != 0u);`);
      next.push(name);
    }
    level = next;
  }
  return `fn nf4Value(c: u32) -> f32 {\n${lines.join("\n")}\n  return ${level[0]};\n}`;
})();

/**
 * Forward with subgroups (fixed subgroup size 8, K % 8 == 0): lane l owns columns
 * n0 + l + 8c of rows m0 + r. Per word (8 k values) each lane reads one packed u32 of its
 * column's W row and decodes it in registers; X is read as one 8-wide chunk per row (lane l
 * reads X[m, k0 + l]) and shared with subgroupBroadcast, as in ./matmul-subgroup.ts.
 * With K % 64 == 0 the block scale is read once per 64-block, else once per word.
 */
export function nf4ForwardSubgroupWgsl(
  doubleQuant: boolean,
  perBlock: boolean,
  tile = NF4_SUBGROUP_TILE,
): string {
  const { rows: R, cols: C, sgx } = tile;
  const L: string[] = [];
  L.push(`enable subgroups;
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> codes: array<u32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
${scaleBindings(doubleQuant, 4)}
${NF4_SELECT}
@compute @workgroup_size(${8 * sgx})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let n0 = (wid.x * ${sgx}u + li / 8u) * ${8 * C}u;
  let m0 = wid.y * ${R}u;
  let K8 = p.K / 8u;`);
  for (let r = 0; r < R; r++) L.push(`  let x${r} = min(m0 + ${r}u, p.M - 1u) * p.K + lane;`);
  for (let c = 0; c < C; c++) L.push(`  let w${c} = min(n0 + ${8 * c}u + lane, p.N - 1u) * K8;`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) L.push(`  var acc${r}_${c} = 0.0;`);
  // Element e of a word sits at bit 8·(e >> 1) + (e odd ? 0 : 4) (nf4.ts's nf4Shift).
  const shift = (e: number) => 8 * (e >> 1) + (e % 2 === 1 ? 0 : 4);
  if (perBlock) {
    L.push(`  for (var kb = 0u; kb < K8; kb += 8u) {`);
    for (let c = 0; c < C; c++) L.push(`    let sc${c} = blockScale((w${c} + kb) >> 3u);`);
    L.push(`    for (var kw = kb; kw < kb + 8u; kw++) {`);
  } else {
    L.push(`  for (var kw = 0u; kw < K8; kw++) {`);
    L.push(`    {`);
    for (let c = 0; c < C; c++) L.push(`    let sc${c} = blockScale((w${c} + kw) >> 3u);`);
  }
  L.push(`    let k0 = kw * 8u;`);
  for (let r = 0; r < R; r++) L.push(`    let a${r} = X[x${r} + k0];`);
  for (let c = 0; c < C; c++) {
    L.push(`    let q${c} = codes[w${c} + kw];`);
    for (let e = 0; e < 8; e++)
      L.push(`    let v${e}_${c} = nf4Value((q${c} >> ${shift(e)}u) & 15u) * sc${c};`);
  }
  for (let r = 0; r < R; r++)
    for (let e = 0; e < 8; e++) L.push(`    let s${r}_${e} = subgroupBroadcast(a${r}, ${e}u);`);
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      let ex = `acc${r}_${c}`;
      for (let e = 0; e < 8; e++) ex = `fma(s${r}_${e}, v${e}_${c}, ${ex})`;
      L.push(`    acc${r}_${c} = ${ex};`);
    }
  L.push(`    }\n  }`);
  for (let r = 0; r < R; r++) {
    L.push(`  if (m0 + ${r}u < p.M) {`);
    for (let c = 0; c < C; c++) {
      const n = `n0 + ${8 * c}u + lane`;
      L.push(`    if (${n} < p.N) { Y[(m0 + ${r}u) * p.N + ${n}] = acc${r}_${c}; }`);
    }
    L.push(`  }`);
  }
  L.push(`}`);
  return L.join("\n");
}

/** Backward: dX[M,N] = dY[M,K]·W, W [K,N]; invocation = 4 rows × 16 columns (needs N % 16 == 0). */
export function nf4BackwardWgsl(doubleQuant: boolean): string {
  let s = COMMON;
  s += `@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read> codes: array<u32>;
@group(0) @binding(3) var<storage, read_write> DX: array<vec4f>;
${scaleBindings(doubleQuant, 4)}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let row0 = g.y * ${TM}u;
  let col0 = g.x * 16u;
  if (row0 >= p.M || col0 >= p.N) { return; }
  let N8 = p.N / 8u;
  let cw = col0 / 8u;
`;
  for (let i = 0; i < TM; i++) s += `  let a${i} = min(row0 + ${i}u, p.M - 1u) * p.K;\n`;
  for (let i = 0; i < TM; i++) for (let j = 0; j < 4; j++) s += `  var c${i}${j} = vec4f(0.0);\n`;
  s += `  for (var k = 0u; k < p.K; k++) {\n`;
  for (let i = 0; i < TM; i++) s += `    let x${i} = vec4f(DY[a${i} + k]);\n`;
  s += `    let wi = k * N8 + cw;\n    let w0 = codes[wi];\n    let w1 = codes[wi + 1u];\n    let sc = blockScale(wi >> 3u);\n`;
  s += decode("w0", "sc", "v0", "v1") + decode("w1", "sc", "v2", "v3");
  for (let i = 0; i < TM; i++)
    for (let j = 0; j < 4; j++) s += `    c${i}${j} = fma(x${i}, v${j}, c${i}${j});\n`;
  s += `  }\n`;
  for (let i = 0; i < TM; i++) {
    s += `  if (row0 + ${i}u < p.M) {\n    let o = (row0 + ${i}u) * p.N;\n`;
    for (let j = 0; j < 4; j++) s += `    DX[o / 4u + g.x * 4u + ${j}u] = c${i}${j};\n`;
    s += `  }\n`;
  }
  return s + "}\n";
}

const subgroupForwardCode = memoizeCode(
  (dq: boolean, perBlock: boolean) => `${dq}/${perBlock}`,
  (dq: boolean, perBlock: boolean) => nf4ForwardSubgroupWgsl(dq, perBlock),
);

function scaleBuffers(device: GPUDevice, weight: Nf4GpuWeight): BufferBinding[] {
  if (weight.dq)
    return [weight.dq.qabsmax, weight.dq.absmax2, weight.dq.offset, dynamicMapBuffer(device)];
  if (!weight.absmax) throw new Error("internal: NF4 weight without absmax");
  return [weight.absmax];
}

export interface Nf4LinearShape {
  tokens: number;
  inFeatures: number;
  outFeatures: number;
}

function checkNumel(shape: Nf4LinearShape, weight: Nf4GpuWeight): void {
  if (weight.numel !== shape.inFeatures * shape.outFeatures) {
    throw new Error(
      `internal: NF4 weight has ${weight.numel} elements, expected ${shape.outFeatures}×${shape.inFeatures}`,
    );
  }
}

/** Records Y = X·Wᵀ with W in NF4. */
export function encodeNf4MatmulForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: Nf4LinearShape,
  weight: Nf4GpuWeight,
  buf: { x: BufferBinding; y: BufferBinding },
  /** Rows per invocation (benchmarks compare tile heights); default NF4_FORWARD_ROWS. */
  rows = NF4_FORWARD_ROWS,
  /** Use the subgroup kernel where the device allows it (default); false forces the other. */
  useSubgroups = true,
): void {
  checkNumel(shape, weight);
  const { tokens: M, outFeatures: N, inFeatures: K } = shape;
  if (M === 0 || N === 0) return;
  const fast = K % 8 === 0;
  const dq = weight.dq !== undefined;
  if (fast && useSubgroups && fixedSubgroupSize(device) === 8 && M > 8) {
    const t = NF4_SUBGROUP_TILE;
    dispatch(
      device,
      {
        code: subgroupForwardCode(dq, K % 64 === 0),
        bindings: [
          uniformBuffer(device, packWords([M, N, K])),
          buf.x,
          weight.codes,
          buf.y,
          ...scaleBuffers(device, weight),
        ],
        workgroups: [ceilDiv(N, 8 * t.cols * t.sgx), ceilDiv(M, t.rows)],
        label: "nf4-matmul-forward-subgroup",
      },
      encoder,
    );
    return;
  }
  dispatch(
    device,
    {
      code: fast ? nf4ForwardWgsl(dq, K % 64 === 0, rows) : elementwiseWgsl(true, dq),
      bindings: [
        uniformBuffer(device, packWords([M, N, K])),
        buf.x,
        weight.codes,
        buf.y,
        ...scaleBuffers(device, weight),
      ],
      workgroups: fast ? [ceilDiv(N, 32), ceilDiv(M, 8 * rows)] : [ceilDiv(N, 8), ceilDiv(M, 8)],
      label: "nf4-matmul-forward",
    },
    encoder,
  );
}

/** Records dX = dY·W with W in NF4. */
export function encodeNf4MatmulBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: Nf4LinearShape,
  weight: Nf4GpuWeight,
  buf: { dy: BufferBinding; dx: BufferBinding },
): void {
  checkNumel(shape, weight);
  const { tokens: M, outFeatures: K, inFeatures: N } = shape;
  if (M === 0 || N === 0) return;
  const fast = N % 16 === 0;
  const dq = weight.dq !== undefined;
  dispatch(
    device,
    {
      code: fast ? nf4BackwardWgsl(dq) : elementwiseWgsl(false, dq),
      bindings: [
        uniformBuffer(device, packWords([M, N, K])),
        buf.dy,
        weight.codes,
        buf.dx,
        ...scaleBuffers(device, weight),
      ],
      workgroups: fast ? [ceilDiv(N, 128), ceilDiv(M, 32)] : [ceilDiv(N, 8), ceilDiv(M, 8)],
      label: "nf4-matmul-backward",
    },
    encoder,
  );
}
