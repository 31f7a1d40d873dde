/**
 * Per-layer key/value cache for incremental decoding. Keys are stored after RoPE, as
 * [B, Tcache, kvHeads, headDim]. A step appends the new rows (concat: a copy per step, which is
 * fine for the sizes generation runs at here) and the attention op runs the new query rows
 * against every cached key (it treats the queries as the last positions).
 *
 * The cache owns its tensors (`keep`: they survive the caller's tidy scopes); `dispose()` frees
 * them. Prefix tuning seeds it with the prefix K/V before the prompt.
 */
import type { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/scope.js";
import { concat } from "../ops/shape.js";

export class KvCache {
  private readonly keys: (Tensor | null)[];
  private readonly values: (Tensor | null)[];
  /** Positions held (prefix and virtual tokens included). */
  length = 0;
  /** Positions the current forward call adds (set by the model before the layers run). */
  private pending = 0;

  constructor(readonly numLayers: number) {
    this.keys = Array.from({ length: numLayers }, () => null);
    this.values = Array.from({ length: numLayers }, () => null);
  }

  /** Whether anything (prompt, prefix) has been cached. */
  get isEmpty(): boolean {
    return this.length === 0 && this.keys.every((k) => k === null);
  }

  /**
   * Appends this step's k, v [B, t, kvHeads, D] for `layer` and returns the full K, V. The
   * returned tensors are the cache's own: callers must not dispose them.
   */
  append(layer: number, k: Tensor, v: Tensor): { k: Tensor; v: Tensor } {
    const oldK = this.keys[layer];
    const oldV = this.values[layer];
    const newK = keep(oldK ? concat([oldK, k], 1) : k.view());
    const newV = keep(oldV ? concat([oldV, v], 1) : v.view());
    oldK?.dispose();
    oldV?.dispose();
    this.keys[layer] = newK;
    this.values[layer] = newV;
    return { k: newK, v: newV };
  }

  /** Called by the model: `tokens` positions are being added by this forward. */
  begin(tokens: number): void {
    this.pending = tokens;
  }

  /** Called by the model once every layer has appended. */
  commit(): void {
    this.length += this.pending;
    this.pending = 0;
  }

  dispose(): void {
    for (let l = 0; l < this.numLayers; l++) {
      this.keys[l]?.dispose();
      this.values[l]?.dispose();
      this.keys[l] = null;
      this.values[l] = null;
    }
    this.length = 0;
  }
}
