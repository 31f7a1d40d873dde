/**
 * CPU reference for causal grouped-query attention (runtime/kernels/attention.ts), float64,
 * computed the plain way (scores, masked softmax, weighted sum) rather than online. With
 * `segments` ([B, Tk] ids) key j is also masked for query i unless seg[b, j] = seg[b, off + i].
 */
import type { AttentionShape } from "../attention.js";

type Arr = ArrayLike<number>;

function dims(s: AttentionShape) {
  const Tq = s.queries;
  const Tk = s.keys ?? s.queries;
  return {
    Tq,
    Tk,
    D: s.headDim,
    off: Tk - Tq,
    group: s.heads / s.kvHeads,
    scale: s.scale ?? 1 / Math.sqrt(s.headDim),
  };
}

/** Attention probabilities P[b][h][i][j] (zero above the causal diagonal and across segments). */
function probabilities(s: AttentionShape, q: Arr, k: Arr, segments?: Arr): Float64Array {
  const { Tq, Tk, D, off, group, scale } = dims(s);
  const P = new Float64Array(s.batch * s.heads * Tq * Tk);
  for (let b = 0; b < s.batch; b++) {
    for (let h = 0; h < s.heads; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < Tq; i++) {
        const row = ((b * s.heads + h) * Tq + i) * Tk;
        const visible = (j: number) =>
          !segments || segments[b * Tk + j] === segments[b * Tk + off + i];
        let m = -Infinity;
        for (let j = 0; j <= off + i; j++) {
          if (!visible(j)) continue;
          let dot = 0;
          for (let d = 0; d < D; d++)
            dot +=
              q[((b * Tq + i) * s.heads + h) * D + d] * k[((b * Tk + j) * s.kvHeads + kvh) * D + d];
          P[row + j] = dot * scale;
          m = Math.max(m, P[row + j]);
        }
        let l = 0;
        for (let j = 0; j <= off + i; j++)
          if (visible(j)) l += P[row + j] = Math.exp(P[row + j] - m);
        for (let j = 0; j <= off + i; j++) P[row + j] /= l;
      }
    }
  }
  return P;
}

export function attentionForwardReference(
  s: AttentionShape,
  q: Arr,
  k: Arr,
  v: Arr,
  segments?: Arr,
): Float64Array {
  const { Tq, Tk, D, group } = dims(s);
  const P = probabilities(s, q, k, segments);
  const o = new Float64Array(s.batch * Tq * s.heads * D);
  for (let b = 0; b < s.batch; b++) {
    for (let h = 0; h < s.heads; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < Tq; i++) {
        const row = ((b * s.heads + h) * Tq + i) * Tk;
        const oo = ((b * Tq + i) * s.heads + h) * D;
        for (let j = 0; j < Tk; j++) {
          const pr = P[row + j];
          if (pr === 0) continue;
          for (let d = 0; d < D; d++) o[oo + d] += pr * v[((b * Tk + j) * s.kvHeads + kvh) * D + d];
        }
      }
    }
  }
  return o;
}

export function attentionBackwardReference(
  s: AttentionShape,
  q: Arr,
  k: Arr,
  v: Arr,
  dout: Arr,
  segments?: Arr,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { Tq, Tk, D, group, scale } = dims(s);
  const P = probabilities(s, q, k, segments);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const dP = new Float64Array(Tk);
  for (let b = 0; b < s.batch; b++) {
    for (let h = 0; h < s.heads; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < Tq; i++) {
        const row = ((b * s.heads + h) * Tq + i) * Tk;
        const qo = ((b * Tq + i) * s.heads + h) * D;
        let sum = 0;
        for (let j = 0; j < Tk; j++) {
          const ko = ((b * Tk + j) * s.kvHeads + kvh) * D;
          let x = 0;
          for (let d = 0; d < D; d++) x += dout[qo + d] * v[ko + d];
          dP[j] = x;
          sum += P[row + j] * x;
        }
        for (let j = 0; j < Tk; j++) {
          const pr = P[row + j];
          if (pr === 0) continue;
          const ko = ((b * Tk + j) * s.kvHeads + kvh) * D;
          const ds = pr * (dP[j] - sum) * scale;
          for (let d = 0; d < D; d++) {
            dq[qo + d] += ds * k[ko + d];
            dk[ko + d] += ds * q[qo + d];
            dv[ko + d] += pr * dout[qo + d];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
