/**
 * Shape bookkeeping for 2-D convolution (NCHW input, OIHW weight, PyTorch semantics), shared by
 * the WGSL kernels and the CPU reference.
 */

export interface Conv2dConfig {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH?: number;
  strideW?: number;
  padH?: number;
  padW?: number;
  dilationH?: number;
  dilationW?: number;
  groups?: number;
}

export interface Conv2dGeometry extends Required<Conv2dConfig> {
  outH: number;
  outW: number;
}

/** Output extent of a convolution or pooling window along one axis (floor mode). */
export function windowOutputSize(
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Fills defaults (stride 1, no padding, no dilation, one group) and checks the shape. */
export function conv2dGeometry(config: Conv2dConfig): Conv2dGeometry {
  const g: Required<Conv2dConfig> = {
    strideH: 1,
    strideW: 1,
    padH: 0,
    padW: 0,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    ...config,
  };
  const positive = ["batch", "inChannels", "height", "width", "outChannels", "kernelH", "kernelW"];
  for (const key of [...positive, "strideH", "strideW", "dilationH", "dilationW", "groups"]) {
    const v = g[key as keyof Conv2dConfig];
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`conv2d: ${key} must be a positive integer, got ${v}`);
  }
  for (const key of ["padH", "padW"] as const) {
    if (!Number.isInteger(g[key]) || g[key] < 0)
      throw new Error(`conv2d: ${key} must be ≥ 0, got ${g[key]}`);
  }
  if (g.inChannels % g.groups !== 0 || g.outChannels % g.groups !== 0) {
    throw new Error(
      `conv2d: groups (${g.groups}) must divide inChannels (${g.inChannels}) and outChannels (${g.outChannels})`,
    );
  }
  const outH = windowOutputSize(g.height, g.kernelH, g.strideH, g.padH, g.dilationH);
  const outW = windowOutputSize(g.width, g.kernelW, g.strideW, g.padW, g.dilationW);
  if (outH < 1 || outW < 1) {
    throw new Error(`conv2d: kernel does not fit the padded input (${g.height}×${g.width})`);
  }
  return { ...g, outH, outW };
}

/** Element counts of the tensors involved. */
export function conv2dSizes(g: Conv2dGeometry) {
  return {
    input: g.batch * g.inChannels * g.height * g.width,
    weight: g.outChannels * (g.inChannels / g.groups) * g.kernelH * g.kernelW,
    output: g.batch * g.outChannels * g.outH * g.outW,
  };
}
