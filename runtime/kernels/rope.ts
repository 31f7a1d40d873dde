/**
 * Rotary position embedding, Hugging Face Llama convention (rotate_half): for a head vector x
 * of size D (half = D/2) at position p, with θ_i = p · inv_freq_i,
 *   y[i]      = x[i]·cos θ_i − x[i+half]·sin θ_i
 *   y[i+half] = x[i+half]·cos θ_i + x[i]·sin θ_i        (i < half)
 * inv_freq_i = 1 / theta^(2i/D). The backward is the inverse rotation (sin → −sin).
 * x is [tokens, heads, D]; positions (u32 per token) index a cos/sin table built on the CPU
 * (`ropeTable`) with Hugging Face's float32 arithmetic, so large positions do not depend on the
 * GPU's trigonometry precision (WGSL only promises 2⁻¹¹ absolute for f32 cos/sin).
 */
import { packWords } from "./param-words.js";
import { dispatch, type BufferBinding, uniformBuffer } from "./launch.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

const f32 = Math.fround;

/** inv_freq as HF computes it in float32: 1 / theta ** (arange(0, D, 2) / D). */
export function ropeInvFreq(theta: number, headDim: number): Float32Array {
  const half = headDim / 2;
  return Float32Array.from({ length: half }, (_, i) =>
    f32(1 / f32(Math.pow(theta, f32((2 * i) / headDim)))),
  );
}

/** Interleaved (cos, sin) per (position, i < half): [maxPositions, half, 2] float32. */
export function ropeTable(theta: number, headDim: number, maxPositions: number): Float32Array {
  if (headDim % 2 !== 0) throw new Error(`internal: RoPE head dim ${headDim} is odd`);
  const half = headDim / 2;
  const inv = ropeInvFreq(theta, headDim);
  const out = new Float32Array(maxPositions * half * 2);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = f32(p * inv[i]);
      out[2 * (p * half + i)] = Math.cos(angle);
      out[2 * (p * half + i) + 1] = Math.sin(angle);
    }
  }
  return out;
}

const WGSL = /* wgsl */ `
struct Params { tokens: u32, heads: u32, half: u32, sign: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<u32>;
@group(0) @binding(3) var<storage, read> table: array<vec2f>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
${flatIndexWgsl(64)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.tokens * p.heads * p.half) { return; }
  let d = i % p.half;
  let th = i / p.half;
  let t = th / p.heads;
  let base = th * 2u * p.half;
  let cs = table[positions[t] * p.half + d];
  let s = cs.y * p.sign;
  let x1 = x[base + d];
  let x2 = x[base + d + p.half];
  y[base + d] = x1 * cs.x - x2 * s;
  y[base + d + p.half] = x2 * cs.x + x1 * s;
}`;

export interface RopeShape {
  tokens: number;
  heads: number;
  headDim: number;
}

function encode(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  s: RopeShape,
  sign: number,
  buf: { x: BufferBinding; positions: BufferBinding; table: BufferBinding; y: BufferBinding },
  label: string,
): void {
  const half = s.headDim / 2;
  const n = s.tokens * s.heads * half;
  if (n === 0) return;
  dispatch(
    device,
    {
      code: WGSL,
      bindings: [
        uniformBuffer(device, packWords([s.tokens, s.heads, half, { f32: sign }])),
        buf.x,
        buf.positions,
        buf.table,
        buf.y,
      ],
      workgroups: grid1d(n, 64),
      label,
    },
    encoder,
  );
}

/** y = rope(x); positions must be < the table's maxPositions. */
export function encodeRopeForward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RopeShape,
  buf: { x: BufferBinding; positions: BufferBinding; table: BufferBinding; y: BufferBinding },
): void {
  encode(device, encoder, shape, 1, buf, "rope-forward");
}

/** dx = ropeᵀ(dy) (the inverse rotation). */
export function encodeRopeBackward(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  shape: RopeShape,
  buf: { dy: BufferBinding; positions: BufferBinding; table: BufferBinding; dx: BufferBinding },
): void {
  encode(
    device,
    encoder,
    shape,
    -1,
    { x: buf.dy, positions: buf.positions, table: buf.table, y: buf.dx },
    "rope-backward",
  );
}
