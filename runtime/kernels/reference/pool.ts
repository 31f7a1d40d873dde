/** CPU references for max pooling and nearest upsampling (NCHW). */
import type { MaxPool2dGeometry, UpsampleGeometry } from "../pool-geometry.js";

type Num = ArrayLike<number>;

/** Max pool; `argmax` is the index inside the H·W plane of the first maximum (PyTorch order). */
export function maxPool2dForwardRef(
  g: MaxPool2dGeometry,
  x: Num,
): { y: Float64Array; argmax: Uint32Array } {
  const planes = g.batch * g.channels;
  const y = new Float64Array(planes * g.outH * g.outW);
  const argmax = new Uint32Array(y.length);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const h0 = oh * g.strideH - g.padH;
        const w0 = ow * g.strideW - g.padW;
        const hs = Math.max(h0, 0);
        const ws = Math.max(w0, 0);
        let best = -Infinity;
        let idx = hs * g.width + ws;
        for (let ih = hs; ih < Math.min(h0 + g.kernelH, g.height); ih++) {
          for (let iw = ws; iw < Math.min(w0 + g.kernelW, g.width); iw++) {
            const v = x[p * g.height * g.width + ih * g.width + iw];
            if (v > best) {
              best = v;
              idx = ih * g.width + iw;
            }
          }
        }
        const o = (p * g.outH + oh) * g.outW + ow;
        y[o] = best;
        argmax[o] = idx;
      }
    }
  }
  return { y, argmax };
}

export function maxPool2dBackwardRef(
  g: MaxPool2dGeometry,
  argmax: Uint32Array,
  dy: Num,
): Float64Array {
  const planes = g.batch * g.channels;
  const dx = new Float64Array(planes * g.height * g.width);
  const outPlane = g.outH * g.outW;
  for (let p = 0; p < planes; p++) {
    for (let o = 0; o < outPlane; o++)
      dx[p * g.height * g.width + argmax[p * outPlane + o]] += dy[p * outPlane + o];
  }
  return dx;
}

export function upsampleNearestForwardRef(g: UpsampleGeometry, x: Num): Float64Array {
  const oh = g.height * g.scaleH;
  const ow = g.width * g.scaleW;
  const y = new Float64Array(g.planes * oh * ow);
  for (let p = 0; p < g.planes; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        y[(p * oh + i) * ow + j] =
          x[(p * g.height + Math.floor(i / g.scaleH)) * g.width + Math.floor(j / g.scaleW)];
  return y;
}

export function upsampleNearestBackwardRef(g: UpsampleGeometry, dy: Num): Float64Array {
  const oh = g.height * g.scaleH;
  const ow = g.width * g.scaleW;
  const dx = new Float64Array(g.planes * g.height * g.width);
  for (let p = 0; p < g.planes; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        dx[(p * g.height + Math.floor(i / g.scaleH)) * g.width + Math.floor(j / g.scaleW)] +=
          dy[(p * oh + i) * ow + j];
  return dx;
}
