/**
 * Inverted dropout from a seeded stream: x ⊙ mask / (1 − p), the mask drawn on the host from
 * the caller's `Rng` (so a seed and a step count reproduce it on every backend). There is no
 * dropout kernel in the runtime; for the adapter inputs of tiny and small models the mask
 * upload is cheap next to the GEMMs.
 */
import type { Tensor } from "../tensor/tensor.js";
import { fromArray } from "../tensor/creation.js";
import { mul } from "../ops/elementwise.js";
import type { Rng } from "../util/random.js";

export function dropout(x: Tensor, p: number, rng: Rng): Tensor {
  if (p <= 0) return x;
  if (p >= 1) throw new Error(`dropout: probability ${p} must be < 1`);
  const keepScale = 1 / (1 - p);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keepScale;
  return mul(x, fromArray(mask, x.shape, { backend: x.backend }));
}
