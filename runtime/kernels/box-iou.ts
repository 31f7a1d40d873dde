/**
 * IoU matrix between two sets of xyxy boxes: iou[i, j] for a [N, 4] and b [M, 4], with
 * torchvision's `box_iou` arithmetic (area = (x2−x1)(y2−y1), intersection clamped at 0,
 * union = area_a + area_b − inter). Where the union is not positive (two zero-area boxes)
 * the IoU is 0 rather than torchvision's NaN, so degenerate boxes never suppress or match.
 */
import { ceilDiv, dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";

/** WGSL IoU of two xyxy boxes, shared with NMS so both use the same arithmetic. */
export const IOU_WGSL = /* wgsl */ `
fn boxArea(b: vec4f) -> f32 { return (b.z - b.x) * (b.w - b.y); }
fn boxIou(a: vec4f, areaA: f32, b: vec4f, areaB: f32) -> f32 {
  let lt = max(a.xy, b.xy);
  let rb = min(a.zw, b.zw);
  let wh = max(rb - lt, vec2f(0.0));
  let inter = wh.x * wh.y;
  let uni = areaA + areaB - inter;
  return select(0.0, inter / uni, uni > 0.0);
}
`;

const IOU_MATRIX = /* wgsl */ `
struct Params { n: u32, m: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> iou: array<f32>;
${IOU_WGSL}
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  let i = gid.y;
  if (i >= p.n || j >= p.m) { return; }
  let bi = a[i];
  let bj = b[j];
  iou[i * p.m + j] = boxIou(bi, boxArea(bi), bj, boxArea(bj));
}
`;

/** iou [N, M] ← IoU(a [N, 4], b [M, 4]). */
export function boxIouMatrix(
  device: GPUDevice,
  n: number,
  m: number,
  a: GPUBuffer,
  b: GPUBuffer,
  iou: GPUBuffer,
  encoder?: GPUCommandEncoder,
): void {
  if (n === 0 || m === 0) return;
  const grid: [number, number] = [ceilDiv(m, 16), ceilDiv(n, 16)];
  if (grid[0] > 65535 || grid[1] > 65535)
    throw new Error("boxIouMatrix: too many boxes for one dispatch");
  dispatch(
    device,
    {
      code: IOU_MATRIX,
      bindings: [uniformBuffer(device, packWords([n, m, 0, 0])), a, b, iou],
      workgroups: grid,
      label: "box-iou-matrix",
    },
    encoder,
  );
}
