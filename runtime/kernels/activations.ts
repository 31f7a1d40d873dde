/**
 * Elementwise activations with their backward: SiLU, GELU (exact erf form, as torch's default
 * and HF "gelu"; and the tanh approximation, HF "gelu_pytorch_tanh"), and SwiGLU
 * y = silu(gate) · up (Llama MLP).
 *
 * WGSL has no erf: erfc uses the Numerical Recipes Chebyshev fit (fractional error < 1.2e-7
 * everywhere), so GELU stays relatively accurate in the far negative tail. The tanh form is
 * computed as x·σ(2u) (= ½x(1 + tanh u)), which has no cancellation where tanh u → −1.
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

export type Activation = "silu" | "gelu" | "gelu_tanh";

const MATH = /* wgsl */ `
fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn erfcApprox(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let r = t * exp(-z * z + poly);
  return select(2.0 - r, r, x >= 0.0);
}
const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2_OVER_PI = 0.7978845608028654;
fn act(x: f32, kind: u32) -> f32 {
  if (kind == 0u) { return x * sigmoid(x); }
  if (kind == 1u) { return 0.5 * x * erfcApprox(-x * SQRT1_2); }
  let u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  return x * sigmoid(2.0 * u);
}
fn actGrad(x: f32, kind: u32) -> f32 {
  if (kind == 0u) { let s = sigmoid(x); return s * (1.0 + x * (1.0 - s)); }
  if (kind == 1u) { return 0.5 * erfcApprox(-x * SQRT1_2) + x * INV_SQRT_2PI * exp(-0.5 * x * x); }
  // ½(1 + tanh u) = σ(2u) and ½(1 − tanh² u) = 2σ(2u)(1 − σ(2u)).
  let u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  let s = sigmoid(2.0 * u);
  return s + 2.0 * x * s * (1.0 - s) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x);
}
`;

const HEADER = /* wgsl */ `
struct Params { n: u32, kind: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${MATH}
${flatIndexWgsl(256)}
`;

const FORWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i < p.n) { y[i] = act(x[i], p.kind); }
}`;

const BACKWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i < p.n) { dx[i] = dy[i] * actGrad(x[i], p.kind); }
}`;

const SWIGLU_FORWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> gate: array<f32>;
@group(0) @binding(2) var<storage, read> up: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i < p.n) { y[i] = act(gate[i], 0u) * up[i]; }
}`;

const SWIGLU_BACKWARD = /* wgsl */ `${HEADER}
@group(0) @binding(1) var<storage, read> gate: array<f32>;
@group(0) @binding(2) var<storage, read> up: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgate: array<f32>;
@group(0) @binding(5) var<storage, read_write> dup: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.n) { return; }
  let g = gate[i];
  dgate[i] = dy[i] * up[i] * actGrad(g, 0u);
  dup[i] = dy[i] * act(g, 0u);
}`;

const KIND: Record<Activation, number> = { silu: 0, gelu: 1, gelu_tanh: 2 };

function run(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  code: string,
  n: number,
  kind: number,
  bufs: BufferBinding[],
  label: string,
) {
  if (n === 0) return;
  dispatch(
    device,
    {
      code,
      bindings: [uniformBuffer(device, packWords([n, kind])), ...bufs],
      workgroups: grid1d(n, 256),
      label,
    },
    encoder,
  );
}

export function encodeActivationForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  kind: Activation,
  n: number,
  buf: { x: BufferBinding; y: BufferBinding },
): void {
  run(device, encoder, FORWARD, n, KIND[kind], [buf.x, buf.y], `${kind}-forward`);
}

export function encodeActivationBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  kind: Activation,
  n: number,
  buf: { x: BufferBinding; dy: BufferBinding; dx: BufferBinding },
): void {
  run(device, encoder, BACKWARD, n, KIND[kind], [buf.x, buf.dy, buf.dx], `${kind}-backward`);
}

export function encodeSwiGluForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  n: number,
  buf: { gate: BufferBinding; up: BufferBinding; y: BufferBinding },
): void {
  run(device, encoder, SWIGLU_FORWARD, n, 0, [buf.gate, buf.up, buf.y], "swiglu-forward");
}

export function encodeSwiGluBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  n: number,
  buf: {
    gate: BufferBinding;
    up: BufferBinding;
    dy: BufferBinding;
    dgate: BufferBinding;
    dup: BufferBinding;
  },
): void {
  run(
    device,
    encoder,
    SWIGLU_BACKWARD,
    n,
    0,
    [buf.gate, buf.up, buf.dy, buf.dgate, buf.dup],
    "swiglu-backward",
  );
}
