/**
 * RMSNorm (Llama): y = x · rsqrt(mean(x²) + eps) · w, over the last dimension (rows × dim).
 * Forward saves rstd per row. Backward, with x̂ = x·rstd:
 *   dx = rstd · (dy·w − x̂ · mean(dy·w·x̂))        one invocation per row
 *   dw = Σ_rows dy·x̂                             one invocation per column (deterministic)
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

const HEADER = /* wgsl */ `
struct Params { rows: u32, dim: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(64)}
`;

const FORWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.dim;
  var ss = 0.0;
  for (var i = 0u; i < p.dim; i++) { let v = x[o + i]; ss = fma(v, v, ss); }
  let rs = inverseSqrt(ss / f32(p.dim) + p.eps);
  rstd[r] = rs;
  for (var i = 0u; i < p.dim; i++) { y[o + i] = x[o + i] * rs * w[i]; }
}`;

const BACKWARD_DX = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.dim;
  let rs = rstd[r];
  var dot = 0.0;
  for (var i = 0u; i < p.dim; i++) { dot = fma(dy[o + i] * w[i], x[o + i] * rs, dot); }
  let c = dot / f32(p.dim);
  for (var i = 0u; i < p.dim; i++) {
    dx[o + i] = rs * (dy[o + i] * w[i] - x[o + i] * rs * c);
  }
}`;

const BACKWARD_DW = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dw: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.dim) { return; }
  var acc = 0.0;
  for (var r = 0u; r < p.rows; r++) { acc = fma(dy[r * p.dim + i], x[r * p.dim + i] * rstd[r], acc); }
  dw[i] = acc;
}`;

export interface NormShape {
  rows: number;
  dim: number;
  eps: number;
}

function params(device: GPUDevice, s: NormShape): GPUBuffer {
  return uniformBuffer(device, packWords([s.rows, s.dim, { f32: s.eps }]));
}

export function encodeRmsNormForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: NormShape,
  buf: { x: BufferBinding; w: BufferBinding; y: BufferBinding; rstd: BufferBinding },
): void {
  if (shape.rows === 0) return;
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [params(device, shape), buf.x, buf.w, buf.y, buf.rstd],
      workgroups: grid1d(shape.rows, 64),
      label: "rmsnorm-forward",
    },
    encoder,
  );
}

/** Records dx and/or dw (either may be omitted). */
export function encodeRmsNormBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: NormShape,
  buf: {
    x: BufferBinding;
    w: BufferBinding;
    rstd: BufferBinding;
    dy: BufferBinding;
    dx?: BufferBinding;
    dw?: BufferBinding;
  },
): void {
  const u = params(device, shape);
  if (buf.dx && shape.rows > 0) {
    dispatch(
      device,
      {
        code: BACKWARD_DX,
        bindings: [u, buf.x, buf.w, buf.rstd, buf.dy, buf.dx],
        workgroups: grid1d(shape.rows, 64),
        label: "rmsnorm-backward-dx",
      },
      encoder,
    );
  }
  if (buf.dw) {
    dispatch(
      device,
      {
        code: BACKWARD_DW,
        bindings: [u, buf.x, buf.rstd, buf.dy, buf.dw],
        workgroups: grid1d(shape.dim, 64),
        label: "rmsnorm-backward-dw",
      },
      encoder,
    );
  }
}
