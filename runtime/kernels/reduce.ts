/**
 * Reductions over the middle axis of x viewed as [A, R, B] (out: [A, B]). B = 1 (a last
 * axis, or everything) uses one 64-wide workgroup per row with a tree in workgroup memory;
 * B > 1 uses one invocation per output, walking R (reads coalesced over b).
 * A full reduction of a large tensor is two calls (rows of `chunk`, then the partials):
 * the op layer (runtime/ops/reduce.ts) does that. CPU reference: ./reduce-cpu.ts.
 */
import { dispatch, memoizeCode, uniformBuffer, type BufferBinding } from "./launch.js";
import { LINEAR_INDEX, LINEAR_PARAMS, linearGrid } from "./elementwise.js";
import type { ReduceOp } from "./reduce-cpu.js";

const COMBINE: Record<ReduceOp, string> = {
  sum: "a + b",
  max: "max(a, b)",
  min: "min(a, b)",
};
/** Bits of the identity (0, -inf, +inf), passed in the uniform: WGSL rejects infinite constants. */
const INIT_BITS: Record<ReduceOp, number> = { sum: 0, max: 0xff800000, min: 0x7f800000 };

const rowCode = memoizeCode((op: ReduceOp) => op, rowCodeUncached);
function rowCodeUncached(op: ReduceOp): string {
  return /* wgsl */ `
struct P { A: u32, R: u32, total: u32, init: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
var<workgroup> sh: array<f32, 64>;
fn combine(a: f32, b: f32) -> f32 { return ${COMBINE[op]}; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= p.A) { return; }
  let base = row * p.R;
  let end = min(p.R, p.total - base);
  var acc = bitcast<f32>(p.init);
  for (var r = lid; r < end; r += 64u) { acc = combine(acc, x[base + r]); }
  sh[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = combine(sh[lid], sh[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { y[row] = sh[0]; }
}`;
}

const columnCode = memoizeCode((op: ReduceOp) => op, columnCodeUncached);
function columnCodeUncached(op: ReduceOp): string {
  return /* wgsl */ `
struct P { A: u32, R: u32, B: u32, init: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
fn combine(a: f32, b: f32) -> f32 { return ${COMBINE[op]}; }
@compute @workgroup_size(64)
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  if (gi >= p.A * p.B) { return; }
  let a = gi / p.B;
  let b = gi % p.B;
  var acc = bitcast<f32>(p.init);
  var i = a * p.R * p.B + b;
  for (var r = 0u; r < p.R; r++) { acc = combine(acc, x[i]); i += p.B; }
  y[gi] = acc;
}`;
}

export interface ReduceArgs {
  op: ReduceOp;
  x: BufferBinding;
  out: BufferBinding;
  A: number;
  R: number;
  B: number;
  /** With B = 1: elements past `total` are skipped (the last row of a chunked reduction). */
  total?: number;
}

export function encodeReduce(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  args: ReduceArgs,
): void {
  const { A, R, B } = args;
  if (B === 1) {
    const u = new Uint32Array([A, R, args.total ?? A * R, INIT_BITS[args.op]]);
    dispatch(
      device,
      {
        code: rowCode(args.op),
        bindings: [args.x, args.out, uniformBuffer(device, u)],
        workgroups: linearGrid(A, 1),
      },
      encoder,
    );
  } else {
    const u = new Uint32Array([A, R, B, INIT_BITS[args.op]]);
    dispatch(
      device,
      {
        code: columnCode(args.op),
        bindings: [args.x, args.out, uniformBuffer(device, u)],
        workgroups: linearGrid(A * B),
      },
      encoder,
    );
  }
}
