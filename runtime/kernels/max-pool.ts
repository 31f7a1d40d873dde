/**
 * 2-D max pooling (NCHW, PyTorch floor mode, implicit −∞ padding). The forward also writes the
 * argmax (index inside the H·W plane, first maximum in row-major window order, as PyTorch).
 * The backward is a gather, not a scatter: each input element sums the output gradients of the
 * windows that picked it, so no atomics are needed and the result is deterministic.
 */
import { dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";
import type { MaxPool2dGeometry } from "./pool-geometry.js";

export {
  maxPool2dGeometry,
  type MaxPool2dConfig,
  type MaxPool2dGeometry,
} from "./pool-geometry.js";

const PARAMS = /* wgsl */ `
struct Params {
  planes: u32, h: u32, w: u32, oh: u32,
  ow: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, _pad: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(256)}
`;

const FORWARD = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = flatIndex(gid);
  let outPlane = p.oh * p.ow;
  if (o >= p.planes * outPlane) { return; }
  let plane = o / outPlane;
  let oh = (o % outPlane) / p.ow;
  let ow = o % p.ow;
  let h0 = i32(oh * p.sh) - i32(p.ph);
  let w0 = i32(ow * p.sw) - i32(p.pw);
  let hs = u32(max(h0, 0));
  let ws = u32(max(w0, 0));
  let he = u32(min(h0 + i32(p.kh), i32(p.h)));
  let we = u32(min(w0 + i32(p.kw), i32(p.w)));
  let base = plane * p.h * p.w;
  // Starting from the first element of the window is the same as starting from −∞ (PyTorch).
  var idx = hs * p.w + ws;
  var best = x[base + idx];
  for (var ih = hs; ih < he; ih++) {
    for (var iw = ws; iw < we; iw++) {
      let v = x[base + ih * p.w + iw];
      if (v > best) {
        best = v;
        idx = ih * p.w + iw;
      }
    }
  }
  y[o] = best;
  argmax[o] = idx;
}
`;

const BACKWARD = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  let plane = p.h * p.w;
  if (i >= p.planes * plane) { return; }
  let pl = i / plane;
  let local = i % plane;
  let ih = i32(local / p.w);
  let iw = i32(local % p.w);
  // Windows whose span [o·s − p, o·s − p + k) contains the input position.
  let ohLo = max(0, (ih + i32(p.ph) - i32(p.kh) + i32(p.sh)) / i32(p.sh));
  let ohHi = min(i32(p.oh) - 1, (ih + i32(p.ph)) / i32(p.sh));
  let owLo = max(0, (iw + i32(p.pw) - i32(p.kw) + i32(p.sw)) / i32(p.sw));
  let owHi = min(i32(p.ow) - 1, (iw + i32(p.pw)) / i32(p.sw));
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh++) {
    for (var ow = owLo; ow <= owHi; ow++) {
      let o = pl * p.oh * p.ow + u32(oh) * p.ow + u32(ow);
      if (argmax[o] == local) { acc += dy[o]; }
    }
  }
  dx[i] = acc;
}
`;

function uniform(device: GPUDevice, g: MaxPool2dGeometry) {
  return uniformBuffer(
    device,
    packWords([
      g.batch * g.channels,
      g.height,
      g.width,
      g.outH,
      g.outW,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      0,
    ]),
  );
}

/** y, argmax ← maxpool(x). `argmax` is a u32 buffer with one entry per output element. */
export function maxPool2dForward(
  device: GPUDevice,
  g: MaxPool2dGeometry,
  x: GPUBuffer,
  y: GPUBuffer,
  argmax: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [uniform(device, g), x, y, argmax],
      workgroups: grid1d(g.batch * g.channels * g.outH * g.outW, 256),
      label: "max-pool2d-forward",
    },
    encoder,
  );
}

/** dx ← gradient of maxpool given dy and the forward's argmax (overwrites dx). */
export function maxPool2dBackward(
  device: GPUDevice,
  g: MaxPool2dGeometry,
  dy: GPUBuffer,
  argmax: GPUBuffer,
  dx: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  dispatch(
    device,
    {
      code: BACKWARD,
      bindings: [uniform(device, g), dy, argmax, dx],
      workgroups: grid1d(g.batch * g.channels * g.height * g.width, 256),
      label: "max-pool2d-backward",
    },
    encoder,
  );
}
