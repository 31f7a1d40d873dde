/**
 * Gradient clipping by global L2 norm (torch.nn.utils.clip_grad_norm_), entirely on the
 * device: no readback. Every `.grad` is replaced by grad·min(1, maxNorm / (norm + 1e-6)).
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { keep, tidy } from "../tensor/scope.js";
import { full } from "../tensor/creation.js";
import { add, addScalar, div, minimum, mul, sqrt, square } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";

/** Clips in place; returns the total norm before clipping (a kept one-element tensor). */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor | null {
  const withGrad = params.filter((p) => p.grad);
  if (withGrad.length === 0) return null;
  return noGrad(() => {
    const { norm, factor } = tidy(() => {
      let total: Tensor | null = null;
      for (const p of withGrad) {
        const s = sum(square(p.grad!));
        total = total ? add(total, s) : s;
      }
      const norm = sqrt(total!);
      const backend = norm.backend;
      const factor = minimum(
        div(full([], maxNorm, { backend }), addScalar(norm, 1e-6)),
        full([], 1, { backend }),
      );
      return { norm, factor };
    });
    for (const p of withGrad) {
      const clipped = keep(mul(p.grad!, factor));
      p.grad!.dispose();
      p.grad = clipped;
    }
    factor.dispose();
    return keep(norm);
  });
}
