/**
 * The matmul WGSL generator (one generator for every variant) and its launcher.
 *
 *   C[b] = epilogue( alpha·op(A[b])·op(B[b]) + scale2·op(A2[b])·op(B2[b]) )
 *   epilogue(v) = user( act(v + bias[n]) + beta·residual[b,m,n] )
 *
 * op(X) = X or Xᵀ (`transA`: A stored [K, M]; `transB`: B stored [N, K]), so backward's
 * dX = dY·Wᵀ-style and dW = Xᵀ·dY products need no transpose copies. Each invocation keeps a
 * TM×TN register tile (TN in vec4 columns) and walks K four at a time with vec4 loads along
 * the contiguous axis of each operand; out-of-range rows/columns are clamped on load and
 * skipped on store, so any M, N, K works. No workgroup memory and no barriers: on lavapipe
 * (llvmpipe) barriers are coroutine switches and workgroup memory is ordinary memory, so the
 * CPU caches do the tiling. Small M (≤ 8) uses a GEMV-shaped tile (all rows in one
 * invocation); few output tiles with a long K use split-K in two passes (partials, then a
 * reduction that applies the epilogue), since WGSL has no float atomics.
 *
 * Where the device has a fixed subgroup size of 8 (llvmpipe with AVX2: `subgroups` is requested
 * by runtime/device/acquire.ts) and M > 8, the same contract runs on the subgroup-broadcast
 * kernel of ./matmul-subgroup.ts instead (every load distinct per lane, A shared with
 * subgroupBroadcast): at 1024³ on lavapipe it did 7–8.6 GFLOP per CPU-second against 4.2–5.3 for
 * this kernel, and 13.9 vs 10.6 GFLOP/s wall on an idle machine. `kernel: "tiled"` forces this one.
 * CPU reference: ./matmul-cpu.ts.
 */
import { dispatch, uniformBuffer, type BufferBinding } from "./launch.js";
import type { MatmulActivation } from "./matmul-cpu.js";
import { linearGrid, LINEAR_INDEX, LINEAR_PARAMS } from "./elementwise.js";
import {
  epilogueFn,
  extraBindings,
  NORMAL_CDF,
  operandDecl,
  PARAMS_STRUCT,
  type KernelKey,
  type MatmulTileConfig,
  type OperandLayout,
  type SubgroupTile,
} from "./matmul-common.js";
import { chooseSubgroupTile, generateSubgroupMatmul } from "./matmul-subgroup.js";
import { fixedSubgroupSize } from "../device/acquire.js";

export type { MatmulActivation } from "./matmul-cpu.js";
export type { MatmulTileConfig, SubgroupTile } from "./matmul-common.js";
export { ACTIVATION_WGSL } from "./matmul-common.js";

/**
 * 8 rows × 4 columns per invocation, 64 invocations along N: the tile for transposed B (the
 * nn.Linear [out,in] weight) and for fused second products (LoRA), where the 4×8 tile below
 * measured no better (transB) or clearly worse (fused LoRA forward 1.76× the base instead of
 * ~1.08×, process CPU time 1.67×).
 */
export const DEFAULT_TILE: MatmulTileConfig = { tm: 8, tn: 4, wgx: 64, wgy: 1 };

/**
 * 4 rows × 8 columns per invocation, 32 invocations along N: the tile for plain A·B (B stored
 * [K, N]). On lavapipe (llvmpipe, Mesa 25, 8-wide) it beat DEFAULT_TILE in four separate A/B
 * runs at 1024³ (GFLOP per CPU-second 4.0 vs 3.4 and 3.9 vs 2.5; wall 5.2 vs 4.9 and 1.6 vs 1.1
 * GFLOP/s, the latter under load average ~17); 8×8, 4×16, 2×16 and 2-D workgroups were
 * slower. Cost there is dominated by loads (each lane's vec4 load is four gathers), not FMAs.
 */
export const WIDE_TILE: MatmulTileConfig = { tm: 4, tn: 8, wgx: 32, wgy: 1 };

export interface MatmulEpilogue {
  /** Per-column bias, length N. */
  bias?: BufferBinding;
  activation?: MatmulActivation;
  /** Added after the activation: + beta·residual, laid out like C. */
  residual?: BufferBinding;
  beta?: number;
  /**
   * Arbitrary WGSL applied last. `wgsl(first)` must define
   * `fn user_epilogue(v: f32, m: u32, n: u32, batch: u32) -> f32` and may declare its own
   * storage bindings at @group(0) @binding(first), first+1, ... given in `bindings`.
   */
  custom?: { key: string; wgsl: (firstBinding: number) => string; bindings: BufferBinding[] };
}

export interface MatmulSecondProduct {
  a: BufferBinding;
  b: BufferBinding;
  /** Inner dimension of the second product (e.g. the LoRA rank). */
  K: number;
  transA?: boolean;
  transB?: boolean;
  scale?: number;
  aBatchStride?: number;
  bBatchStride?: number;
}

export interface MatmulArgs {
  a: BufferBinding;
  b: BufferBinding;
  out: BufferBinding;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  batch?: number;
  /** Element strides between batch matrices; 0 broadcasts one matrix. Default dense. */
  aBatchStride?: number;
  bBatchStride?: number;
  alpha?: number;
  epilogue?: MatmulEpilogue;
  /** Accumulated into the same register tile before the epilogue (fused LoRA). */
  second?: MatmulSecondProduct;
  /** Force a tile configuration (benchmarks; implies the register-tiled kernel). */
  tile?: MatmulTileConfig;
  /**
   * "auto" (default): the subgroup-broadcast kernel (./matmul-subgroup.ts) when the device has
   * a fixed subgroup size of 8 and M > 8, else the register-tiled kernel; "tiled" / "subgroup"
   * force one (benchmarks, tests). `subgroupTile` overrides the subgroup tile.
   */
  kernel?: "auto" | "tiled" | "subgroup";
  subgroupTile?: SubgroupTile;
  /** K-slices for split-K (needs `scratch` of splits·batch·M·N floats). */
  splits?: number;
  scratch?: BufferBinding;
}

/**
 * Code for one K loop accumulating op(X)·op(Y) into acc_i_j. `x`/`y` name the buffers
 * (x4/y4 their vec4 views), `K`/`kb`/`ke` WGSL expressions, `ascale` multiplies A values.
 */
function kLoop(
  tile: MatmulTileConfig,
  x: string,
  y: string,
  la: OperandLayout,
  lb: OperandLayout,
  K: string,
  kb: string,
  ke: string,
  xOff: string,
  yOff: string,
  ascale: string | null,
): string {
  const { tm, tn } = tile;
  const nv = tn / 4;
  const lines: string[] = [];
  const sc = (e: string) => (ascale ? `(${e}) * ${ascale}` : e);
  const xs = (idx: string) => (la.vec ? `${x}_at(${idx})` : `${x}[${idx}]`);
  const ys = (idx: string) => (lb.vec ? `${y}_at(${idx})` : `${y}[${idx}]`);
  // A value for row i at k expression kk.
  const aScalar = (i: number, kk: string) =>
    la.trans ? xs(`${xOff} + (${kk}) * p.M + r${i}`) : xs(`${xOff} + r${i} * ${K} + ${kk}`);
  const bScalar = (c: number, kk: string) =>
    lb.trans ? ys(`${yOff} + c${c} * ${K} + ${kk}`) : ys(`${yOff} + (${kk}) * p.N + c${c}`);

  lines.push(`  {`);
  // Loop-invariant bases (in vec4 units for vec4 operands), hoisted out of the K loop.
  if (la.vec && !la.trans)
    for (let i = 0; i < tm; i++) lines.push(`  let pa${i} = (${xOff} + r${i} * ${K}) / 4u;`);
  if (la.vec && la.trans) {
    lines.push(`  let m4 = p.M / 4u;`);
    for (let q = 0; q < tm / 4; q++) lines.push(`  let pa${q} = (${xOff} + rq${q}) / 4u;`);
  }
  if (lb.vec && !lb.trans) {
    lines.push(`  let n4 = p.N / 4u;`);
    for (let j = 0; j < nv; j++) lines.push(`  let pb${j} = (${yOff} + cq${j}) / 4u;`);
  }
  if (lb.vec && lb.trans)
    for (let c = 0; c < tn; c++) lines.push(`  let pb${c} = (${yOff} + c${c} * ${K}) / 4u;`);
  lines.push(`  let k4end = ${kb} + ((${ke} - ${kb}) / 4u) * 4u;`);
  lines.push(`  for (var k = ${kb}; k < k4end; k += 4u) {`);
  lines.push(`    let kq = k / 4u;`);
  // A block: a_i_t.
  if (!la.trans && la.vec) {
    for (let i = 0; i < tm; i++) lines.push(`    let va${i} = ${x}4[pa${i} + kq];`);
    for (let i = 0; i < tm; i++)
      for (let t = 0; t < 4; t++) lines.push(`    let a${i}_${t} = ${sc(`va${i}[${t}]`)};`);
  } else if (la.trans && la.vec) {
    for (let t = 0; t < 4; t++)
      for (let q = 0; q < tm / 4; q++)
        lines.push(`    let va${t}_${q} = ${x}4[pa${q} + (k + ${t}u) * m4];`);
    for (let i = 0; i < tm; i++)
      for (let t = 0; t < 4; t++)
        lines.push(`    let a${i}_${t} = ${sc(`va${t}_${Math.floor(i / 4)}[${i % 4}]`)};`);
  } else {
    for (let i = 0; i < tm; i++)
      for (let t = 0; t < 4; t++)
        lines.push(`    let a${i}_${t} = ${sc(aScalar(i, `k + ${t}u`))};`);
  }
  // B (vec4 over columns 4j..4j+3 at k + t), each step's loads next to its FMAs.
  if (lb.trans && lb.vec)
    for (let c = 0; c < tn; c++) lines.push(`    let vb${c} = ${y}4[pb${c} + kq];`);
  for (let t = 0; t < 4; t++) {
    for (let j = 0; j < nv; j++) {
      let load: string;
      if (!lb.trans && lb.vec) load = `${y}4[pb${j} + (k + ${t}u) * n4]`;
      else if (lb.trans && lb.vec)
        load = `vec4<f32>(vb${4 * j}[${t}], vb${4 * j + 1}[${t}], vb${4 * j + 2}[${t}], vb${4 * j + 3}[${t}])`;
      else
        load = `vec4<f32>(${[0, 1, 2, 3].map((u) => bScalar(4 * j + u, `k + ${t}u`)).join(", ")})`;
      lines.push(`    let b${t}_${j} = ${load};`);
    }
    for (let i = 0; i < tm; i++)
      for (let j = 0; j < nv; j++)
        lines.push(`    acc${i}_${j} = fma(vec4<f32>(a${i}_${t}), b${t}_${j}, acc${i}_${j});`);
  }
  lines.push(`  }`);
  // Remainder (K % 4 or a split boundary): one k at a time, scalar loads.
  lines.push(`  for (var k = k4end; k < ${ke}; k++) {`);
  for (let i = 0; i < tm; i++) lines.push(`    let a${i} = ${sc(aScalar(i, "k"))};`);
  for (let j = 0; j < nv; j++)
    lines.push(
      `    let b${j} = vec4<f32>(${[0, 1, 2, 3].map((u) => bScalar(4 * j + u, "k")).join(", ")});`,
    );
  for (let i = 0; i < tm; i++)
    for (let j = 0; j < nv; j++)
      lines.push(`    acc${i}_${j} = fma(vec4<f32>(a${i}), b${j}, acc${i}_${j});`);
  lines.push(`  }`);
  lines.push(`  }`);
  return lines.join("\n");
}

function kernelKeyString(key: KernelKey): string {
  return JSON.stringify({ ...key, custom: key.custom?.key });
}

const tiledCache = new Map<string, string>();
/** The WGSL for a kernel configuration (memoised: same configuration, same string). */
export function generateTiledMatmul(key: KernelKey): string {
  const k = kernelKeyString(key);
  let code = tiledCache.get(k);
  if (code === undefined) {
    code = generateTiledMatmulUncached(key);
    tiledCache.set(k, code);
  }
  return code;
}

function generateTiledMatmulUncached(key: KernelKey): string {
  const { tm, tn, wgx, wgy } = key.tile;
  const nv = tn / 4;
  const extra = extraBindings(key);
  const lines: string[] = [];
  lines.push(PARAMS_STRUCT);
  lines.push(NORMAL_CDF);
  lines.push(operandDecl(0, "A", key.a.vec));
  lines.push(operandDecl(1, "B", key.b.vec));
  lines.push(`@group(0) @binding(2) var<storage, read_write> C: array<f32>;`);
  lines.push(`@group(0) @binding(3) var<uniform> p: P;`);
  lines.push(extra.decl);
  if (!key.partial && key.custom) lines.push(key.custom.wgsl(extra.next));
  lines.push(epilogueFn(key.partial ? { bias: false, activation: "none", residual: false } : key));
  lines.push(`@compute @workgroup_size(${wgx}, ${wgy})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let bi = wid.z / p.splits;
  let si = wid.z % p.splits;
  let n0 = (wid.x * ${wgx}u + lid.x) * ${tn}u;
  let m0 = (wid.y * ${wgy}u + lid.y) * ${tm}u;
  if (m0 >= p.M || n0 >= p.N) { return; }`);
  for (let i = 0; i < tm; i++) lines.push(`  let r${i} = min(m0 + ${i}u, p.M - 1u);`);
  for (let q = 0; q < tm / 4; q++)
    lines.push(`  let rq${q} = min(m0 + ${4 * q}u, max(p.M, 4u) - 4u);`);
  for (let c = 0; c < tn; c++) lines.push(`  let c${c} = min(n0 + ${c}u, p.N - 1u);`);
  for (let j = 0; j < nv; j++) lines.push(`  let cq${j} = min(n0 + ${4 * j}u, max(p.N, 4u) - 4u);`);
  for (let i = 0; i < tm; i++)
    for (let j = 0; j < nv; j++) lines.push(`  var acc${i}_${j} = vec4<f32>(0.0);`);
  lines.push(`  let kb = si * p.kchunk;
  let ke = min(p.K, kb + p.kchunk);`);
  lines.push(
    kLoop(key.tile, "A", "B", key.a, key.b, "p.K", "kb", "ke", "bi * p.a_bs", "bi * p.b_bs", null),
  );
  for (let i = 0; i < tm; i++)
    for (let j = 0; j < nv; j++) lines.push(`  acc${i}_${j} = acc${i}_${j} * p.alpha;`);
  if (key.second) {
    lines.push(`  if (si == 0u) {`);
    lines.push(
      kLoop(
        key.tile,
        "A2",
        "B2",
        key.second.a,
        key.second.b,
        "p.K2",
        "0u",
        "p.K2",
        "bi * p.a2_bs",
        "bi * p.b2_bs",
        "p.scale2",
      ),
    );
    lines.push(`  }`);
  }
  // Store (partial: raw into the split slice).
  const cOff = key.partial ? "wid.z * p.M * p.N" : "bi * p.M * p.N";
  for (let i = 0; i < tm; i++) {
    lines.push(`  if (m0 + ${i}u < p.M) {`);
    for (let j = 0; j < nv; j++) {
      for (let u = 0; u < 4; u++) {
        const n = `n0 + ${4 * j + u}u`;
        const o = `${cOff} + (m0 + ${i}u) * p.N + ${n}`;
        const v = `acc${i}_${j}[${u}]`;
        lines.push(
          key.partial
            ? `    if (${n} < p.N) { C[${o}] = ${v}; }`
            : `    if (${n} < p.N) { let o = ${o}; C[o] = epilogue(${v}, m0 + ${i}u, ${n}, bi, o); }`,
        );
      }
    }
    lines.push(`  }`);
  }
  lines.push(`}`);
  return lines.join("\n");
}

const splitCache = new Map<string, string>();
function splitReduceCode(key: KernelKey): string {
  const k = kernelKeyString(key);
  let code = splitCache.get(k);
  if (code === undefined) {
    code = splitReduceCodeUncached(key);
    splitCache.set(k, code);
  }
  return code;
}

function splitReduceCodeUncached(key: KernelKey): string {
  const extra = extraBindings({ ...key, partial: false, second: undefined });
  return /* wgsl */ `
${PARAMS_STRUCT}
${NORMAL_CDF}
@group(0) @binding(0) var<storage, read> S: array<f32>;
@group(0) @binding(1) var<storage, read> unused: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: P;
${extra.decl}
${key.custom ? key.custom.wgsl(extra.next) : ""}
${epilogueFn(key)}
@compute @workgroup_size(64)
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  let mn = p.M * p.N;
  if (gi >= mn * p.batch) { return; }
  let bi = gi / mn;
  let r = gi % mn;
  var v = 0.0;
  for (var s = 0u; s < p.splits; s++) { v += S[(bi * p.splits + s) * mn + r]; }
  _ = unused[0];
  C[gi] = epilogue(v, r / p.N, r % p.N, bi, gi);
}`;
}

/**
 * Picks the tile: GEMV-shaped for M ≤ 8 (all rows in one invocation), else WIDE_TILE for a
 * plain product (`opts` absent, or neither transB nor a fused second product) and
 * DEFAULT_TILE otherwise, with the workgroup narrowed for small N so that few invocations idle.
 */
export function chooseTile(
  M: number,
  N = Infinity,
  opts: { transB?: boolean; second?: boolean } = {},
): MatmulTileConfig {
  // Invocations needed along N for a tile `tn` wide, as a power of two in [8, 64].
  const lanes = (tn: number) =>
    Math.max(8, Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(N / tn))))));
  if (M <= 8) return { tm: M <= 4 ? (M <= 1 ? 1 : 4) : 8, tn: 4, wgx: lanes(4), wgy: 1 };
  const base = opts.transB || opts.second ? DEFAULT_TILE : WIDE_TILE;
  return { ...base, wgx: Math.min(base.wgx, lanes(base.tn)) };
}

/** Heuristic split count: split K when there are few output tiles and K is long. */
export function chooseSplits(
  M: number,
  N: number,
  K: number,
  batch: number,
  tile = chooseTile(M, N),
): number {
  const tiles = Math.ceil(M / (tile.tm * tile.wgy)) * Math.ceil(N / (tile.tn * tile.wgx)) * batch;
  if (tiles >= 8 || K < 1024) return 1;
  return Math.max(1, Math.min(16, Math.floor(K / 256), Math.ceil(16 / tiles)));
}

function isAligned(n: number): boolean {
  return n % 4 === 0;
}

/** The subgroup tile to use for `args` on `device`, or null for the register-tiled kernel. */
function pickSubgroupTile(device: GPUDevice, args: MatmulArgs): SubgroupTile | null {
  const kind = args.kernel ?? "auto";
  if (kind === "tiled" || (kind === "auto" && args.tile)) return null;
  const lanes = fixedSubgroupSize(device);
  if (lanes !== 8) {
    if (kind === "subgroup") throw new Error("internal: subgroup matmul needs subgroups of 8");
    return null;
  }
  if (kind === "auto" && args.M <= 8) return null;
  return args.subgroupTile ?? chooseSubgroupTile(args.M, args.N, lanes);
}

/** Records the matmul (one dispatch, or two with split-K) into `encoder`. */
export function encodeMatmul(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  args: MatmulArgs,
): void {
  const { M, N, K } = args;
  const batch = args.batch ?? 1;
  const transA = !!args.transA;
  const transB = !!args.transB;
  const aBs = args.aBatchStride ?? M * K;
  const bBs = args.bBatchStride ?? K * N;
  const subgroup = pickSubgroupTile(device, args);
  const tile = args.tile ?? chooseTile(M, N, { transB, second: !!args.second });
  if (tile.tn % 4 !== 0) throw new Error("internal: matmul tile tn must be a multiple of 4");
  const splits = args.scratch ? Math.max(1, args.splits ?? 1) : 1;
  const ep = args.epilogue ?? {};
  const layout = (
    trans: boolean,
    contiguous: number,
    bs: number,
    tileDim: number,
  ): OperandLayout => ({
    trans,
    vec: !subgroup && isAligned(contiguous) && isAligned(bs) && tileDim % 4 === 0,
  });
  // Contiguous axis: A → K (or M when transposed), B → N (or K when transposed).
  const a = layout(transA, transA ? M : K, aBs, transA ? tile.tm : 4);
  const b = layout(transB, transB ? K : N, bBs, 4);
  const s2 = args.second;
  const second = s2
    ? {
        a: layout(
          !!s2.transA,
          s2.transA ? M : s2.K,
          s2.aBatchStride ?? M * s2.K,
          s2.transA ? tile.tm : 4,
        ),
        b: layout(!!s2.transB, s2.transB ? s2.K : N, s2.bBatchStride ?? s2.K * N, 4),
      }
    : undefined;
  const key: KernelKey = {
    a,
    b,
    tile,
    second,
    bias: !!ep.bias,
    activation: ep.activation ?? "none",
    residual: !!ep.residual,
    custom: ep.custom ? { key: ep.custom.key, wgsl: ep.custom.wgsl } : undefined,
    partial: splits > 1,
    ...(subgroup ? { subgroup } : {}),
  };
  // kchunk must be a multiple of 4 so vec4 loads stay aligned inside each slice.
  const kchunk = splits > 1 ? Math.ceil(K / splits / 4) * 4 : Math.max(K, 1);
  const params = new ArrayBuffer(64);
  const u = new Uint32Array(params);
  const f = new Float32Array(params);
  u.set([
    M,
    N,
    K,
    s2?.K ?? 0,
    aBs,
    bBs,
    s2?.aBatchStride ?? M * (s2?.K ?? 0),
    s2?.bBatchStride ?? (s2?.K ?? 0) * N,
    splits,
    kchunk,
    batch,
    0,
  ]);
  f[12] = args.alpha ?? 1;
  f[13] = ep.beta ?? 1;
  f[14] = s2?.scale ?? 1;
  const uniform = uniformBuffer(device, new Uint8Array(params));
  const tail: BufferBinding[] = [];
  if (!key.partial && ep.bias) tail.push(ep.bias);
  if (!key.partial && ep.residual) tail.push(ep.residual);
  if (s2) tail.push(s2.a, s2.b);
  if (!key.partial && ep.custom) tail.push(...ep.custom.bindings);
  const workgroups: [number, number, number] = subgroup
    ? [
        Math.ceil(N / (subgroup.lanes * subgroup.cols * subgroup.sgx)),
        Math.ceil(M / subgroup.rows),
        batch * splits,
      ]
    : [Math.ceil(N / (tile.tn * tile.wgx)), Math.ceil(M / (tile.tm * tile.wgy)), batch * splits];
  dispatch(
    device,
    {
      code: subgroup ? generateSubgroupMatmul(key) : generateTiledMatmul(key),
      bindings: [args.a, args.b, key.partial ? args.scratch! : args.out, uniform, ...tail],
      workgroups,
    },
    encoder,
  );
  if (key.partial) {
    const reduceTail: BufferBinding[] = [];
    if (ep.bias) reduceTail.push(ep.bias);
    if (ep.residual) reduceTail.push(ep.residual);
    if (ep.custom) reduceTail.push(...ep.custom.bindings);
    dispatch(
      device,
      {
        code: splitReduceCode(key),
        bindings: [args.scratch!, args.scratch!, args.out, uniform, ...reduceTail],
        workgroups: linearGrid(batch * M * N),
      },
      encoder,
    );
  }
}

/** The kernel source for a configuration (benchmarks print/measure it). */
export function matmulSource(args: {
  transA?: boolean;
  transB?: boolean;
  M: number;
  N: number;
  K: number;
  tile?: MatmulTileConfig;
}): string {
  const tile = args.tile ?? chooseTile(args.M, args.N, { transB: args.transB });
  return generateTiledMatmul({
    a: {
      trans: !!args.transA,
      vec: isAligned(args.transA ? args.M : args.K) && (!args.transA || tile.tm % 4 === 0),
    },
    b: { trans: !!args.transB, vec: isAligned(args.transB ? args.K : args.N) },
    tile,
    bias: false,
    activation: "none",
    residual: false,
    partial: false,
  });
}
