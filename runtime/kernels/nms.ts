/**
 * Greedy non-maximum suppression on the GPU, matching torchvision's `nms` / `batched_nms`:
 *  1. argsort scores descending, ties by index (stable, as torchvision's CPU kernel);
 *  2. gather boxes in that order; with classes, shift each box by class·(max coordinate + 1)
 *     (torchvision's coordinate trick, so boxes of different classes never overlap);
 *  3. suppression bitmask matrix: bit j of word (i, j/32) says sorted box j > i overlaps box i
 *     with IoU strictly greater than the threshold (32-bit words, torchvision CUDA's layout);
 *  4. one workgroup walks the boxes in score order: thread 0 decides the 32 boxes of a block
 *     serially (their fate depends only on earlier blocks and the diagonal word), then all
 *     threads OR the kept boxes' rows into the later words of the `removed` bitset.
 * The result is [count, kept original indices in score order…], at most maxDetections long.
 * Zero-area boxes have IoU 0 with everything (never suppress, never suppressed by IoU).
 */
import { ceilDiv, dispatch, readUint32, uniformBuffer } from "./launch.js";
import { largestF32AtMost, packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import { IOU_WGSL } from "./box-iou.js";
import { argsortDescending, INVALID_KEY, paddedSortSize } from "./sort-scores.js";

export interface NmsOptions {
  /** Suppress a box when its IoU with a kept, higher-scoring box is > this (strict). */
  iouThreshold: number;
  /** Keep at most this many boxes (default: all). */
  maxDetections?: number;
  /** Ignore boxes with score ≤ this (default: none ignored; NaN scores are always ignored). */
  scoreThreshold?: number;
}

export interface NmsInputs {
  /** [n, 4] xyxy, f32. */
  boxes: GPUBuffer;
  /** [n] f32. */
  scores: GPUBuffer;
  /** [n] u32 category per box (class, or image·classes + class) for batched NMS. */
  classes?: GPUBuffer;
}

const PARAMS = /* wgsl */ `
struct Params { n: u32, words: u32, maxDet: u32, threshold: f32, useClasses: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

const MAX_COORD = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> boxes: array<f32>;
@group(0) @binding(2) var<storage, read_write> maxCoord: array<f32>;
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  var m = boxes[0];
  for (var k = t; k < 4u * p.n; k += 256u) { m = max(m, boxes[k]); }
  red[t] = m;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u) { maxCoord[0] = red[0]; }
}
`;

const GATHER = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> boxes: array<vec4f>;
@group(0) @binding(2) var<storage, read> items: array<vec2u>;
@group(0) @binding(3) var<storage, read> classes: array<u32>;
@group(0) @binding(4) var<storage, read> maxCoord: array<f32>;
@group(0) @binding(5) var<storage, read_write> sorted: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> areas: array<f32>;
${flatIndexWgsl(256)}
${IOU_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.n) { return; }
  let idx = items[r].y;
  var b = vec4f(0.0);
  if (idx < p.n) {
    b = boxes[idx];
    if (p.useClasses != 0u) {
      let offset = f32(classes[idx]) * (maxCoord[0] + 1.0);
      b = b + vec4f(offset);
    }
  }
  sorted[r] = b;
  areas[r] = boxArea(b);
}
`;

/** Mask words computed per invocation: few, fat workgroups suit CPUs (lavapipe pays per
 *  workgroup), and 8 still gives thousands of workgroups for 10k boxes on a real GPU. */
const MASK_WORDS_PER_INVOCATION = 8;

const MASK = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> sorted: array<vec4f>;
@group(0) @binding(2) var<storage, read> areas: array<f32>;
@group(0) @binding(3) var<storage, read_write> mask: array<u32>;
${IOU_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let i = gid.x;
  // The word range and the column loop depend on the workgroup only, so the column boxes are
  // uniform loads (one load per SIMD batch on CPUs, a broadcast on GPUs). Words left of the
  // workgroup's diagonal are never read by the walk and are skipped.
  let wStart = max(wid.y * ${MASK_WORDS_PER_INVOCATION}u, (wid.x * 64u) / 32u);
  let wEnd = min((wid.y + 1u) * ${MASK_WORDS_PER_INVOCATION}u, p.words);
  let row = min(i, p.n - 1u);
  let a = sorted[row];
  let areaA = areas[row];
  for (var w = wStart; w < wEnd; w++) {
    let colStart = w * 32u;
    let end = min(32u, p.n - colStart);
    var bits = 0u;
    for (var t = 0u; t < end; t++) {
      let j = colStart + t;
      let b = sorted[j];
      // Only later boxes; most pairs are disjoint, so test overlap before dividing (IoU 0 is
      // never above a threshold ≥ 0).
      if (j > i && b.x < a.z && a.x < b.z && b.y < a.w && a.y < b.w) {
        if (boxIou(a, areaA, b, areas[j]) > p.threshold) { bits |= 1u << t; }
      }
    }
    if (i < p.n) { mask[i * p.words + w] = bits; }
  }
}
`;

const WALK_THREADS = 64;
const WALK = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> items: array<vec2u>;
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read_write> removed: array<u32>;
@group(0) @binding(4) var<storage, read_write> result: array<u32>;
var<workgroup> keptBits: u32;
var<workgroup> done: u32;
var<workgroup> kept: u32;

@compute @workgroup_size(${WALK_THREADS})
fn main(@builtin(local_invocation_index) t: u32) {
  for (var w = t; w < p.words; w += ${WALK_THREADS}u) { removed[w] = 0u; }
  if (t == 0u) {
    kept = 0u;
    done = select(0u, 1u, p.maxDet == 0u);
  }
  storageBarrier();
  workgroupBarrier();
  for (var b = 0u; b < p.words; b++) {
    if (t == 0u && done == 0u) {
      var word = removed[b];
      var bits = 0u;
      for (var s = 0u; s < 32u; s++) {
        let i = b * 32u + s;
        if (i >= p.n || items[i].x == ${INVALID_KEY}u) {
          done = 1u;
          break;
        }
        if (((word >> s) & 1u) == 0u) {
          result[1u + kept] = items[i].y;
          kept += 1u;
          bits |= 1u << s;
          if (kept >= p.maxDet) {
            done = 1u;
            break;
          }
          word |= mask[i * p.words + b];
        }
      }
      keptBits = bits;
    }
    let bits = workgroupUniformLoad(&keptBits);
    if (workgroupUniformLoad(&done) != 0u) { break; }
    if (bits != 0u) {
      for (var w = b + 1u + t; w < p.words; w += ${WALK_THREADS}u) {
        var acc = removed[w];
        var rest = bits;
        while (rest != 0u) {
          let s = countTrailingZeros(rest);
          acc |= mask[(b * 32u + s) * p.words + w];
          rest &= rest - 1u;
        }
        removed[w] = acc;
      }
    }
    storageBarrier();
    workgroupBarrier();
  }
  if (t == 0u) { result[0] = kept; }
}
`;

/** Scratch and result buffers of one NMS (any STORAGE buffers at least these sizes). */
export interface NmsBuffers {
  /** paddedSortSize(n)·2 u32: the argsort's (key, index) pairs. */
  items: GPUBuffer;
  /** n·4 f32: boxes in score order (class-shifted). */
  sorted: GPUBuffer;
  /** n f32: their areas. */
  areas: GPUBuffer;
  /** n·⌈n/32⌉ u32: the suppression bitmask matrix. */
  mask: GPUBuffer;
  /** ⌈n/32⌉ u32: the walk's removed bitset. */
  removed: GPUBuffer;
  /** 1 f32: the largest coordinate (batched NMS). */
  maxCoord: GPUBuffer;
  /** 1 + maxDetections u32: [count, kept indices…]. */
  result: GPUBuffer;
}

/** Element counts (u32/f32 words) of each NmsBuffers entry for n boxes. */
export function nmsBufferWords(n: number, maxDetections = n): Record<keyof NmsBuffers, number> {
  const m = Math.max(n, 1);
  const words = ceilDiv(m, 32);
  return {
    items: paddedSortSize(m) * 2,
    sorted: m * 4,
    areas: m,
    mask: m * words,
    removed: words,
    maxCoord: 1,
    result: 1 + Math.max(0, Math.min(maxDetections, n)),
  };
}

/** Throws a clear error when the mask for n boxes cannot be bound on this device. */
export function checkNmsCapacity(device: GPUDevice, n: number): void {
  const maskBytes = nmsBufferWords(n).mask * 4;
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (maskBytes > limit) {
    throw new Error(
      `nms: ${n} boxes need a ${(maskBytes / 2 ** 20).toFixed(0)} MiB suppression mask, over this device's ${(limit / 2 ** 20).toFixed(0)} MiB binding limit; filter by score first`,
    );
  }
  if (ceilDiv(Math.max(n, 1), 32) > 65535)
    throw new Error("nms: too many boxes for one mask dispatch");
}

/** Reusable scratch for one NMS at a time, sized for up to `capacity` boxes. */
export class NmsWorkspace implements NmsBuffers {
  readonly items: GPUBuffer;
  readonly sorted: GPUBuffer;
  readonly areas: GPUBuffer;
  readonly mask: GPUBuffer;
  readonly removed: GPUBuffer;
  readonly maxCoord: GPUBuffer;
  readonly result: GPUBuffer;

  constructor(
    device: GPUDevice,
    readonly capacity: number,
  ) {
    checkNmsCapacity(device, capacity);
    const words = nmsBufferWords(capacity);
    const make = (count: number, extra = 0) =>
      device.createBuffer({ size: Math.max(16, count * 4), usage: GPUBufferUsage.STORAGE | extra });
    this.items = make(words.items);
    this.sorted = make(words.sorted);
    this.areas = make(words.areas);
    this.mask = make(words.mask);
    this.removed = make(words.removed);
    this.maxCoord = make(words.maxCoord);
    this.result = make(words.result, GPUBufferUsage.COPY_SRC);
  }

  destroy(): void {
    for (const b of [
      this.items,
      this.sorted,
      this.areas,
      this.mask,
      this.removed,
      this.maxCoord,
      this.result,
    ]) {
      b.destroy();
    }
  }
}

/**
 * Records NMS over the first `n` boxes into `encoder`. After submission, `workspace.result`
 * holds [count, indices…] (u32); read it with `readNmsResult`.
 */
export function encodeNms(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  n: number,
  inputs: NmsInputs,
  options: NmsOptions,
  workspace: NmsBuffers,
): void {
  if (workspace instanceof NmsWorkspace && n > workspace.capacity) {
    throw new Error(`nms: ${n} boxes exceed the workspace capacity ${workspace.capacity}`);
  }
  checkNmsCapacity(device, n);
  if (!(options.iouThreshold >= 0)) throw new Error("nms: iouThreshold must be a number ≥ 0");
  const words = ceilDiv(Math.max(n, 1), 32);
  const maxDet = Math.max(0, Math.min(options.maxDetections ?? n, n));
  const u = uniformBuffer(
    device,
    packWords([
      n,
      words,
      maxDet,
      { f32: largestF32AtMost(options.iouThreshold) },
      inputs.classes ? 1 : 0,
      0,
      0,
      0,
    ]),
  );
  const ws = workspace;
  if (n === 0) {
    // Still write count = 0 so the result buffer is well defined.
    dispatch(
      device,
      {
        code: WALK,
        bindings: [u, ws.items, ws.mask, ws.removed, ws.result],
        workgroups: [1],
        label: "nms-walk",
      },
      encoder,
    );
    return;
  }
  argsortDescending(device, n, inputs.scores, ws.items, encoder, {
    scoreThreshold: options.scoreThreshold,
  });
  if (inputs.classes) {
    dispatch(
      device,
      {
        code: MAX_COORD,
        bindings: [u, inputs.boxes, ws.maxCoord],
        workgroups: [1],
        label: "nms-max-coordinate",
      },
      encoder,
    );
  }
  dispatch(
    device,
    {
      code: GATHER,
      bindings: [
        u,
        inputs.boxes,
        ws.items,
        inputs.classes ?? inputs.scores,
        ws.maxCoord,
        ws.sorted,
        ws.areas,
      ],
      workgroups: grid1d(n, 256),
      label: "nms-gather",
    },
    encoder,
  );
  dispatch(
    device,
    {
      code: MASK,
      bindings: [u, ws.sorted, ws.areas, ws.mask],
      workgroups: [ceilDiv(n, 64), ceilDiv(words, MASK_WORDS_PER_INVOCATION)],
      label: "nms-mask",
    },
    encoder,
  );
  dispatch(
    device,
    {
      code: WALK,
      bindings: [u, ws.items, ws.mask, ws.removed, ws.result],
      workgroups: [1],
      label: "nms-walk",
    },
    encoder,
  );
}

/** Reads [count, indices…] back: the kept original indices in descending score order. */
export async function readNmsResult(
  device: GPUDevice,
  workspace: NmsBuffers,
  maxCount: number,
): Promise<Uint32Array> {
  const raw = await readUint32(device, workspace.result, maxCount + 1);
  return raw.slice(1, 1 + raw[0]);
}

/** NMS over GPU buffers, returning the kept indices (allocates a workspace unless given one). */
export async function nms(
  device: GPUDevice,
  n: number,
  inputs: NmsInputs,
  options: NmsOptions,
  workspace?: NmsWorkspace,
): Promise<Uint32Array> {
  const ws = workspace ?? new NmsWorkspace(device, n);
  try {
    const encoder = device.createCommandEncoder();
    encodeNms(device, encoder, n, inputs, options, ws);
    device.queue.submit([encoder.finish()]);
    return await readNmsResult(device, ws, Math.min(options.maxDetections ?? n, n));
  } finally {
    if (!workspace) ws.destroy();
  }
}
