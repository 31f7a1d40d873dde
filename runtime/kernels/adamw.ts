/**
 * AdamW update on the GPU (fp32 states), in place on param, m and v: one invocation per
 * element, vec4 when the length allows. Host-side scalars (bias corrections) are computed in
 * float64 and passed in a per-step uniform (./adamw-step-uniform.ts) that every parameter binds,
 * so a parameter's bind group is the same at every step (cached, not re-created).
 * CPU reference: ./adamw-cpu.ts.
 */
import { dispatch, memoizeCode, type BufferBinding } from "./launch.js";
import { stepUniform } from "./adamw-step-uniform.js";
import { LINEAR_INDEX, LINEAR_PARAMS, linearGrid } from "./elementwise.js";
import { adamwCoefficients, type AdamWHyper } from "./adamw-cpu.js";

const code = memoizeCode((vec4: boolean) => String(vec4), codeUncached);
function codeUncached(vec4: boolean): string {
  const T = vec4 ? "vec4<f32>" : "f32";
  return /* wgsl */ `
struct P { unused: u32, beta1: f32, beta2: f32, eps: f32, decay: f32, step_size: f32, inv_sqrt_bc2: f32, grad_scale: f32 }
@group(0) @binding(0) var<storage, read_write> param: array<${T}>;
@group(0) @binding(1) var<storage, read> grad: array<${T}>;
@group(0) @binding(2) var<storage, read_write> m: array<${T}>;
@group(0) @binding(3) var<storage, read_write> v: array<${T}>;
@group(0) @binding(4) var<uniform> p: P;
@compute @workgroup_size(64)
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  if (gi >= arrayLength(&param)) { return; }
  let g = grad[gi] * p.grad_scale;
  let mi = p.beta1 * m[gi] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[gi] + (1.0 - p.beta2) * g * g;
  m[gi] = mi;
  v[gi] = vi;
  param[gi] = param[gi] * p.decay - p.step_size * mi / (sqrt(vi) * p.inv_sqrt_bc2 + p.eps);
}`;
}

export interface AdamWArgs extends AdamWHyper {
  /** Bind with the exact size (`backend.binding`): the kernel uses arrayLength(&param). */
  param: BufferBinding;
  grad: BufferBinding;
  m: BufferBinding;
  v: BufferBinding;
  n: number;
}

export function encodeAdamW(device: GPUDevice, encoder: GPUCommandEncoder, args: AdamWArgs): void {
  const c = adamwCoefficients(args);
  const vec4 = args.n % 4 === 0;
  const count = vec4 ? args.n / 4 : args.n;
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
  dispatch(
    device,
    {
      code: code(vec4),
      bindings: [args.param, args.grad, args.m, args.v, stepUniform(device, encoder, "adamw", buf)],
      workgroups: linearGrid(count),
    },
    encoder,
  );
}
