/**
 * Pieces shared by the matmul WGSL generators (./matmul.ts, the register-tiled kernel, and
 * ./matmul-subgroup.ts, the subgroup-broadcast kernel): the kernel key, the uniform block,
 * the fused epilogue and the extra bindings (bias, residual, second product, user epilogue).
 */
import type { MatmulActivation } from "./matmul-cpu.js";

export interface MatmulTileConfig {
  /** Rows per invocation. */
  tm: number;
  /** Columns per invocation (multiple of 4). */
  tn: number;
  /** Workgroup size along N and M. */
  wgx: number;
  wgy: number;
}

/**
 * Subgroup-broadcast tile (./matmul-subgroup.ts): each subgroup of `lanes` invocations owns
 * `rows` output rows × `lanes·cols` columns (lane l: columns n0 + l + lanes·c); `sgx`
 * subgroups per workgroup sit side by side along N.
 */
export interface SubgroupTile {
  lanes: number;
  rows: number;
  cols: number;
  sgx: number;
}

export interface OperandLayout {
  trans: boolean;
  vec: boolean;
}

export interface KernelKey {
  a: OperandLayout;
  b: OperandLayout;
  tile: MatmulTileConfig;
  second?: { a: OperandLayout; b: OperandLayout };
  bias: boolean;
  activation: MatmulActivation;
  residual: boolean;
  custom?: { key: string; wgsl: (first: number) => string };
  partial: boolean;
  /** Set for the subgroup-broadcast kernel (./matmul-subgroup.ts). */
  subgroup?: SubgroupTile;
}

export const ACTIVATION_WGSL: Record<MatmulActivation, string> = {
  none: "v",
  relu: "max(v, 0.0)",
  silu: "v / (1.0 + exp(-v))",
  gelu: "v * normal_cdf(v)",
  sigmoid: "1.0 / (1.0 + exp(-v))",
  tanh: "tanh(clamp(v, -15.0, 15.0))",
};

export { NORMAL_CDF } from "./wgsl-math.js";

export const PARAMS_STRUCT = /* wgsl */ `
struct P {
  M: u32, N: u32, K: u32, K2: u32,
  a_bs: u32, b_bs: u32, a2_bs: u32, b2_bs: u32,
  splits: u32, kchunk: u32, batch: u32, pad0: u32,
  alpha: f32, beta: f32, scale2: f32, pad1: f32,
}`;

export function epilogueFn(
  key: Pick<KernelKey, "bias" | "activation" | "residual" | "custom">,
): string {
  const steps: string[] = [];
  if (key.bias) steps.push("v = v + bias[n];");
  if (key.activation !== "none") steps.push(`v = ${ACTIVATION_WGSL[key.activation]};`);
  if (key.residual) steps.push("v = v + p.beta * resid[o];");
  if (key.custom) steps.push("v = user_epilogue(v, m, n, bi);");
  return `fn epilogue(v0: f32, m: u32, n: u32, bi: u32, o: u32) -> f32 {
  var v = v0;
  ${steps.join("\n  ")}
  return v;
}`;
}

/** Declarations for bindings 4.. (bias, residual, second product, custom); returns next index. */
export function extraBindings(key: KernelKey): { decl: string; next: number } {
  const decl: string[] = [];
  let b = 4;
  if (!key.partial && key.bias)
    decl.push(`@group(0) @binding(${b++}) var<storage, read> bias: array<f32>;`);
  if (!key.partial && key.residual)
    decl.push(`@group(0) @binding(${b++}) var<storage, read> resid: array<f32>;`);
  if (key.second) {
    decl.push(operandDecl(b++, "A2", key.second.a.vec));
    decl.push(operandDecl(b++, "B2", key.second.b.vec));
  }
  return { decl: decl.join("\n"), next: b };
}

export function operandDecl(binding: number, name: string, vec: boolean): string {
  // A vec4 view aliases the same binding; WGSL forbids two variables on one binding, so
  // vec4 operands are declared as vec4 arrays and scalar access goes through a helper.
  return vec
    ? `@group(0) @binding(${binding}) var<storage, read> ${name}4: array<vec4<f32>>;
fn ${name}_at(i: u32) -> f32 { return ${name}4[i / 4u][i % 4u]; }`
    : `@group(0) @binding(${binding}) var<storage, read> ${name}: array<f32>;`;
}
