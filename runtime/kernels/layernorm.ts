/**
 * LayerNorm over the last dimension: y = (x − mean)·rstd·w + b, rstd = 1/√(var + eps)
 * (biased variance, as torch). Forward saves mean and rstd per row. Backward, x̂ = (x − mean)·rstd,
 * g = dy·w:
 *   dx = rstd · (g − mean(g) − x̂·mean(g·x̂))     one invocation per row
 *   dw = Σ_rows dy·x̂,  db = Σ_rows dy            one invocation per column (deterministic)
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import type { NormShape } from "./rmsnorm.js";

const HEADER = /* wgsl */ `
struct Params { rows: u32, dim: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(64)}
`;

const FORWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<vec2f>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.dim;
  let n = f32(p.dim);
  var s = 0.0;
  for (var i = 0u; i < p.dim; i++) { s += x[o + i]; }
  let mean = s / n;
  // Two-pass variance: no cancellation when |mean| ≫ std.
  var ss = 0.0;
  for (var i = 0u; i < p.dim; i++) { let d = x[o + i] - mean; ss = fma(d, d, ss); }
  let rs = inverseSqrt(ss / n + p.eps);
  stats[r] = vec2f(mean, rs);
  for (var i = 0u; i < p.dim; i++) { y[o + i] = (x[o + i] - mean) * rs * w[i] + b[i]; }
}`;

const BACKWARD_DX = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<vec2f>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.dim;
  let st = stats[r];
  var sg = 0.0;
  var sgx = 0.0;
  for (var i = 0u; i < p.dim; i++) {
    let g = dy[o + i] * w[i];
    sg += g;
    sgx = fma(g, (x[o + i] - st.x) * st.y, sgx);
  }
  let n = f32(p.dim);
  let mg = sg / n;
  let mgx = sgx / n;
  for (var i = 0u; i < p.dim; i++) {
    let xh = (x[o + i] - st.x) * st.y;
    dx[o + i] = st.y * (dy[o + i] * w[i] - mg - xh * mgx);
  }
}`;

const BACKWARD_DWB = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<vec2f>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dw: array<f32>;
@group(0) @binding(5) var<storage, read_write> db: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.dim) { return; }
  var aw = 0.0;
  var ab = 0.0;
  for (var r = 0u; r < p.rows; r++) {
    let g = dy[r * p.dim + i];
    let st = stats[r];
    aw = fma(g, (x[r * p.dim + i] - st.x) * st.y, aw);
    ab += g;
  }
  dw[i] = aw;
  db[i] = ab;
}`;

function params(device: GPUDevice, s: NormShape): GPUBuffer {
  return uniformBuffer(device, packWords([s.rows, s.dim, { f32: s.eps }]));
}

/** `stats` holds (mean, rstd) per row: 2 floats per row. */
export function encodeLayerNormForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: NormShape,
  buf: {
    x: BufferBinding;
    w: BufferBinding;
    b: BufferBinding;
    y: BufferBinding;
    stats: BufferBinding;
  },
): void {
  if (shape.rows === 0) return;
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [params(device, shape), buf.x, buf.w, buf.b, buf.y, buf.stats],
      workgroups: grid1d(shape.rows, 64),
      label: "layernorm-forward",
    },
    encoder,
  );
}

/** Records dx and/or (dw, db) — dw and db come together. */
export function encodeLayerNormBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: NormShape,
  buf: {
    x: BufferBinding;
    w: BufferBinding;
    stats: BufferBinding;
    dy: BufferBinding;
    dx?: BufferBinding;
    dw?: BufferBinding;
    db?: BufferBinding;
  },
): void {
  const u = params(device, shape);
  if (buf.dx && shape.rows > 0) {
    dispatch(
      device,
      {
        code: BACKWARD_DX,
        bindings: [u, buf.x, buf.w, buf.stats, buf.dy, buf.dx],
        workgroups: grid1d(shape.rows, 64),
        label: "layernorm-backward-dx",
      },
      encoder,
    );
  }
  if (buf.dw && buf.db) {
    dispatch(
      device,
      {
        code: BACKWARD_DWB,
        bindings: [u, buf.x, buf.stats, buf.dy, buf.dw, buf.db],
        workgroups: grid1d(shape.dim, 64),
        label: "layernorm-backward-dwb",
      },
      encoder,
    );
  }
}
