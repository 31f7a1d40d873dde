/**
 * CPU reference for the AdamW kernel (PyTorch torch.optim.AdamW, fp32 states), in place:
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g ;  v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 */
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step number (for bias correction). */
  step: number;
  /** Multiplies the gradient first (gradient clipping / loss scaling); default 1. */
  gradScale?: number;
}

export interface AdamWCoefficients {
  decay: number;
  stepSize: number;
  invSqrtBc2: number;
}

export function adamwCoefficients(h: AdamWHyper): AdamWCoefficients {
  const bc1 = 1 - Math.pow(h.beta1, h.step);
  const bc2 = 1 - Math.pow(h.beta2, h.step);
  return { decay: 1 - h.lr * h.weightDecay, stepSize: h.lr / bc1, invSqrtBc2: 1 / Math.sqrt(bc2) };
}

export function adamwCpu(
  param: { [i: number]: number; length: number },
  grad: ArrayLike<number>,
  m: { [i: number]: number },
  v: { [i: number]: number },
  h: AdamWHyper,
): void {
  const { decay, stepSize, invSqrtBc2 } = adamwCoefficients(h);
  const gs = h.gradScale ?? 1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * gs;
    const mi = h.beta1 * m[i] + (1 - h.beta1) * g;
    const vi = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const p = param[i] * decay;
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + h.eps);
  }
}
