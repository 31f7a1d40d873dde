/**
 * Cross-entropy over rows of logits [rows, vocab] with integer labels (i32; −100 = ignored),
 * mean over the unmasked rows (PyTorch `F.cross_entropy(..., ignore_index=-100)`):
 *   row pass   lse = logsumexp(x) by an online max, rowLoss = lse − x[label]   (per row)
 *   mean       loss = Σ rowLoss / count                                       (masked-mean.ts)
 *   gradient   dx = g · (softmax(x) − onehot(label)) / count, 0 on ignored rows (per element)
 * `out` receives [loss, count]; `g` is the upstream gradient of the loss (f32[1], default 1).
 * Labels outside [0, vocab) other than −100 are a caller error; the kernels treat them as
 * ignored rather than read out of bounds.
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import { onlineLogSumExpWgsl, type RowsShape } from "./softmax.js";
import { encodeMaskedMean, unitGradient } from "./masked-mean.js";

const HEADER = /* wgsl */ `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(64)}
fn validLabel(l: i32) -> bool { return l >= 0 && u32(l) < p.cols; }
`;

const ROWS = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;
${onlineLogSumExpWgsl("maxSum", (i) => `x[${i}]`)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.cols;
  let ml = maxSum(o, p.cols);
  let z = ml.x + log(ml.y);
  lse[r] = z;
  let l = labels[r];
  rowLoss[r] = select(0.0, z - x[o + u32(max(l, 0))], validLabel(l));
}`;

const GRAD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read> g: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  let l = labels[r];
  if (!validLabel(l) || stats[1] == 0.0) { dx[i] = 0.0; return; }
  let pr = exp(x[i] - lse[r]);
  dx[i] = g[0] * (pr - select(0.0, 1.0, u32(l) == c)) / stats[1];
}`;

export interface CrossEntropyBuffers {
  logits: BufferBinding;
  /** i32 per row; −100 = ignored. */
  labels: BufferBinding;
  /** Scratch f32 per row, kept for the gradient. */
  lse: BufferBinding;
  /** Scratch f32 per row. */
  rowLoss: BufferBinding;
  /** f32[2]: [loss, count of unmasked rows]. */
  out: BufferBinding;
}

export function encodeCrossEntropyForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RowsShape,
  buf: CrossEntropyBuffers,
): void {
  if (shape.rows > 0) {
    dispatch(
      device,
      {
        code: ROWS,
        bindings: [
          uniformBuffer(device, packWords([shape.rows, shape.cols])),
          buf.logits,
          buf.labels,
          buf.lse,
          buf.rowLoss,
        ],
        workgroups: grid1d(shape.rows, 64),
        label: "cross-entropy-rows",
      },
      encoder,
    );
  }
  encodeMaskedMean(device, encoder, shape.rows, {
    rowLoss: buf.rowLoss,
    labels: buf.labels,
    out: buf.out,
  });
}

/** dlogits from the forward's lse and out; `g` is the loss's upstream gradient (default 1). */
export function encodeCrossEntropyBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RowsShape,
  buf: Pick<CrossEntropyBuffers, "logits" | "labels" | "lse" | "out"> & {
    g?: BufferBinding;
    dlogits: BufferBinding;
  },
): void {
  const n = shape.rows * shape.cols;
  if (n === 0) return;
  dispatch(
    device,
    {
      code: GRAD,
      bindings: [
        uniformBuffer(device, packWords([shape.rows, shape.cols])),
        buf.logits,
        buf.labels,
        buf.lse,
        buf.out,
        buf.g ?? unitGradient(device),
        buf.dlogits,
      ],
      workgroups: grid1d(n, 64),
      label: "cross-entropy-grad",
    },
    encoder,
  );
}
