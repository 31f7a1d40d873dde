/**
 * Embedding lookup and its gradient.
 *   forward   out[t, :] = table[ids[t], :]            (ids u32; an id ≥ vocab gives zeros)
 *   backward  dTable[v, :] = Σ_{t : ids[t] = v} dOut[t, :]
 * WGSL has no float atomics, so the scatter-add is made deterministic by sorting: the (id,
 * position) pairs are bitonic-sorted on the GPU (one dispatch per merge step), then the first
 * invocation of each run of equal ids sums its rows in position order and writes the table row.
 * Rows no token uses are cleared first. An optional padding id gets no gradient (PyTorch's
 * `padding_idx`).
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

export interface EmbeddingShape {
  tokens: number;
  vocab: number;
  dim: number;
}

const FORWARD = /* wgsl */ `
struct Params { tokens: u32, vocab: u32, dim: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.tokens * p.dim) { return; }
  let t = i / p.dim;
  let d = i % p.dim;
  let id = ids[t];
  out[i] = select(0.0, table[min(id, p.vocab - 1u) * p.dim + d], id < p.vocab);
}`;

const SORT_INIT = /* wgsl */ `
struct Params { tokens: u32, padded: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> keys: array<vec2u>;
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.padded) { return; }
  keys[i] = vec2u(select(0xffffffffu, ids[min(i, p.tokens - 1u)], i < p.tokens), i);
}`;

/** One bitonic merge step (block size k, distance j) over (id, position) keys. */
const SORT_STEP = /* wgsl */ `
struct Params { padded: u32, k: u32, j: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> keys: array<vec2u>;
${flatIndexWgsl(64)}
fn less(a: vec2u, b: vec2u) -> bool { return a.x < b.x || (a.x == b.x && a.y < b.y); }
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  let partner = i ^ p.j;
  if (i >= p.padded || partner <= i) { return; }
  let a = keys[i];
  let b = keys[partner];
  let ascending = (i & p.k) == 0u;
  if (less(b, a) == ascending) { keys[i] = b; keys[partner] = a; }
}`;

const SEGMENT_SUM = /* wgsl */ `
struct Params { tokens: u32, vocab: u32, dim: u32, paddingId: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<vec2u>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> dtable: array<f32>;
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.tokens * p.dim) { return; }
  let s = i / p.dim;
  let d = i % p.dim;
  let id = keys[s].x;
  if (id >= p.vocab || id == p.paddingId) { return; }
  if (s > 0u && keys[s - 1u].x == id) { return; }
  var acc = 0.0;
  for (var e = s; e < p.tokens && keys[e].x == id; e++) { acc += dout[keys[e].y * p.dim + d]; }
  dtable[id * p.dim + d] = acc;
}`;

export function encodeEmbeddingForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: EmbeddingShape,
  buf: { ids: BufferBinding; table: BufferBinding; out: BufferBinding },
): void {
  const n = shape.tokens * shape.dim;
  if (n === 0) return;
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [
        uniformBuffer(device, packWords([shape.tokens, shape.vocab, shape.dim])),
        buf.ids,
        buf.table,
        buf.out,
      ],
      workgroups: grid1d(n, 64),
      label: "embedding-forward",
    },
    encoder,
  );
}

/** Entries of the sort scratch (`keys`, 8 bytes each) for `tokens` ids. */
export function embeddingSortEntries(tokens: number): number {
  let p = 1;
  while (p < tokens) p *= 2;
  return p;
}

function asBuffer(b: BufferBinding): { buffer: GPUBuffer; offset: number; size?: number } {
  return b instanceof GPUBuffer
    ? { buffer: b, offset: 0 }
    : { buffer: b.buffer, offset: b.offset ?? 0, size: b.size };
}

/**
 * Records dTable (cleared, then filled). `keys` is scratch of embeddingSortEntries(tokens)
 * vec2<u32>; after the call it holds the sorted (id, position) pairs.
 */
export function encodeEmbeddingBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: EmbeddingShape,
  buf: { ids: BufferBinding; dout: BufferBinding; keys: BufferBinding; dtable: BufferBinding },
  opts: { paddingId?: number } = {},
): void {
  const t = asBuffer(buf.dtable);
  encoder.clearBuffer(t.buffer, t.offset, t.size ?? shape.vocab * shape.dim * 4);
  if (shape.tokens === 0 || shape.dim === 0) return;
  const padded = embeddingSortEntries(shape.tokens);
  dispatch(
    device,
    {
      code: SORT_INIT,
      bindings: [uniformBuffer(device, packWords([shape.tokens, padded])), buf.ids, buf.keys],
      workgroups: grid1d(padded, 64),
      label: "embedding-sort-init",
    },
    encoder,
  );
  for (let k = 2; k <= padded; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      dispatch(
        device,
        {
          code: SORT_STEP,
          bindings: [uniformBuffer(device, packWords([padded, k, j])), buf.keys],
          workgroups: grid1d(padded, 64),
          label: "embedding-sort-step",
        },
        encoder,
      );
    }
  }
  dispatch(
    device,
    {
      code: SEGMENT_SUM,
      bindings: [
        uniformBuffer(
          device,
          packWords([shape.tokens, shape.vocab, shape.dim, opts.paddingId ?? 0xffffffff]),
        ),
        buf.keys,
        buf.dout,
        buf.dtable,
      ],
      workgroups: grid1d(shape.tokens * shape.dim, 64),
      label: "embedding-segment-sum",
    },
    encoder,
  );
}
