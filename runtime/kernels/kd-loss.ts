/**
 * Knowledge-distillation loss (DESIGN.md): with temperature T, p_t = softmax(teacher/T),
 * p_s = softmax(student/T),
 *   loss = T² · Σ_rows∉mask Σ_v p_t (log p_t − log p_s) / count      (averaged over tokens)
 *   dloss/dstudent = g · T · (p_s − p_t) / count,  0 on masked rows
 * Rows whose label is −100 are masked (the same labels as cross-entropy). One pass per row
 * finds both log-sum-exps by online max; a second pass sums the KL; the token mean is
 * masked-mean.ts; the gradient is one invocation per element.
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import type { RowsShape } from "./softmax.js";
import { encodeMaskedMean, unitGradient } from "./masked-mean.js";

const HEADER = /* wgsl */ `
struct Params { rows: u32, cols: u32, invT: f32, T: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(64)}
`;

const ROWS = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read_write> lse: array<vec2f>;
@group(0) @binding(5) var<storage, read_write> rowLoss: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.cols;
  var ms = -3.4028234e38; var ls = 0.0;
  var mt = -3.4028234e38; var lt = 0.0;
  for (var i = 0u; i < p.cols; i++) {
    let vs = s[o + i] * p.invT;
    if (vs > ms) { ls = ls * exp(ms - vs); ms = vs; }
    ls += exp(vs - ms);
    let vt = t[o + i] * p.invT;
    if (vt > mt) { lt = lt * exp(mt - vt); mt = vt; }
    lt += exp(vt - mt);
  }
  let zs = ms + log(ls);
  let zt = mt + log(lt);
  lse[r] = vec2f(zs, zt);
  var kl = 0.0;
  if (labels[r] != -100) {
    for (var i = 0u; i < p.cols; i++) {
      let logPt = t[o + i] * p.invT - zt;
      let logPs = s[o + i] * p.invT - zs;
      kl = fma(exp(logPt), logPt - logPs, kl);
    }
  }
  rowLoss[r] = p.T * p.T * kl;
}`;

const GRAD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> t: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<i32>;
@group(0) @binding(4) var<storage, read> lse: array<vec2f>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> g: array<f32>;
@group(0) @binding(7) var<storage, read_write> ds: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  if (labels[r] == -100 || stats[1] == 0.0) { ds[i] = 0.0; return; }
  let z = lse[r];
  let ps = exp(s[i] * p.invT - z.x);
  let pt = exp(t[i] * p.invT - z.y);
  ds[i] = g[0] * p.T * (ps - pt) / stats[1];
}`;

export interface KdLossBuffers {
  student: BufferBinding;
  teacher: BufferBinding;
  /** i32 per row; −100 = masked. */
  labels: BufferBinding;
  /** Scratch vec2 per row (student, teacher log-sum-exp of logits/T), kept for the gradient. */
  lse: BufferBinding;
  /** Scratch f32 per row. */
  rowLoss: BufferBinding;
  /** f32[2]: [loss, count]. */
  out: BufferBinding;
}

function params(device: GPUDevice, shape: RowsShape, temperature: number): GPUBuffer {
  return uniformBuffer(
    device,
    packWords([shape.rows, shape.cols, { f32: 1 / temperature }, { f32: temperature }]),
  );
}

export function encodeKdLossForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RowsShape,
  temperature: number,
  buf: KdLossBuffers,
): void {
  if (shape.rows > 0) {
    dispatch(
      device,
      {
        code: ROWS,
        bindings: [
          params(device, shape, temperature),
          buf.student,
          buf.teacher,
          buf.labels,
          buf.lse,
          buf.rowLoss,
        ],
        workgroups: grid1d(shape.rows, 64),
        label: "kd-loss-rows",
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

/** dstudent from the forward's lse and out; `g` is the loss's upstream gradient (default 1). */
export function encodeKdLossBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RowsShape,
  temperature: number,
  buf: Pick<KdLossBuffers, "student" | "teacher" | "labels" | "lse" | "out"> & {
    g?: BufferBinding;
    dstudent: BufferBinding;
  },
): void {
  const n = shape.rows * shape.cols;
  if (n === 0) return;
  dispatch(
    device,
    {
      code: GRAD,
      bindings: [
        params(device, shape, temperature),
        buf.student,
        buf.teacher,
        buf.labels,
        buf.lse,
        buf.out,
        buf.g ?? unitGradient(device),
        buf.dstudent,
      ],
      workgroups: grid1d(n, 64),
      label: "kd-loss-grad",
    },
    encoder,
  );
}
