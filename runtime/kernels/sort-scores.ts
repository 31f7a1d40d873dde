/**
 * GPU argsort of f32 scores, descending and stable (equal scores keep index order, as
 * torch's `sort(stable=True, descending=True)`), by a bitonic network over (key, index) pairs.
 *
 * Keys: a score's bits are mapped to a u32 that orders like the float (sign flip trick), then
 * inverted for descending order; −0 is folded into +0. Entries that are NaN, at or below the
 * optional score threshold, or padding get the key 0xFFFFFFFF, which no score maps to, and so
 * sort to the end. Stages whose compare distance fits a workgroup run in shared memory (one
 * dispatch for all the small distances), so n = 16k takes 21 dispatches rather than 105.
 */
import { dispatch, uniformBuffer } from "./launch.js";
import { largestF32AtMost, packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

/** Elements sorted in shared memory by one workgroup (two per invocation). */
const BLOCK = 512;
export const INVALID_KEY = 0xffffffff;

const PARAMS = /* wgsl */ `
struct Params { n: u32, padded: u32, k: u32, j: u32, useThreshold: u32, threshold: f32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

const INIT = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<storage, read_write> items: array<vec2u>;
${flatIndexWgsl(256)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.padded) { return; }
  var key = ${INVALID_KEY}u;
  if (i < p.n) {
    let s = scores[i];
    let keepIt = (s == s) && (p.useThreshold == 0u || s > p.threshold);
    if (keepIt) {
      var bits = bitcast<u32>(s);
      if (s == 0.0) { bits = 0u; }
      // Ascending-orderable: flip all bits of negatives, the sign bit of positives.
      let asc = select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
      key = ~asc;
    }
  }
  items[i] = vec2u(key, i);
}
`;

const COMPARE = /* wgsl */ `
fn greater(a: vec2u, b: vec2u) -> bool { return a.x > b.x || (a.x == b.x && a.y > b.y); }
`;

/** Full bitonic sort of each BLOCK (k from 2 to min(padded, BLOCK)) or, with p.k set, the
 *  in-block merge steps j = BLOCK/2 … 1 of stage k. */
const LOCAL = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read_write> items: array<vec2u>;
${COMPARE}
var<workgroup> tile: array<vec2u, ${BLOCK}>;

fn compareExchange(t: u32, base: u32, k: u32, j: u32) {
  let i = (t / j) * 2u * j + (t % j);
  let l = i + j;
  let ascending = ((base + i) & k) == 0u;
  let a = tile[i];
  let b = tile[l];
  if (greater(a, b) == ascending) {
    tile[i] = b;
    tile[l] = a;
  }
}

@compute @workgroup_size(${BLOCK / 2})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let size = min(p.padded, ${BLOCK}u);
  let base = wid.x * ${BLOCK}u;
  if (2u * t < size) {
    tile[2u * t] = items[base + 2u * t];
    tile[2u * t + 1u] = items[base + 2u * t + 1u];
  }
  workgroupBarrier();
  let half = size / 2u;
  if (p.k == 0u) {
    for (var k = 2u; k <= size; k <<= 1u) {
      for (var j = k >> 1u; j > 0u; j >>= 1u) {
        if (t < half) { compareExchange(t, base, k, j); }
        workgroupBarrier();
      }
    }
  } else {
    for (var j = min(p.j, half); j > 0u; j >>= 1u) {
      if (t < half) { compareExchange(t, base, p.k, j); }
      workgroupBarrier();
    }
  }
  if (2u * t < size) {
    items[base + 2u * t] = tile[2u * t];
    items[base + 2u * t + 1u] = tile[2u * t + 1u];
  }
}
`;

const GLOBAL_STEP = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read_write> items: array<vec2u>;
${COMPARE}
${flatIndexWgsl(256)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = flatIndex(gid);
  if (t >= p.padded / 2u) { return; }
  let i = (t / p.j) * 2u * p.j + (t % p.j);
  let l = i + p.j;
  let ascending = (i & p.k) == 0u;
  let a = items[i];
  let b = items[l];
  if (greater(a, b) == ascending) {
    items[i] = b;
    items[l] = a;
  }
}
`;

export function paddedSortSize(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

export interface ArgsortOptions {
  /** Drop scores ≤ this (they sort last with the invalid key). */
  scoreThreshold?: number;
}

/**
 * Records the argsort of `scores[0..n)` into `items` (vec2<u32> per entry, paddedSortSize(n)
 * entries): items[r] = (key, index) of the r-th highest score; invalid entries last.
 */
export function argsortDescending(
  device: GPUDevice,
  n: number,
  scores: GPUBuffer,
  items: GPUBuffer,
  encoder: GPUCommandEncoder,
  options: ArgsortOptions = {},
): void {
  const padded = paddedSortSize(n);
  if (items.size < padded * 8) throw new Error("argsortDescending: items buffer too small");
  const useThreshold = options.scoreThreshold !== undefined ? 1 : 0;
  const u = (k: number, j: number) =>
    uniformBuffer(
      device,
      packWords([
        n,
        padded,
        k,
        j,
        useThreshold,
        { f32: largestF32AtMost(options.scoreThreshold ?? 0) },
        0,
        0,
      ]),
    );
  dispatch(
    device,
    {
      code: INIT,
      bindings: [u(0, 0), scores, items],
      workgroups: grid1d(padded, 256),
      label: "argsort-init",
    },
    encoder,
  );
  const blocks = Math.max(1, padded / BLOCK);
  dispatch(
    device,
    { code: LOCAL, bindings: [u(0, 0), items], workgroups: [blocks], label: "argsort-local" },
    encoder,
  );
  for (let k = 2 * BLOCK; k <= padded; k *= 2) {
    for (let j = k / 2; j >= BLOCK; j /= 2) {
      dispatch(
        device,
        {
          code: GLOBAL_STEP,
          bindings: [u(k, j), items],
          workgroups: grid1d(padded / 2, 256),
          label: "argsort-step",
        },
        encoder,
      );
    }
    dispatch(
      device,
      {
        code: LOCAL,
        bindings: [u(k, BLOCK / 2), items],
        workgroups: [blocks],
        label: "argsort-merge",
      },
      encoder,
    );
  }
}
