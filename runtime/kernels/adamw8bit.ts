/**
 * 8-bit-state AdamW on the GPU: one 64-invocation workgroup per block of 256 elements; each
 * invocation owns one 32-bit word of codes (4 elements) of m and of v. The block's new absmax
 * is a workgroup max-reduction. The step's scalars come from the shared per-step uniform of
 * ./adamw-step-uniform.ts and the length from a per-parameter one, so a parameter's bind group
 * is the same at every step. Scheme and CPU reference: ./adamw8bit-cpu.ts.
 */
import { dispatch, uniformBuffer, type BufferBinding } from "./launch.js";
import { stepUniform } from "./adamw-step-uniform.js";
import { linearGrid } from "./elementwise.js";
import { adamwCoefficients, type AdamWHyper } from "./adamw-cpu.js";
import { ADAMW8BIT_BLOCK } from "./adamw8bit-cpu.js";

const CODE = /* wgsl */ `
struct P { unused: u32, beta1: f32, beta2: f32, eps: f32, decay: f32, step_size: f32, inv_sqrt_bc2: f32, grad_scale: f32 }
struct Len { n: u32 }
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> mq: array<u32>;
@group(0) @binding(3) var<storage, read_write> vq: array<u32>;
@group(0) @binding(4) var<storage, read_write> mabs: array<f32>;
@group(0) @binding(5) var<storage, read_write> vabs: array<f32>;
@group(0) @binding(6) var<storage, read> maps: array<f32>;
@group(0) @binding(7) var<uniform> p: P;
@group(0) @binding(8) var<uniform> len: Len;
var<workgroup> red_m: array<f32, 64>;
var<workgroup> red_v: array<f32, 64>;

fn quantize(x: f32, base: u32) -> u32 {
  var lo = 0u;
  var hi = 255u;
  for (var it = 0u; it < 8u; it++) {
    let mid = (lo + hi + 1u) / 2u;
    if (maps[base + mid] <= x) { lo = mid; } else { hi = mid - 1u; }
  }
  if (lo < 255u && x - maps[base + lo] > maps[base + lo + 1u] - x) { return lo + 1u; }
  return lo;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let block = wid.y * nwg.x + wid.x;
  if (block * ${ADAMW8BIT_BLOCK}u >= len.n) { return; }
  let w = block * 64u + lid;
  let old_am = mabs[block];
  let old_av = vabs[block];
  var mw = 0u;
  var vw = 0u;
  if (4u * w < len.n) { mw = mq[w]; vw = vq[w]; }
  var mv: array<f32, 4>;
  var vv: array<f32, 4>;
  var am = 0.0;
  var av = 0.0;
  for (var e = 0u; e < 4u; e++) {
    let i = 4u * w + e;
    if (i < len.n) {
      let g = grad[i] * p.grad_scale;
      let m_old = maps[(mw >> (8u * e)) & 255u] * old_am;
      let v_old = maps[256u + ((vw >> (8u * e)) & 255u)] * old_av;
      let mi = p.beta1 * m_old + (1.0 - p.beta1) * g;
      let vi = p.beta2 * v_old + (1.0 - p.beta2) * g * g;
      mv[e] = mi;
      vv[e] = vi;
      param[i] = param[i] * p.decay - p.step_size * mi / (sqrt(vi) * p.inv_sqrt_bc2 + p.eps);
      am = max(am, abs(mi));
      av = max(av, vi);
    } else {
      mv[e] = 0.0;
      vv[e] = 0.0;
    }
  }
  red_m[lid] = am;
  red_v[lid] = av;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red_m[lid] = max(red_m[lid], red_m[lid + s]);
      red_v[lid] = max(red_v[lid], red_v[lid + s]);
    }
    workgroupBarrier();
  }
  let bm = red_m[0];
  let bv = red_v[0];
  if (4u * w < len.n) {
    var nm = 0u;
    var nv = 0u;
    for (var e = 0u; e < 4u; e++) {
      let xm = select(0.0, mv[e] / bm, bm > 0.0);
      let xv = select(0.0, vv[e] / bv, bv > 0.0);
      nm = nm | (quantize(xm, 0u) << (8u * e));
      nv = nv | (quantize(xv, 256u) << (8u * e));
    }
    mq[w] = nm;
    vq[w] = nv;
  }
  if (lid == 0u) {
    mabs[block] = bm;
    vabs[block] = bv;
  }
}`;

export interface AdamW8bitArgs extends AdamWHyper {
  param: BufferBinding;
  grad: BufferBinding;
  /** u8 codes (4 per word) of m and v, n elements. */
  mCodes: BufferBinding;
  vCodes: BufferBinding;
  /** f32 per block of 256. */
  mAbsmax: BufferBinding;
  vAbsmax: BufferBinding;
  /** 512 f32: the signed map (for m) then the unsigned map (for v). */
  maps: BufferBinding;
  n: number;
}

export function encodeAdamW8bit(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  args: AdamW8bitArgs,
): void {
  const c = adamwCoefficients(args);
  const buf = new ArrayBuffer(32);
  new Float32Array(buf, 4, 7).set([
    args.beta1,
    args.beta2,
    args.eps,
    c.decay,
    c.stepSize,
    c.invSqrtBc2,
    args.gradScale ?? 1,
  ]);
  const blocks = Math.ceil(args.n / ADAMW8BIT_BLOCK);
  dispatch(
    device,
    {
      code: CODE,
      bindings: [
        args.param,
        args.grad,
        args.mCodes,
        args.vCodes,
        args.mAbsmax,
        args.vAbsmax,
        args.maps,
        stepUniform(device, encoder, "adamw", buf),
        uniformBuffer(device, new Uint32Array([args.n, 0, 0, 0])),
      ],
      workgroups: linearGrid(blocks, 1),
    },
    encoder,
  );
}
