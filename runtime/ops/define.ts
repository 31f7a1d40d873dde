/**
 * Op registration. An op is defined once, in its own file, with one forward per backend kind
 * and (optionally) a backward written with other ops:
 *
 *   export const scaleOp = defineOp<{ s: number }>({
 *     name: "scale",
 *     cpu: ([x], { s }, be) => ...,          // CpuBackend: typed arrays + CPU reference
 *     webgpu: ([x], { s }, be) => ...,       // WebGpuBackend: records a dispatch
 *     backward: ({ grads: [g], attrs }) => [scale(g, attrs.s)],
 *   });
 *
 * `defineOp` returns a function `(inputs, attrs) => outputs` that checks inputs, runs the
 * right forward (inside a tidy, without recording), and records a tape node when any
 * differentiable input tracks gradients and grad mode is on.
 */
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import type { Tensor } from "../tensor/tensor.js";
import { tidy } from "../tensor/scope.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { createGradNode, type BackwardFn } from "../autograd/tape.js";

/** What a forward returns: outputs, plus tensors only backward needs. */
export interface ForwardResult {
  outputs: Tensor[];
  saved?: Tensor[];
}

export type ForwardFn<A, B> = (
  inputs: readonly Tensor[],
  attrs: A,
  backend: B,
) => Tensor | Tensor[] | ForwardResult;

export interface OpDef<A> {
  /** Unique name (registry key and tape label). */
  name: string;
  cpu?: ForwardFn<A, CpuBackend>;
  webgpu?: ForwardFn<A, WebGpuBackend>;
  /** Omit for non-differentiable ops (outputs then never track gradients). */
  backward?: BackwardFn<A>;
  /** Input indices no gradient flows into (token ids, masks, indices). */
  nondifferentiable?: readonly number[];
}

export type Op<A> = (inputs: readonly Tensor[], attrs: A) => Tensor[];

const registry = new Map<string, OpDef<never>>();

export function defineOp<A = Record<string, never>>(def: OpDef<A>): Op<A> {
  if (registry.has(def.name)) throw new Error(`internal: op '${def.name}' is defined twice`);
  registry.set(def.name, def as OpDef<never>);
  return (inputs, attrs) => runOp(def, inputs, attrs);
}

/** Names of every registered op (for docs and tests). */
export function registeredOps(): string[] {
  return [...registry.keys()].sort();
}

export function opDefinition(name: string): OpDef<unknown> | undefined {
  return registry.get(name) as OpDef<unknown> | undefined;
}

function runOp<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  if (inputs.length === 0) throw new Error(`internal: op '${def.name}' needs at least one input`);
  const backend = inputs[0].backend;
  for (const t of inputs) {
    t.assertAlive(`input of '${def.name}'`);
    if (t.backend !== backend) {
      throw new Error(
        `op '${def.name}': inputs live on different backends (${backend.name}, ${t.backend.name})`,
      );
    }
  }
  const impl = backend.kind === "cpu" ? def.cpu : def.webgpu;
  if (!impl) throw new Error(`op '${def.name}' has no ${backend.kind} implementation`);
  const result = tidy(() =>
    noGrad(() => {
      const r = (impl as ForwardFn<A, unknown>)(inputs, attrs, backend);
      const normalized: ForwardResult =
        "outputs" in r && !("__isTensor" in r)
          ? (r as ForwardResult)
          : { outputs: Array.isArray(r) ? r : [r as Tensor] };
      // An output that *is* an input would alias its tape identity: give it its own object.
      const outputs = normalized.outputs.map((o) => (inputs.includes(o) ? o.view() : o));
      return { outputs, saved: normalized.saved ?? [] };
    }),
  );
  const nondiff = def.nondifferentiable ?? [];
  const needsGrad = inputs.map((t, i) => t.tracksGrad && t.isFloat && !nondiff.includes(i));
  if (def.backward && isGradEnabled() && needsGrad.some(Boolean)) {
    const node = createGradNode({
      op: def.name,
      inputs: [...inputs],
      outputs: result.outputs,
      saved: result.saved,
      attrs,
      needsGrad,
      backward: def.backward as BackwardFn<unknown>,
    });
    result.outputs.forEach((o, i) => {
      o.gradNode = node;
      o.outputIndex = i;
    });
  } else {
    const visible = new Set([...inputs, ...result.outputs]);
    for (const t of result.saved) if (!visible.has(t)) t.dispose();
  }
  return result.outputs;
}
