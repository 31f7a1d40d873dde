/**
 * Causal scaled-dot-product attention with grouped-query heads, online softmax
 * (FlashAttention-style, one query per invocation, no T×T matrix in memory).
 *
 * Layouts (token-major, as the projections produce them):
 *   q, o   [B, Tq, H, D]      k, v   [B, Tk, Hkv, D]      lse  [B, H, Tq]
 * Query head h reads key/value head h / (H / Hkv). Query i sits at position qOffset + i and
 * attends keys j ≤ qOffset + i (qOffset = Tk − Tq for decoding with a KV cache; training uses
 * Tq = Tk, qOffset = 0). Forward keeps lse = m + log l per query for the backward:
 *   P_ij = exp(s_ij − lse_i), Dᵢ = dOᵢ·Oᵢ, dS_ij = P_ij (dOᵢ·v_j − Dᵢ)
 *   dQᵢ = scale Σ_j dS_ij k_j        (one invocation per query)
 *   dK_j = scale Σ_{h∈group, i} dS_ij qᵢ,  dV_j = Σ_{h∈group, i} P_ij dOᵢ   (one per key)
 * Neighbouring invocations handle neighbouring queries (or keys) of one head and walk the other
 * side in the same order, so on lavapipe those loads are uniform across SIMD lanes.
 * The head dimension is compiled in (one pipeline per D).
 *
 * Segments (packed sequences): with the optional `segments` buffer, u32 [B, Tk] (i32 bits are
 * read the same way), query i also needs seg[b, j] == seg[b, qOffset + i] to attend key j, so
 * examples packed into one row never see each other. It is a separate pipeline variant: without
 * the buffer the segment lines are left out of the shaders entirely (no extra load or branch:
 * the unmasked path is the plain causal kernel). With it, a key of another segment costs one
 * u32 load and a skipped iteration.
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

export interface AttentionShape {
  batch: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Query length. */
  queries: number;
  /** Key length (default = queries). */
  keys?: number;
  /** Softmax scale (default 1/√D). */
  scale?: number;
}

function header(D: number): string {
  return /* wgsl */ `
struct Params { B: u32, H: u32, Hkv: u32, Tq: u32, Tk: u32, qOffset: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
const D = ${D}u;
${flatIndexWgsl(64)}
`;
}

/** The segment-id buffer, bound after the kernel's other buffers (segmented variant only). */
function segmentDecl(binding: number): string {
  return /* wgsl */ `@group(0) @binding(${binding}) var<storage, read> SEG: array<u32>;`;
}

function forwardWgsl(D: number, segmented: boolean): string {
  return /* wgsl */ `${header(D)}
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read_write> O: array<f32>;
@group(0) @binding(5) var<storage, read_write> LSE: array<f32>;
${segmented ? segmentDecl(6) : ""}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let idx = flatIndex(gid);
  if (idx >= p.B * p.H * p.Tq) { return; }
  let i = idx % p.Tq;
  let bh = idx / p.Tq;
  let h = bh % p.H;
  let b = bh / p.H;
  let kvh = h / (p.H / p.Hkv);
  let qo = ((b * p.Tq + i) * p.H + h) * D;
  var q: array<f32, ${D}>;
  var acc: array<f32, ${D}>;
  for (var d = 0u; d < D; d++) { q[d] = Q[qo + d] * p.scale; acc[d] = 0.0; }
  var m = -3.4028234e38;
  var l = 0.0;
  let last = min(p.qOffset + i, p.Tk - 1u);
  ${segmented ? "let sq = SEG[b * p.Tk + last];" : ""}
  for (var j = 0u; j <= last; j++) {
    ${segmented ? "if (SEG[b * p.Tk + j] != sq) { continue; }" : ""}
    let ko = ((b * p.Tk + j) * p.Hkv + kvh) * D;
    var s = 0.0;
    for (var d = 0u; d < D; d++) { s = fma(q[d], K[ko + d], s); }
    if (s > m) {
      let c = exp(m - s);
      l *= c;
      for (var d = 0u; d < D; d++) { acc[d] *= c; }
      m = s;
    }
    let e = exp(s - m);
    l += e;
    for (var d = 0u; d < D; d++) { acc[d] = fma(e, V[ko + d], acc[d]); }
  }
  let inv = 1.0 / l;
  for (var d = 0u; d < D; d++) { O[qo + d] = acc[d] * inv; }
  LSE[bh * p.Tq + i] = m + log(l);
}`;
}

/** Dᵢ = dOᵢ·Oᵢ and dQ. */
function backwardQueryWgsl(D: number, segmented: boolean): string {
  return /* wgsl */ `${header(D)}
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> O: array<f32>;
@group(0) @binding(5) var<storage, read> LSE: array<f32>;
@group(0) @binding(6) var<storage, read> DO: array<f32>;
@group(0) @binding(7) var<storage, read_write> Dvec: array<f32>;
@group(0) @binding(8) var<storage, read_write> DQ: array<f32>;
${segmented ? segmentDecl(9) : ""}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let idx = flatIndex(gid);
  if (idx >= p.B * p.H * p.Tq) { return; }
  let i = idx % p.Tq;
  let bh = idx / p.Tq;
  let h = bh % p.H;
  let b = bh / p.H;
  let kvh = h / (p.H / p.Hkv);
  let qo = ((b * p.Tq + i) * p.H + h) * D;
  var q: array<f32, ${D}>;
  var dout: array<f32, ${D}>;
  var dq: array<f32, ${D}>;
  var di = 0.0;
  for (var d = 0u; d < D; d++) {
    q[d] = Q[qo + d] * p.scale;
    dout[d] = DO[qo + d];
    di = fma(dout[d], O[qo + d], di);
    dq[d] = 0.0;
  }
  Dvec[idx] = di;
  let lse = LSE[idx];
  ${segmented ? "let sq = SEG[b * p.Tk + i];" : ""}
  for (var j = 0u; j <= i; j++) {
    ${segmented ? "if (SEG[b * p.Tk + j] != sq) { continue; }" : ""}
    let ko = ((b * p.Tk + j) * p.Hkv + kvh) * D;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < D; d++) { s = fma(q[d], K[ko + d], s); dp = fma(dout[d], V[ko + d], dp); }
    let ds = exp(s - lse) * (dp - di);
    for (var d = 0u; d < D; d++) { dq[d] = fma(ds, K[ko + d], dq[d]); }
  }
  for (var d = 0u; d < D; d++) { DQ[qo + d] = dq[d] * p.scale; }
}`;
}

/** dK and dV, one invocation per (b, kv head, key). */
function backwardKeyWgsl(D: number, segmented: boolean): string {
  return /* wgsl */ `${header(D)}
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
@group(0) @binding(4) var<storage, read> LSE: array<f32>;
@group(0) @binding(5) var<storage, read> DO: array<f32>;
@group(0) @binding(6) var<storage, read> Dvec: array<f32>;
@group(0) @binding(7) var<storage, read_write> DK: array<f32>;
@group(0) @binding(8) var<storage, read_write> DV: array<f32>;
${segmented ? segmentDecl(9) : ""}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let idx = flatIndex(gid);
  if (idx >= p.B * p.Hkv * p.Tk) { return; }
  let j = idx % p.Tk;
  let bk = idx / p.Tk;
  let kvh = bk % p.Hkv;
  let b = bk / p.Hkv;
  let group = p.H / p.Hkv;
  let ko = ((b * p.Tk + j) * p.Hkv + kvh) * D;
  var k: array<f32, ${D}>;
  var v: array<f32, ${D}>;
  var dk: array<f32, ${D}>;
  var dv: array<f32, ${D}>;
  for (var d = 0u; d < D; d++) { k[d] = K[ko + d] * p.scale; v[d] = V[ko + d]; dk[d] = 0.0; dv[d] = 0.0; }
  ${segmented ? "let sk = SEG[b * p.Tk + j];" : ""}
  for (var g = 0u; g < group; g++) {
    let h = kvh * group + g;
    let bh = b * p.H + h;
    // Descending, so neighbouring keys read the same query at the same step.
    for (var ii = p.Tq; ii > j; ii--) {
      let i = ii - 1u;
      ${segmented ? "if (SEG[b * p.Tk + i] != sk) { continue; }" : ""}
      let qo = ((b * p.Tq + i) * p.H + h) * D;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < D; d++) { s = fma(Q[qo + d], k[d], s); dp = fma(DO[qo + d], v[d], dp); }
      let pr = exp(s - LSE[bh * p.Tq + i]);
      let ds = pr * (dp - Dvec[bh * p.Tq + i]);
      for (var d = 0u; d < D; d++) {
        dv[d] = fma(pr, DO[qo + d], dv[d]);
        dk[d] = fma(ds, Q[qo + d], dk[d]);
      }
    }
  }
  for (var d = 0u; d < D; d++) { DK[ko + d] = dk[d] * p.scale; DV[ko + d] = dv[d]; }
}`;
}

function resolve(s: AttentionShape) {
  const Tk = s.keys ?? s.queries;
  if (s.heads % s.kvHeads !== 0)
    throw new Error(`internal: ${s.heads} heads are not a multiple of ${s.kvHeads} kv heads`);
  if (Tk < s.queries)
    throw new Error(`internal: attention has ${s.queries} queries but only ${Tk} keys`);
  const scale = s.scale ?? 1 / Math.sqrt(s.headDim);
  return { Tk, scale, qOffset: Tk - s.queries };
}

function params(device: GPUDevice, s: AttentionShape): GPUBuffer {
  const { Tk, scale, qOffset } = resolve(s);
  return uniformBuffer(
    device,
    packWords([s.batch, s.heads, s.kvHeads, s.queries, Tk, qOffset, { f32: scale }]),
  );
}

export function encodeAttentionForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: AttentionShape,
  buf: {
    q: BufferBinding;
    k: BufferBinding;
    v: BufferBinding;
    o: BufferBinding;
    lse: BufferBinding;
    /** Optional u32 [B, Tk] segment ids: attention stays inside a segment. */
    segments?: BufferBinding;
  },
): void {
  const n = shape.batch * shape.heads * shape.queries;
  if (n === 0) return;
  const seg = buf.segments ? [buf.segments] : [];
  dispatch(
    device,
    {
      code: forwardWgsl(shape.headDim, seg.length > 0),
      bindings: [params(device, shape), buf.q, buf.k, buf.v, buf.o, buf.lse, ...seg],
      workgroups: grid1d(n, 64),
      label: "attention-forward",
    },
    encoder,
  );
}

/** Backward for training (queries = keys). `dvec` is scratch f32 [B, H, T]. */
export function encodeAttentionBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: AttentionShape,
  buf: {
    q: BufferBinding;
    k: BufferBinding;
    v: BufferBinding;
    o: BufferBinding;
    lse: BufferBinding;
    dout: BufferBinding;
    dvec: BufferBinding;
    dq: BufferBinding;
    dk: BufferBinding;
    dv: BufferBinding;
    /** Optional u32 [B, T] segment ids (the forward's). */
    segments?: BufferBinding;
  },
): void {
  if ((shape.keys ?? shape.queries) !== shape.queries) {
    throw new Error("internal: attention backward needs as many keys as queries");
  }
  const nq = shape.batch * shape.heads * shape.queries;
  if (nq === 0) return;
  const u = params(device, shape);
  const seg = buf.segments ? [buf.segments] : [];
  dispatch(
    device,
    {
      code: backwardQueryWgsl(shape.headDim, seg.length > 0),
      bindings: [u, buf.q, buf.k, buf.v, buf.o, buf.lse, buf.dout, buf.dvec, buf.dq, ...seg],
      workgroups: grid1d(nq, 64),
      label: "attention-backward-dq",
    },
    encoder,
  );
  dispatch(
    device,
    {
      code: backwardKeyWgsl(shape.headDim, seg.length > 0),
      bindings: [u, buf.q, buf.k, buf.v, buf.lse, buf.dout, buf.dvec, buf.dk, buf.dv, ...seg],
      workgroups: grid1d(shape.batch * shape.kvHeads * shape.queries, 64),
      label: "attention-backward-dkdv",
    },
    encoder,
  );
}
