/**
 * Elementwise WGSL kernels: unary maps (with an optional scalar parameter), binary maps with
 * NumPy broadcasting (rank ≤ 8), and the strided copy behind transpose/slice/concat/broadcast.
 * CPU references: ./elementwise-cpu.ts. Each function records one dispatch into `encoder`.
 */
import { NORMAL_CDF } from "./wgsl-math.js";
import { dispatch, memoizeCode, uniformBuffer, type BufferBinding } from "./launch.js";
import { broadcastStrides, sizeOf, stridesOf, type Shape } from "../tensor/shape.js";

const WG = 64;

/** Workgroup grid covering `count` items of `WG` invocations (2-D past 65535 groups). */
export function linearGrid(count: number, perGroup = WG): [number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x)];
}

/** WGSL prelude: `let gi = ...;` linear invocation index for a linearGrid dispatch. */
export const LINEAR_INDEX = /* wgsl */ `
  let gi = (wid.y * nwg.x + wid.x) * ${WG}u + lidx;`;
export const LINEAR_PARAMS = `@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lidx: u32`;

const ERFC = /* wgsl */ `${NORMAL_CDF}
fn sigmoid_f(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
`;

/** Unary ops: WGSL body computing `y` from `x` (and the scalar `s`). */
export const UNARY_WGSL: Record<string, string> = {
  neg: "return -x;",
  exp: "return exp(x);",
  log: "return log(x);",
  relu: "return max(x, 0.0);",
  sigmoid: "return sigmoid_f(x);",
  silu: "return x * sigmoid_f(x);",
  gelu: "return x * normal_cdf(x);",
  tanh: "return tanh(clamp(x, -15.0, 15.0));",
  sqrt: "return sqrt(x);",
  rsqrt: "return inverseSqrt(x);",
  square: "return x * x;",
  abs: "return abs(x);",
  scale: "return x * s;",
  add_scalar: "return x + s;",
  sign: "return sign(x);",
  copy: "return x;",
};

/** Binary ops: WGSL body computing the result from `a` and `b`. */
export const BINARY_WGSL: Record<string, string> = {
  add: "return a + b;",
  sub: "return a - b;",
  mul: "return a * b;",
  div: "return a / b;",
  maximum: "return max(a, b);",
  minimum: "return min(a, b);",
  relu_grad: "return select(0.0, a, b > 0.0);",
  silu_grad: "let s = sigmoid_f(b); return a * s * (1.0 + b * (1.0 - s));",
  gelu_grad: "return a * (normal_cdf(b) + b * 0.3989422804014327 * exp(-0.5 * b * b));",
  sigmoid_grad_out: "return a * b * (1.0 - b);",
  tanh_grad_out: "return a * (1.0 - b * b);",
  equal_mask: "return select(0.0, 1.0, a == b);",
  ge_mask: "return select(0.0, 1.0, a >= b);",
};

const unaryCode = memoizeCode((op: string, vec4: boolean) => `${op}:${vec4}`, unaryCodeUncached);
function unaryCodeUncached(op: string, vec4: boolean): string {
  const body = UNARY_WGSL[op];
  if (!body) throw new Error(`internal: unknown unary op ${op}`);
  const T = vec4 ? "vec4<f32>" : "f32";
  const apply = vec4 ? "vec4<f32>(f(v.x), f(v.y), f(v.z), f(v.w))" : "f(v)";
  return /* wgsl */ `
${ERFC}
struct P { n: u32, s: f32 }
@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read_write> y: array<${T}>;
@group(0) @binding(2) var<uniform> p: P;
fn f(x: f32) -> f32 { let s = p.s; ${body} }
@compute @workgroup_size(${WG})
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  if (gi >= p.n) { return; }
  let v = x[gi];
  y[gi] = ${apply};
}`;
}

export interface UnaryArgs {
  op: string;
  x: BufferBinding;
  out: BufferBinding;
  /** Number of f32 elements. */
  n: number;
  /** The scalar of scale / add_scalar / pow_scalar. */
  s?: number;
}

export function encodeUnary(device: GPUDevice, encoder: GPUCommandEncoder, args: UnaryArgs): void {
  const vec4 = args.n % 4 === 0;
  const count = vec4 ? args.n / 4 : args.n;
  const params = new ArrayBuffer(8);
  new Uint32Array(params, 0, 1)[0] = count;
  new Float32Array(params, 4, 1)[0] = args.s ?? 0;
  dispatch(
    device,
    {
      code: unaryCode(args.op, vec4),
      bindings: [args.x, args.out, uniformBuffer(device, new Uint8Array(params))],
      workgroups: linearGrid(count),
    },
    encoder,
  );
}

type BinaryMode = "same" | "scalar_b" | "scalar_a" | "broadcast";

const binaryCode = memoizeCode(
  (op: string, mode: BinaryMode, vec4: boolean) => `${op}:${mode}:${vec4}`,
  binaryCodeUncached,
);
function binaryCodeUncached(op: string, mode: BinaryMode, vec4: boolean): string {
  const body = BINARY_WGSL[op];
  if (!body) throw new Error(`internal: unknown binary op ${op}`);
  const T = vec4 ? "vec4<f32>" : "f32";
  const TA = mode === "scalar_a" ? "f32" : T;
  const TB = mode === "scalar_b" ? "f32" : T;
  const apply = vec4
    ? `vec4<f32>(f(av.x, bv.x), f(av.y, bv.y), f(av.z, bv.z), f(av.w, bv.w))`
    : "f(av, bv)";
  let load: string;
  switch (mode) {
    case "same":
      load = "let av = a[gi]; let bv = b[gi];";
      break;
    case "scalar_b":
      load = `let av = a[gi]; let bv = ${vec4 ? "vec4<f32>(b[0])" : "b[0]"};`;
      break;
    case "scalar_a":
      load = `let av = ${vec4 ? "vec4<f32>(a[0])" : "a[0]"}; let bv = b[gi];`;
      break;
    case "broadcast":
      load = /* wgsl */ `
  var rem = gi; var ia = 0u; var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = p.dims[d / 4][d % 4];
    let c = rem % dim;
    rem = rem / dim;
    ia += c * p.sa[d / 4][d % 4];
    ib += c * p.sb[d / 4][d % 4];
  }
  let av = a[ia]; let bv = b[ib];`;
      break;
  }
  return /* wgsl */ `
${ERFC}
struct P { n: u32, rank: u32, dims: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> a: array<${TA}>;
@group(0) @binding(1) var<storage, read> b: array<${TB}>;
@group(0) @binding(2) var<storage, read_write> y: array<${T}>;
@group(0) @binding(3) var<uniform> p: P;
fn f(a: f32, b: f32) -> f32 { ${body} }
@compute @workgroup_size(${WG})
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  if (gi >= p.n) { return; }
  ${load}
  y[gi] = ${apply};
}`;
}

export interface BinaryArgs {
  op: string;
  a: BufferBinding;
  aShape: Shape;
  b: BufferBinding;
  bShape: Shape;
  out: BufferBinding;
  outShape: Shape;
}

export function encodeBinary(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  args: BinaryArgs,
): void {
  const n = sizeOf(args.outShape);
  const na = sizeOf(args.aShape);
  const nb = sizeOf(args.bShape);
  let mode: BinaryMode;
  if (na === n && nb === n) mode = "same";
  else if (nb === 1 && na === n) mode = "scalar_b";
  else if (na === 1 && nb === n) mode = "scalar_a";
  else mode = "broadcast";
  const vec4 = mode !== "broadcast" && n % 4 === 0;
  const count = vec4 ? n / 4 : n;
  const u = new Uint32Array(4 + 8 * 3);
  u[0] = count;
  if (mode === "broadcast") {
    const rank = args.outShape.length;
    if (rank > 8) throw new Error("internal: broadcasting supports rank ≤ 8");
    u[1] = rank;
    const sa = broadcastStrides(args.aShape, args.outShape);
    const sb = broadcastStrides(args.bShape, args.outShape);
    for (let d = 0; d < rank; d++) {
      u[4 + d] = args.outShape[d];
      u[12 + d] = sa[d];
      u[20 + d] = sb[d];
    }
  }
  dispatch(
    device,
    {
      code: binaryCode(args.op, mode, vec4),
      bindings: [args.a, args.b, args.out, uniformBuffer(device, u)],
      workgroups: linearGrid(count),
    },
    encoder,
  );
}

const COPY_CODE = /* wgsl */ `
struct P { n: u32, rank: u32, in_offset: u32, out_offset: u32,
  dims: array<vec4<u32>, 2>, si: array<vec4<u32>, 2>, so: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
@group(0) @binding(2) var<uniform> p: P;
@compute @workgroup_size(${WG})
fn main(${LINEAR_PARAMS}) {${LINEAR_INDEX}
  if (gi >= p.n) { return; }
  var rem = gi; var i = p.in_offset; var o = p.out_offset;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = p.dims[d / 4][d % 4];
    let c = rem % dim;
    rem = rem / dim;
    i += c * p.si[d / 4][d % 4];
    o += c * p.so[d / 4][d % 4];
  }
  y[o] = x[i];
}`;

export interface StridedCopyArgs {
  /** Source buffer of 32-bit elements (f32, u32 or i32). */
  x: BufferBinding;
  out: BufferBinding;
  /** The shape iterated over. */
  shape: Shape;
  inStrides: readonly number[];
  inOffset?: number;
  /** Defaults to the contiguous strides of `shape`. */
  outStrides?: readonly number[];
  outOffset?: number;
}

/** For each coordinate c of `shape`: out[outOffset + c·outStrides] = x[inOffset + c·inStrides]. */
export function encodeStridedCopy(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  args: StridedCopyArgs,
): void {
  const n = sizeOf(args.shape);
  if (n === 0) return;
  const rank = args.shape.length;
  if (rank > 8) throw new Error("internal: strided copy supports rank ≤ 8");
  const outStrides = args.outStrides ?? stridesOf(args.shape);
  const u = new Uint32Array(4 + 8 * 3);
  u[0] = n;
  u[1] = rank;
  u[2] = args.inOffset ?? 0;
  u[3] = args.outOffset ?? 0;
  for (let d = 0; d < rank; d++) {
    u[4 + d] = args.shape[d];
    u[12 + d] = args.inStrides[d];
    u[20 + d] = outStrides[d];
  }
  dispatch(
    device,
    {
      code: COPY_CODE,
      bindings: [args.x, args.out, uniformBuffer(device, u)],
      workgroups: linearGrid(n),
    },
    encoder,
  );
}
