/**
 * CPU reference for 2-D convolution (NCHW / OIHW, PyTorch semantics), accumulated in float64.
 * Straightforward loops: the point is to be obviously right, not fast.
 */
import type { Conv2dGeometry } from "../conv2d-geometry.js";
import { conv2dSizes } from "../conv2d-geometry.js";

type Num = ArrayLike<number>;

export function conv2dForwardRef(
  g: Conv2dGeometry,
  x: Num,
  w: Num,
  bias: Num | null,
): Float64Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: O, groups: G } = g;
  const cg = C / G;
  const og = O / G;
  const y = new Float64Array(conv2dSizes(g).output);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const grp = Math.floor(o / og);
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          let s = bias ? bias[o] : 0;
          for (let c = 0; c < cg; c++) {
            const xc = (n * C + grp * cg + c) * H * W;
            for (let kh = 0; kh < g.kernelH; kh++) {
              const ih = oh * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < g.kernelW; kw++) {
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= W) continue;
                s += x[xc + ih * W + iw] * w[((o * cg + c) * g.kernelH + kh) * g.kernelW + kw];
              }
            }
          }
          y[((n * O + o) * g.outH + oh) * g.outW + ow] = s;
        }
      }
    }
  }
  return y;
}

export interface Conv2dGradients {
  dx: Float64Array;
  dw: Float64Array;
  db: Float64Array;
}

/** All three gradients by scattering each output gradient through the forward taps. */
export function conv2dBackwardRef(g: Conv2dGeometry, x: Num, w: Num, dy: Num): Conv2dGradients {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: O, groups: G } = g;
  const cg = C / G;
  const og = O / G;
  const sizes = conv2dSizes(g);
  const dx = new Float64Array(sizes.input);
  const dw = new Float64Array(sizes.weight);
  const db = new Float64Array(O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const grp = Math.floor(o / og);
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          const d = dy[((n * O + o) * g.outH + oh) * g.outW + ow];
          db[o] += d;
          for (let c = 0; c < cg; c++) {
            const xc = (n * C + grp * cg + c) * H * W;
            for (let kh = 0; kh < g.kernelH; kh++) {
              const ih = oh * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < g.kernelW; kw++) {
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= W) continue;
                const wi = ((o * cg + c) * g.kernelH + kh) * g.kernelW + kw;
                const xi = xc + ih * W + iw;
                dx[xi] += d * w[wi];
                dw[wi] += d * x[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}
