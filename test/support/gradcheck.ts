/**
 * Finite-difference gradient checks in float64 on the CPU reference backend.
 *
 *   gradcheck((x, w) => rt.linear(x, w), [[3, 5], [4, 5]], { seed: 1 });
 *
 * Each input spec is a shape (normal random values, requires grad) or an object with
 * `shape`, optional `values`, `dtype`, `low`/`high` (uniform values), and `grad: false` for
 * inputs that are not differentiated (indices, masks). The checked scalar is
 * Σ fn(...)·R with fixed random weights R, so every output element matters. Central
 * differences with step `eps` are compared with backward(): |analytic − numeric| ≤
 * atol + rtol·|numeric| for every checked element (at most `maxElements` per input, chosen
 * at random). Throws an Error naming the worst element; returns the worst error.
 */
import { CpuBackend } from "../../runtime/backend/cpu-backend.js";
import { fromArray } from "../../runtime/tensor/creation.js";
import { noGrad } from "../../runtime/autograd/grad-mode.js";
import { tidy } from "../../runtime/tensor/scope.js";
import type { Tensor } from "../../runtime/tensor/tensor.js";
import type { DType } from "../../runtime/tensor/dtype.js";
import { sizeOf, type Shape } from "../../runtime/tensor/shape.js";
import { createRng } from "../../runtime/util/random.js";
import { mul, sum } from "../../runtime/ops/index.js";

export interface InputSpec {
  shape: Shape;
  values?: ArrayLike<number>;
  dtype?: DType;
  /** Uniform [low, high) instead of normal values. */
  low?: number;
  high?: number;
  /** Differentiate with respect to this input (default true for f32). */
  grad?: boolean;
}

export interface GradcheckOptions {
  seed?: number;
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Elements checked per input (random subset when larger). */
  maxElements?: number;
}

export interface GradcheckResult {
  maxAbsError: number;
  checked: number;
}

export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  specs: readonly (Shape | InputSpec)[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const { seed = 1, eps = 1e-6, atol = 1e-6, rtol = 1e-5, maxElements = 48 } = options;
  const backend = new CpuBackend({ precision: "f64" });
  const rng = createRng(seed);
  const full = specs.map((s) => (isShape(s) ? { shape: s } : s));
  return tidy(() => {
    const inputs = full.map((spec) => {
      const n = sizeOf(spec.shape);
      const values =
        spec.values ??
        Float64Array.from({ length: n }, () =>
          spec.low !== undefined || spec.high !== undefined
            ? (spec.low ?? 0) + ((spec.high ?? 1) - (spec.low ?? 0)) * rng.next()
            : rng.normal(),
        );
      const dtype = spec.dtype ?? "f32";
      const differentiable = spec.grad ?? dtype === "f32";
      return fromArray(values, spec.shape, { backend, dtype, requiresGrad: differentiable });
    });
    const probe = noGrad(() => fn(...inputs));
    const weights = fromArray(
      Float64Array.from({ length: probe.size }, () => rng.normal()),
      probe.shape,
      { backend },
    );
    const objective = () => sum(mul(fn(...inputs), weights));
    const loss = objective();
    loss.backward();
    let maxAbsError = 0;
    let checked = 0;
    inputs.forEach((input, k) => {
      if (!input.requiresGrad) return;
      const data = backend.floats(input);
      const analytic = input.grad ? backend.floats(input.grad) : new Float64Array(input.size);
      const indices = Array.from({ length: input.size }, (_, i) => i);
      if (indices.length > maxElements) rng.shuffle(indices);
      for (const i of indices.slice(0, maxElements)) {
        const original = data[i];
        data[i] = original + eps;
        const plus = noGrad(() => tidy(() => backend.floats(objective())[0]));
        data[i] = original - eps;
        const minus = noGrad(() => tidy(() => backend.floats(objective())[0]));
        data[i] = original;
        const numeric = (plus - minus) / (2 * eps);
        const err = Math.abs(analytic[i] - numeric);
        checked++;
        maxAbsError = Math.max(maxAbsError, err);
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          throw new Error(
            `gradcheck: input ${k} element ${i}: analytic ${analytic[i]} vs numeric ${numeric} (|diff| ${err.toExponential(3)})`,
          );
        }
      }
    });
    for (const input of inputs) input.grad?.dispose();
    return { maxAbsError, checked };
  });
}

function isShape(s: Shape | InputSpec): s is Shape {
  return Array.isArray(s);
}
