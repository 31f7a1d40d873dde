/**
 * Nearest-neighbour upsampling by integer factors (YOLO necks use ×2), NCHW. PyTorch's
 * `nearest` with an integer scale maps output (i, j) to input (⌊i/s⌋, ⌊j/s⌋); the backward
 * sums each s×s block of the output gradient (a gather, deterministic).
 */
import { dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import type { UpsampleGeometry } from "./pool-geometry.js";

export type { UpsampleGeometry } from "./pool-geometry.js";

const PARAMS = /* wgsl */ `
struct Params { planes: u32, h: u32, w: u32, sh: u32, sw: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${flatIndexWgsl(256)}
`;

const FORWARD = /* wgsl */ `${PARAMS}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = flatIndex(gid);
  let ow = p.w * p.sw;
  let outPlane = p.h * p.sh * ow;
  if (o >= p.planes * outPlane) { return; }
  let pl = o / outPlane;
  let i = (o % outPlane) / ow;
  let j = o % ow;
  dst[o] = src[(pl * p.h + i / p.sh) * p.w + j / p.sw];
}
`;

const BACKWARD = /* wgsl */ `${PARAMS}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let k = flatIndex(gid);
  let plane = p.h * p.w;
  if (k >= p.planes * plane) { return; }
  let pl = k / plane;
  let ih = (k % plane) / p.w;
  let iw = k % p.w;
  let ow = p.w * p.sw;
  let base = pl * plane * p.sh * p.sw;
  var acc = 0.0;
  for (var a = 0u; a < p.sh; a++) {
    for (var b = 0u; b < p.sw; b++) {
      acc += src[base + (ih * p.sh + a) * ow + iw * p.sw + b];
    }
  }
  dst[k] = acc;
}
`;

function uniform(device: GPUDevice, g: UpsampleGeometry) {
  for (const v of [g.planes, g.height, g.width, g.scaleH, g.scaleW]) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error("upsampleNearest: sizes and scales must be positive integers");
  }
  return uniformBuffer(
    device,
    packWords([g.planes, g.height, g.width, g.scaleH, g.scaleW, 0, 0, 0]),
  );
}

/** y[planes, H·sH, W·sW] ← nearest(x[planes, H, W]). */
export function upsampleNearestForward(
  device: GPUDevice,
  g: UpsampleGeometry,
  x: GPUBuffer,
  y: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [uniform(device, g), x, y],
      workgroups: grid1d(g.planes * g.height * g.scaleH * g.width * g.scaleW, 256),
      label: "upsample-nearest-forward",
    },
    encoder,
  );
}

/** dx[planes, H, W] ← block sums of dy[planes, H·sH, W·sW] (overwrites dx). */
export function upsampleNearestBackward(
  device: GPUDevice,
  g: UpsampleGeometry,
  dy: GPUBuffer,
  dx: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  dispatch(
    device,
    {
      code: BACKWARD,
      bindings: [uniform(device, g), dy, dx],
      workgroups: grid1d(g.planes * g.height * g.width, 256),
      label: "upsample-nearest-backward",
    },
    encoder,
  );
}
