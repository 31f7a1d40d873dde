/**
 * The subgroup-broadcast matmul kernel (same contract and bindings as the register-tiled kernel
 * in ./matmul.ts, which picks between them), for adapters with a fixed subgroup size (llvmpipe:
 * 8 lanes with AVX2, one lane per SIMD slot).
 *
 * Lane l of a subgroup owns output columns n0 + l + lanes·c (c < cols) of rows m0 + r
 * (r < rows). Every operand load is then a different address per lane: B values are read once
 * per lane and reused by all `rows` rows; A is read in chunks of `lanes` k values (lane l reads
 * op(A)[m0 + r, k0 + l]) and each value is handed to every lane with
 * subgroupBroadcast(chunk, j), j a constant. On llvmpipe this avoids its costly loads whose
 * address is the same in all lanes (first-active-lane search and a branch per load) and
 * makes every gather serve `lanes` k steps. Accumulators are updated once per chunk (an
 * fma chain over the chunk), because llvmpipe masks every variable write inside a loop.
 *
 * No invocation leaves early: out-of-range rows/columns are clamped on load and skipped on store,
 * so all lanes of a subgroup stay active for the broadcasts. A partial last chunk (K not a
 * multiple of `lanes`, split-K slices) runs as a loop over its steps with subgroupShuffle (a
 * dynamic lane index), which keeps the shader small.
 */
import {
  epilogueFn,
  extraBindings,
  NORMAL_CDF,
  PARAMS_STRUCT,
  type KernelKey,
  type OperandLayout,
  type SubgroupTile,
} from "./matmul-common.js";

/** k steps per accumulator update (a whole 8-lane chunk measured best; 4 was ~5% slower). */
const CHAIN = 8;

/** Default tile: 16 rows × 16 columns per 8-lane subgroup, 4 subgroups along N. */
export const SUBGROUP_TILE: SubgroupTile = { lanes: 8, rows: 16, cols: 2, sgx: 4 };

/** Tile for a shape: fewer columns/subgroups for narrow N, fewer rows for short M. */
export function chooseSubgroupTile(M: number, N: number, lanes = 8): SubgroupTile {
  const cols = N <= lanes ? 1 : SUBGROUP_TILE.cols;
  const perSg = lanes * cols;
  const sgx = Math.max(1, Math.min(SUBGROUP_TILE.sgx, 2 ** Math.ceil(Math.log2(N / perSg))));
  const rows = M <= 8 ? Math.max(1, M) : M <= 16 ? 8 : SUBGROUP_TILE.rows;
  return { lanes, rows, cols, sgx };
}

interface LoopNames {
  /** Buffer names. */
  x: string;
  y: string;
  la: OperandLayout;
  lb: OperandLayout;
  /** WGSL expressions: inner length (row stride of a non-transposed A), K range, offsets. */
  K: string;
  kb: string;
  ke: string;
  xOff: string;
  yOff: string;
  /** Multiplies loaded A values (second product scale). */
  ascale: string | null;
  tag: string;
}

function kLoopSubgroup(t: SubgroupTile, n: LoopNames): string {
  const { lanes: S, rows: R, cols: C } = t;
  const { x, y, la, lb, K, kb, ke, xOff, yOff, tag } = n;
  const L: string[] = [];
  const sc = (e: string) => (n.ascale ? `${e} * ${n.ascale}` : e);
  // op(A)[row r, k] and op(B)[k, column c].
  const aAt = (r: number, k: string) =>
    la.trans ? `${x}[${xOff} + (${k}) * p.M + r${r}]` : `${x}[ar${tag}${r} + ${k}]`;
  const bAt = (c: number, k: string) =>
    lb.trans ? `${y}[bc${tag}${c} + ${k}]` : `${y}[${yOff} + (${k}) * p.N + c${c}]`;
  L.push(`  {`);
  if (!la.trans) for (let r = 0; r < R; r++) L.push(`  let ar${tag}${r} = ${xOff} + r${r} * ${K};`);
  if (lb.trans) for (let c = 0; c < C; c++) L.push(`  let bc${tag}${c} = ${yOff} + c${c} * ${K};`);
  const chunk = (k0: string, guarded: boolean) => {
    const kl = guarded ? `min(${k0} + lane, ${ke} - 1u)` : `${k0} + lane`;
    for (let r = 0; r < R; r++) L.push(`    let a${r} = ${sc(aAt(r, kl))};`);
    if (guarded) {
      // Tail chunk: a loop over its steps, sharing A with a (dynamic-lane) shuffle.
      L.push(`    for (var j = 0u; j < ${ke} - ${k0}; j++) {`);
      for (let c = 0; c < C; c++) L.push(`    let b${c} = ${bAt(c, `${k0} + j`)};`);
      for (let r = 0; r < R; r++) {
        L.push(`    let s${r} = subgroupShuffle(a${r}, j);`);
        for (let c = 0; c < C; c++) L.push(`    acc${r}_${c} = fma(s${r}, b${c}, acc${r}_${c});`);
      }
      L.push(`    }`);
      return;
    }
    // Loads and broadcasts of the chunk, then one chained update per accumulator.
    for (let g = 0; g < S; g += CHAIN) {
      const steps = Array.from({ length: Math.min(CHAIN, S - g) }, (_, i) => g + i);
      for (const j of steps)
        for (let c = 0; c < C; c++) L.push(`    let b${j}_${c} = ${bAt(c, `${k0} + ${j}u`)};`);
      for (const j of steps)
        for (let r = 0; r < R; r++) L.push(`    let s${r}_${j} = subgroupBroadcast(a${r}, ${j}u);`);
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) {
          let e = `acc${r}_${c}`;
          for (const j of steps) e = `fma(s${r}_${j}, b${j}_${c}, ${e})`;
          L.push(`    acc${r}_${c} = ${e};`);
        }
      }
    }
  };
  L.push(`  let kfull = ${kb} + ((${ke} - ${kb}) / ${S}u) * ${S}u;`);
  L.push(`  for (var k0 = ${kb}; k0 < kfull; k0 += ${S}u) {`);
  chunk("k0", false);
  L.push(`  }`);
  L.push(`  if (kfull < ${ke}) {`);
  chunk("kfull", true);
  L.push(`  }`);
  L.push(`  }`);
  return L.join("\n");
}

function generate(key: KernelKey): string {
  const t = key.subgroup!;
  const { lanes: S, rows: R, cols: C, sgx } = t;
  const extra = extraBindings(key);
  const L: string[] = [];
  L.push(`enable subgroups;`);
  L.push(PARAMS_STRUCT);
  L.push(NORMAL_CDF);
  L.push(`@group(0) @binding(0) var<storage, read> A: array<f32>;`);
  L.push(`@group(0) @binding(1) var<storage, read> B: array<f32>;`);
  L.push(`@group(0) @binding(2) var<storage, read_write> C: array<f32>;`);
  L.push(`@group(0) @binding(3) var<uniform> p: P;`);
  L.push(extra.decl);
  if (!key.partial && key.custom) L.push(key.custom.wgsl(extra.next));
  L.push(epilogueFn(key.partial ? { bias: false, activation: "none", residual: false } : key));
  L.push(`@compute @workgroup_size(${S * sgx})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let bi = wid.z / p.splits;
  let si = wid.z % p.splits;
  let n0 = (wid.x * ${sgx}u + li / ${S}u) * ${S * C}u;
  let m0 = wid.y * ${R}u;`);
  for (let r = 0; r < R; r++) L.push(`  let r${r} = min(m0 + ${r}u, p.M - 1u);`);
  for (let c = 0; c < C; c++) L.push(`  let c${c} = min(n0 + ${S * c}u + lane, p.N - 1u);`);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) L.push(`  var acc${r}_${c} = 0.0;`);
  L.push(`  let kb = si * p.kchunk;
  let ke = max(kb, min(p.K, kb + p.kchunk));`);
  L.push(
    kLoopSubgroup(t, {
      x: "A",
      y: "B",
      la: key.a,
      lb: key.b,
      K: "p.K",
      kb: "kb",
      ke: "ke",
      xOff: "bi * p.a_bs",
      yOff: "bi * p.b_bs",
      ascale: null,
      tag: "",
    }),
  );
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) L.push(`  acc${r}_${c} = acc${r}_${c} * p.alpha;`);
  if (key.second) {
    L.push(`  if (si == 0u) {`);
    L.push(
      kLoopSubgroup(t, {
        x: "A2",
        y: "B2",
        la: key.second.a,
        lb: key.second.b,
        K: "p.K2",
        kb: "0u",
        ke: "p.K2",
        xOff: "bi * p.a2_bs",
        yOff: "bi * p.b2_bs",
        ascale: "p.scale2",
        tag: "s",
      }),
    );
    L.push(`  }`);
  }
  const cOff = key.partial ? "wid.z * p.M * p.N" : "bi * p.M * p.N";
  for (let r = 0; r < R; r++) {
    L.push(`  if (m0 + ${r}u < p.M) {`);
    for (let c = 0; c < C; c++) {
      const nn = `n0 + ${S * c}u + lane`;
      const o = `${cOff} + (m0 + ${r}u) * p.N + ${nn}`;
      const v = `acc${r}_${c}`;
      L.push(
        key.partial
          ? `    if (${nn} < p.N) { C[${o}] = ${v}; }`
          : `    if (${nn} < p.N) { let o = ${o}; C[o] = epilogue(${v}, m0 + ${r}u, ${nn}, bi, o); }`,
      );
    }
    L.push(`  }`);
  }
  L.push(`}`);
  return L.join("\n");
}

const cache = new Map<string, string>();
/** The WGSL for a subgroup kernel configuration (memoised; `key.subgroup` must be set). */
export function generateSubgroupMatmul(key: KernelKey): string {
  const k = JSON.stringify({ ...key, custom: key.custom?.key });
  let code = cache.get(k);
  if (code === undefined) {
    code = generate(key);
    cache.set(k, code);
  }
  return code;
}
