/** Whether ops record onto the autograd tape (PyTorch's `torch.no_grad`). */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording gradients (evaluation, optimiser updates, backward itself). */
export function noGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/** Async variant for evaluation loops; do not interleave with a concurrent training step. */
export async function noGradAsync<T>(fn: () => Promise<T>): Promise<T> {
  const previous = enabled;
  enabled = false;
  try {
    return await fn();
  } finally {
    enabled = previous;
  }
}
