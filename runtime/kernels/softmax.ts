/**
 * Row-wise softmax over the last dimension with an online max (one pass for max and sum:
 * when a larger value arrives the running sum is rescaled by exp(m_old − m_new)), then one
 * pass writing exp(x − m)/l. Backward: dx = y·(dy − Σ dy·y). One invocation per row.
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

/** WGSL: online (max, sum-of-exp) over `count` values read by `load(i)`. */
export function onlineLogSumExpWgsl(name: string, load: (i: string) => string): string {
  return /* wgsl */ `
fn ${name}(o: u32, count: u32) -> vec2f {
  var m = -3.4028234e38;
  var l = 0.0;
  for (var i = 0u; i < count; i++) {
    let v = ${load("o + i")};
    if (v > m) { l = l * exp(m - v); m = v; }
    l += exp(v - m);
  }
  return vec2f(m, l);
}`;
}

const HEADER = /* wgsl */ `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(64)}
`;

const FORWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${onlineLogSumExpWgsl("maxSum", (i) => `x[${i}]`)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.cols;
  let ml = maxSum(o, p.cols);
  let inv = 1.0 / ml.y;
  for (var i = 0u; i < p.cols; i++) { y[o + i] = exp(x[o + i] - ml.x) * inv; }
}`;

const BACKWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = flatIndex(gid);
  if (r >= p.rows) { return; }
  let o = r * p.cols;
  var d = 0.0;
  for (var i = 0u; i < p.cols; i++) { d = fma(dy[o + i], y[o + i], d); }
  for (var i = 0u; i < p.cols; i++) { dx[o + i] = y[o + i] * (dy[o + i] - d); }
}`;

export interface RowsShape {
  rows: number;
  cols: number;
}

export function encodeSoftmaxForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RowsShape,
  buf: { x: BufferBinding; y: BufferBinding },
): void {
  if (shape.rows === 0) return;
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [uniformBuffer(device, packWords([shape.rows, shape.cols])), buf.x, buf.y],
      workgroups: grid1d(shape.rows, 64),
      label: "softmax-forward",
    },
    encoder,
  );
}

/** dx from the forward's output y. */
export function encodeSoftmaxBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RowsShape,
  buf: { y: BufferBinding; dy: BufferBinding; dx: BufferBinding },
): void {
  if (shape.rows === 0) return;
  dispatch(
    device,
    {
      code: BACKWARD,
      bindings: [uniformBuffer(device, packWords([shape.rows, shape.cols])), buf.y, buf.dy, buf.dx],
      workgroups: grid1d(shape.rows, 64),
      label: "softmax-backward",
    },
    encoder,
  );
}
