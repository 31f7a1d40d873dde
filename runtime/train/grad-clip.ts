/**
 * Global gradient-norm clipping as `torch.nn.utils.clip_grad_norm_`: the L2 norm over every
 * gradient together, and the factor `min(1, maxNorm / (norm + 1e-6))` that the optimiser
 * applies to the gradients in its update (`gradScale`) — no extra pass over the gradients.
 * One scalar readback per step.
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { tidy } from "../tensor/scope.js";
import { add, square } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { settleQuietly } from "./gpu-wait.js";

/** The L2 norm of all gradients of `params` (0 when none has a gradient). */
export async function globalGradNorm(params: readonly Tensor[]): Promise<number> {
  const total = noGrad(() =>
    tidy(() => {
      let acc: Tensor | null = null;
      for (const p of params) {
        if (!p.grad) continue;
        const s = sum(square(p.grad));
        acc = acc ? add(acc, s) : s;
      }
      return acc;
    }),
  );
  if (!total) return 0;
  await settleQuietly(total.backend);
  const squared = await total.item();
  total.dispose();
  return Math.sqrt(squared);
}

/** The factor gradients are multiplied by so that their norm is at most `maxNorm`. */
export function clipFactor(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
