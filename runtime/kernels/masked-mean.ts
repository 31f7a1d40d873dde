/**
 * The token mean shared by the losses: loss = Σ rowLoss[r] over unmasked rows / count, with
 * out = [loss, count]. One workgroup, fixed summation order (thread t takes rows t, t+256, ...,
 * then a pairwise tree), so the result is deterministic. With no unmasked row the loss is 0
 * (PyTorch gives NaN there; a NaN would poison a training run over a fully padded batch).
 */
import { packWords } from "./param-words.js";
import { createStorageBuffer, dispatch, type BufferBinding, uniformBuffer } from "./launch.js";

export const MASKED_MEAN_THREADS = 256;

const WGSL = /* wgsl */ `
struct Params { rows: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
var<workgroup> sums: array<f32, ${MASKED_MEAN_THREADS}>;
var<workgroup> counts: array<u32, ${MASKED_MEAN_THREADS}>;
@compute @workgroup_size(${MASKED_MEAN_THREADS})
fn main(@builtin(local_invocation_index) t: u32) {
  var s = 0.0;
  var c = 0u;
  for (var r = t; r < p.rows; r += ${MASKED_MEAN_THREADS}u) {
    if (labels[r] != -100) { s += rowLoss[r]; c += 1u; }
  }
  sums[t] = s;
  counts[t] = c;
  workgroupBarrier();
  for (var stride = ${MASKED_MEAN_THREADS / 2}u; stride > 0u; stride >>= 1u) {
    if (t < stride) { sums[t] = sums[t] + sums[t + stride]; counts[t] = counts[t] + counts[t + stride]; }
    workgroupBarrier();
  }
  if (t == 0u) {
    let n = counts[0];
    out[0] = select(0.0, sums[0] / f32(n), n > 0u);
    out[1] = f32(n);
  }
}`;

export function encodeMaskedMean(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  rows: number,
  buf: { rowLoss: BufferBinding; labels: BufferBinding; out: BufferBinding },
): void {
  dispatch(
    device,
    {
      code: WGSL,
      bindings: [uniformBuffer(device, packWords([rows])), buf.rowLoss, buf.labels, buf.out],
      workgroups: [1],
      label: "masked-mean",
    },
    encoder,
  );
}

const ones = new WeakMap<GPUDevice, GPUBuffer>();

/** A storage buffer holding the scalar 1 (the default upstream gradient of a loss). */
export function unitGradient(device: GPUDevice): GPUBuffer {
  let b = ones.get(device);
  if (!b) {
    b = createStorageBuffer(device, new Float32Array([1]), "unit-gradient");
    ones.set(device, b);
  }
  return b;
}
