/**
 * Anchor-free box decoding (elementwise over anchors), output xyxy boxes [B, A, 4]:
 *   ltrb   (YOLOv8 / FCOS distances):  x1 = (ax − l)·s, y1 = (ay − t)·s, x2 = (ax + r)·s, y2 = (ay + b)·s
 *   center (YOLOX offsets):            cx = (ax + dx)·s, cy = (ay + dy)·s, w = e^{tw}·s, h = e^{th}·s
 * where (ax, ay) is the anchor point in grid units and s the stride of its pyramid level (pass
 * strides of 1 to stay in grid units, as YOLOv8's loss does). Predictions are read either
 * channels-first [B, 4, A] (as a detection head produces them) or channels-last [B, A, 4].
 * The backward maps dBoxes [B, A, 4] to dPred in the prediction's layout.
 */
import { dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

export type BoxDecodeMode = "ltrb" | "center";
export type BoxLayout = "channels-first" | "channels-last";

export interface BoxDecodeShape {
  batch: number;
  anchors: number;
  mode: BoxDecodeMode;
  layout: BoxLayout;
}

export interface PyramidLevel {
  height: number;
  width: number;
  stride: number;
}

/**
 * Anchor points (cell centres: (x + offset, y + offset) in grid units, row-major per level,
 * levels in order) and the stride of each anchor — YOLOv8's `make_anchors`.
 */
export function makeAnchorPoints(
  levels: PyramidLevel[],
  offset = 0.5,
): { points: Float32Array; strides: Float32Array } {
  const total = levels.reduce((s, l) => s + l.height * l.width, 0);
  const points = new Float32Array(total * 2);
  const strides = new Float32Array(total);
  let a = 0;
  for (const level of levels) {
    for (let y = 0; y < level.height; y++) {
      for (let x = 0; x < level.width; x++) {
        points[2 * a] = x + offset;
        points[2 * a + 1] = y + offset;
        strides[a] = level.stride;
        a++;
      }
    }
  }
  return { points, strides };
}

const COMMON = /* wgsl */ `
struct Params { batch: u32, anchors: u32, mode: u32, channelsFirst: u32 }
@group(0) @binding(0) var<uniform> p: Params;
${flatIndexWgsl(256)}
/** Index of component k of anchor a in image b of the prediction tensor. */
fn predIndex(b: u32, a: u32, k: u32) -> u32 {
  if (p.channelsFirst != 0u) { return (b * 4u + k) * p.anchors + a; }
  return (b * p.anchors + a) * 4u + k;
}
`;

const FORWARD = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> points: array<f32>;
@group(0) @binding(3) var<storage, read> strides: array<f32>;
@group(0) @binding(4) var<storage, read_write> boxes: array<vec4f>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.batch * p.anchors) { return; }
  let b = i / p.anchors;
  let a = i % p.anchors;
  let v = vec4f(pred[predIndex(b, a, 0u)], pred[predIndex(b, a, 1u)], pred[predIndex(b, a, 2u)], pred[predIndex(b, a, 3u)]);
  let anchor = vec2f(points[2u * a], points[2u * a + 1u]);
  let s = strides[a];
  if (p.mode == 0u) {
    boxes[i] = vec4f(anchor - v.xy, anchor + v.zw) * s;
  } else {
    let c = (anchor + v.xy) * s;
    let half = exp(v.zw) * s * 0.5;
    boxes[i] = vec4f(c - half, c + half);
  }
}
`;

const BACKWARD = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> strides: array<f32>;
@group(0) @binding(3) var<storage, read> dBoxes: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dPred: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.batch * p.anchors) { return; }
  let b = i / p.anchors;
  let a = i % p.anchors;
  let s = strides[a];
  let g = dBoxes[i];
  var d: vec4f;
  if (p.mode == 0u) {
    d = vec4f(-g.xy, g.zw) * s;
  } else {
    // x1 = cx − w/2, x2 = cx + w/2 with cx = (ax + dx)·s and w = e^{tw}·s.
    let wh = exp(vec2f(pred[predIndex(b, a, 2u)], pred[predIndex(b, a, 3u)])) * s;
    d = vec4f((g.xy + g.zw) * s, (g.zw - g.xy) * 0.5 * wh);
  }
  dPred[predIndex(b, a, 0u)] = d.x;
  dPred[predIndex(b, a, 1u)] = d.y;
  dPred[predIndex(b, a, 2u)] = d.z;
  dPred[predIndex(b, a, 3u)] = d.w;
}
`;

function uniform(device: GPUDevice, shape: BoxDecodeShape) {
  return uniformBuffer(
    device,
    packWords([
      shape.batch,
      shape.anchors,
      shape.mode === "ltrb" ? 0 : 1,
      shape.layout === "channels-first" ? 1 : 0,
    ]),
  );
}

/** boxes [B, A, 4] xyxy ← decode(pred) with anchor points [A, 2] and strides [A]. */
export function boxDecode(
  device: GPUDevice,
  shape: BoxDecodeShape,
  pred: GPUBuffer,
  points: GPUBuffer,
  strides: GPUBuffer,
  boxes: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [uniform(device, shape), pred, points, strides, boxes],
      workgroups: grid1d(shape.batch * shape.anchors, 256),
      label: "box-decode",
    },
    encoder,
  );
}

/** dPred (prediction layout) ← gradient of boxDecode given dBoxes [B, A, 4] (overwrites). */
export function boxDecodeBackward(
  device: GPUDevice,
  shape: BoxDecodeShape,
  pred: GPUBuffer,
  strides: GPUBuffer,
  dBoxes: GPUBuffer,
  dPred: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  dispatch(
    device,
    {
      code: BACKWARD,
      bindings: [uniform(device, shape), pred, strides, dBoxes, dPred],
      workgroups: grid1d(shape.batch * shape.anchors, 256),
      label: "box-decode-backward",
    },
    encoder,
  );
}
