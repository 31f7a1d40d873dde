/** CPU reference for the embedding lookup and its scatter-add gradient, float64. */
import type { EmbeddingShape } from "../embedding.js";

export function embeddingForwardReference(
  s: EmbeddingShape,
  ids: ArrayLike<number>,
  table: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(s.tokens * s.dim);
  for (let t = 0; t < s.tokens; t++) {
    if (ids[t] >= s.vocab) continue;
    for (let d = 0; d < s.dim; d++) out[t * s.dim + d] = table[ids[t] * s.dim + d];
  }
  return out;
}

export function embeddingBackwardReference(
  s: EmbeddingShape,
  ids: ArrayLike<number>,
  dout: ArrayLike<number>,
  paddingId?: number,
): Float64Array {
  const dtable = new Float64Array(s.vocab * s.dim);
  for (let t = 0; t < s.tokens; t++) {
    const id = ids[t];
    if (id >= s.vocab || id === paddingId) continue;
    for (let d = 0; d < s.dim; d++) dtable[id * s.dim + d] += dout[t * s.dim + d];
  }
  return dtable;
}
