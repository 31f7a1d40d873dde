/** Drawing generator rows so that every kind of row gets its turn (seeded, no repeats). */
import type { Rng } from "../../util/random.js";

/**
 * `rows` items: the pools take turns in a seeded order, each yielding its items in a seeded
 * random order without repeats; an empty pool is skipped; when all are empty, start over.
 */
export function balanced<T>(pools: readonly (readonly T[])[], rows: number, rng: Rng): T[] {
  const out: T[] = [];
  while (out.length < rows) {
    const queues = pools.map((p) => rng.shuffle([...p]));
    while (out.length < rows && queues.some((q) => q.length > 0)) {
      for (const k of rng.shuffle(queues.map((_, i) => i))) {
        const item = queues[k].pop();
        if (item !== undefined) out.push(item);
        if (out.length >= rows) break;
      }
    }
  }
  return out;
}
