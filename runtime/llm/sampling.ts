/**
 * Next-token choice from one row of logits, on the host (generation reads back one row per
 * step anyway). Hugging Face's order of logits processors: temperature → top-k → top-p, then
 * sample from the softmax; temperature 0 (or absent) is greedy (argmax, first index on ties,
 * like torch.argmax).
 */
import type { Rng } from "../util/random.js";

export interface SamplingOptions {
  /** 0 or undefined: greedy. */
  temperature?: number;
  /** Keep the k most likely tokens (0/undefined: all). */
  topK?: number;
  /** Keep the smallest set whose probability reaches p (1/undefined: all). */
  topP?: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export function isGreedy(o: SamplingOptions): boolean {
  return !o.temperature || o.temperature <= 0;
}

/** The renormalised distribution sampling draws from (exported for tests). */
export function samplingDistribution(
  logits: ArrayLike<number>,
  o: SamplingOptions,
): { ids: number[]; probs: number[] } {
  const t = o.temperature && o.temperature > 0 ? o.temperature : 1;
  let ids = Array.from({ length: logits.length }, (_, i) => i);
  // Stable order: by logit descending, then by id.
  ids.sort((a, b) => logits[b] - logits[a] || a - b);
  if (o.topK && o.topK > 0 && o.topK < ids.length) {
    // HF keeps every token tied with the k-th logit.
    const kth = logits[ids[o.topK - 1]];
    ids = ids.filter((id, r) => r < o.topK! || logits[id] === kth);
  }
  const maxLogit = logits[ids[0]] / t;
  let probs = ids.map((id) => Math.exp(logits[id] / t - maxLogit));
  let total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (o.topP !== undefined && o.topP < 1) {
    // HF: drop tokens whose cumulative probability (ascending order) is ≤ 1 − top_p; keep ≥ 1.
    let cum = 0;
    let keep = ids.length;
    for (let r = ids.length - 1; r > 0; r--) {
      cum += probs[r];
      if (cum <= 1 - o.topP) keep = r;
      else break;
    }
    ids = ids.slice(0, keep);
    probs = probs.slice(0, keep);
    total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
  }
  return { ids, probs };
}

export function sampleToken(logits: ArrayLike<number>, o: SamplingOptions, rng: Rng): number {
  if (isGreedy(o)) return argmax(logits);
  const { ids, probs } = samplingDistribution(logits, o);
  const u = rng.next();
  let cum = 0;
  for (let r = 0; r < ids.length; r++) {
    cum += probs[r];
    if (u < cum) return ids[r];
  }
  return ids[ids.length - 1];
}
