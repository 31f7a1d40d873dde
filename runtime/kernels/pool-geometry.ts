/** Shapes for max pooling (NCHW, PyTorch floor mode) and nearest upsampling. */
import { windowOutputSize } from "./conv2d-geometry.js";

export interface MaxPool2dConfig {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  /** Defaults to the kernel size, as in PyTorch. */
  strideH?: number;
  strideW?: number;
  padH?: number;
  padW?: number;
}

export interface MaxPool2dGeometry extends Required<MaxPool2dConfig> {
  outH: number;
  outW: number;
}

export function maxPool2dGeometry(config: MaxPool2dConfig): MaxPool2dGeometry {
  const g: Required<MaxPool2dConfig> = {
    strideH: config.kernelH,
    strideW: config.kernelW,
    padH: 0,
    padW: 0,
    ...config,
  };
  for (const key of [
    "batch",
    "channels",
    "height",
    "width",
    "kernelH",
    "kernelW",
    "strideH",
    "strideW",
  ] as const) {
    if (!Number.isInteger(g[key]) || g[key] < 1)
      throw new Error(`maxPool2d: ${key} must be a positive integer`);
  }
  if (g.padH < 0 || g.padW < 0 || 2 * g.padH > g.kernelH || 2 * g.padW > g.kernelW) {
    throw new Error("maxPool2d: padding must be between 0 and half the kernel size");
  }
  const outH = windowOutputSize(g.height, g.kernelH, g.strideH, g.padH, 1);
  const outW = windowOutputSize(g.width, g.kernelW, g.strideW, g.padW, 1);
  if (outH < 1 || outW < 1) throw new Error("maxPool2d: kernel does not fit the padded input");
  return { ...g, outH, outW };
}

export interface UpsampleGeometry {
  /** Batch × channels planes. */
  planes: number;
  height: number;
  width: number;
  scaleH: number;
  scaleW: number;
}
