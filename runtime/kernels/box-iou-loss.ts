/**
 * Pairwise IoU-family metrics for box regression losses (elementwise over matched pairs), with
 * Ultralytics' `bbox_iou` arithmetic (eps = 1e-7, eps added to heights and to the union):
 *   iou, giou = iou − (C − U)/C, diou = iou − ρ²/c², ciou = diou − α·v
 * where v = 4/π²·(atan(w2/h2) − atan(w1/h1))² and α = v/(v − iou + 1 + eps) is treated as a
 * constant in the backward (Ultralytics computes it under no_grad). The kernel returns the
 * metric; the loss (1 − metric, weighted) is the caller's. The backward gives ∂metric/∂pred ·
 * dOut for the predicted boxes (targets are constants). Ties in min/max split the gradient
 * in halves and clamp(·, 0) passes it at 0, as PyTorch's autograd does.
 */
import { dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

export type IouKind = "iou" | "giou" | "diou" | "ciou";

export const IOU_KIND_CODES: Record<IouKind, number> = { iou: 0, giou: 1, diou: 2, ciou: 3 };

export const BOX_IOU_EPS = 1e-7;

const COMMON = /* wgsl */ `
struct Params { count: u32, kind: u32, eps: f32, _pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<vec4f>;
@group(0) @binding(2) var<storage, read> tgt: array<vec4f>;
${flatIndexWgsl(256)}
const FOUR_OVER_PI2: f32 = 0.40528473456935108578;

/** ∂min(a, b)/∂a with PyTorch's tie rule. */
fn dMin(a: f32, b: f32) -> f32 { return select(select(0.0, 0.5, a == b), 1.0, a < b); }
fn dMax(a: f32, b: f32) -> f32 { return select(select(0.0, 0.5, a == b), 1.0, a > b); }
`;

const FORWARD = /* wgsl */ `${COMMON}
@group(0) @binding(3) var<storage, read_write> metric: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.count) { return; }
  let a = pred[i];
  let b = tgt[i];
  let eps = p.eps;
  let w1 = a.z - a.x;
  let h1 = a.w - a.y + eps;
  let w2 = b.z - b.x;
  let h2 = b.w - b.y + eps;
  let inter = max(min(a.z, b.z) - max(a.x, b.x), 0.0) * max(min(a.w, b.w) - max(a.y, b.y), 0.0);
  let uni = w1 * h1 + w2 * h2 - inter + eps;
  let iou = inter / uni;
  var m = iou;
  if (p.kind != 0u) {
    let cw = max(a.z, b.z) - min(a.x, b.x);
    let ch = max(a.w, b.w) - min(a.y, b.y);
    if (p.kind == 1u) {
      let cArea = cw * ch + eps;
      m = iou - (cArea - uni) / cArea;
    } else {
      let c2 = cw * cw + ch * ch + eps;
      let dx = b.x + b.z - a.x - a.z;
      let dy = b.y + b.w - a.y - a.w;
      let rho2 = (dx * dx + dy * dy) / 4.0;
      m = iou - rho2 / c2;
      if (p.kind == 3u) {
        let dAt = atan(w2 / h2) - atan(w1 / h1);
        let v = FOUR_OVER_PI2 * dAt * dAt;
        let alpha = v / (v - iou + (1.0 + eps));
        m = m - v * alpha;
      }
    }
  }
  metric[i] = m;
}
`;

const BACKWARD = /* wgsl */ `${COMMON}
@group(0) @binding(3) var<storage, read> dMetric: array<f32>;
@group(0) @binding(4) var<storage, read_write> dPred: array<vec4f>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.count) { return; }
  let a = pred[i];
  let b = tgt[i];
  let g = dMetric[i];
  let eps = p.eps;
  let w1 = a.z - a.x;
  let h1 = a.w - a.y + eps;
  let w2 = b.z - b.x;
  let h2 = b.w - b.y + eps;
  let iwRaw = min(a.z, b.z) - max(a.x, b.x);
  let ihRaw = min(a.w, b.w) - max(a.y, b.y);
  let iw = max(iwRaw, 0.0);
  let ih = max(ihRaw, 0.0);
  let inter = iw * ih;
  let uni = w1 * h1 + w2 * h2 - inter + eps;
  let iou = inter / uni;
  var gIou = g;
  var gUnion = 0.0;
  var gW1 = 0.0;
  var gH1 = 0.0;
  var gCw = 0.0;
  var gCh = 0.0;
  var gA = vec4f(0.0);
  let cw = max(a.z, b.z) - min(a.x, b.x);
  let ch = max(a.w, b.w) - min(a.y, b.y);
  if (p.kind == 1u) {
    // m = iou − 1 + U/C
    let cArea = cw * ch + eps;
    gUnion += g / cArea;
    let gC = -g * uni / (cArea * cArea);
    gCw += gC * ch;
    gCh += gC * cw;
  } else if (p.kind >= 2u) {
    let c2 = cw * cw + ch * ch + eps;
    let dx = b.x + b.z - a.x - a.z;
    let dy = b.y + b.w - a.y - a.w;
    let rho2 = (dx * dx + dy * dy) / 4.0;
    let gRho2 = -g / c2;
    let gC2 = g * rho2 / (c2 * c2);
    gCw += gC2 * 2.0 * cw;
    gCh += gC2 * 2.0 * ch;
    // ρ² = (dx² + dy²)/4 with dx = b.x + b.z − a.x − a.z
    let gDx = gRho2 * dx * 0.5;
    let gDy = gRho2 * dy * 0.5;
    gA -= vec4f(gDx, gDy, gDx, gDy);
    if (p.kind == 3u) {
      let dAt = atan(w2 / h2) - atan(w1 / h1);
      let v = FOUR_OVER_PI2 * dAt * dAt;
      let alpha = v / (v - iou + (1.0 + eps));
      // m −= α·v (α constant); ∂v/∂atan(w1/h1) = −2·k·dAt
      let gAt1 = -g * alpha * (-2.0 * FOUR_OVER_PI2 * dAt);
      let r2 = w1 * w1 + h1 * h1;
      gW1 += gAt1 * h1 / r2;
      gH1 -= gAt1 * w1 / r2;
    }
  }
  // iou = inter / union
  var gInter = gIou / uni;
  gUnion -= gIou * iou / uni;
  // union = w1·h1 + w2·h2 − inter + eps
  gW1 += gUnion * h1;
  gH1 += gUnion * w1;
  gInter -= gUnion;
  // inter = clamp(iwRaw, 0)·clamp(ihRaw, 0); clamp passes the gradient at 0 (PyTorch)
  let gIwRaw = select(0.0, gInter * ih, iwRaw >= 0.0);
  let gIhRaw = select(0.0, gInter * iw, ihRaw >= 0.0);
  gA.z += gIwRaw * dMin(a.z, b.z);
  gA.x -= gIwRaw * dMax(a.x, b.x);
  gA.w += gIhRaw * dMin(a.w, b.w);
  gA.y -= gIhRaw * dMax(a.y, b.y);
  // enclosing box
  gA.z += gCw * dMax(a.z, b.z);
  gA.x -= gCw * dMin(a.x, b.x);
  gA.w += gCh * dMax(a.w, b.w);
  gA.y -= gCh * dMin(a.y, b.y);
  // w1 = x2 − x1, h1 = y2 − y1 + eps
  gA += vec4f(-gW1, -gH1, gW1, gH1);
  dPred[i] = gA;
}
`;

function uniform(device: GPUDevice, count: number, kind: IouKind, eps: number) {
  return uniformBuffer(device, packWords([count, IOU_KIND_CODES[kind], { f32: eps }, 0]));
}

/** metric [P] ← IoU-family metric of pred [P, 4] against target [P, 4] (xyxy). */
export function boxIouMetric(
  device: GPUDevice,
  kind: IouKind,
  count: number,
  pred: GPUBuffer,
  target: GPUBuffer,
  metric: GPUBuffer,
  encoder?: GPUCommandEncoder,
  eps = BOX_IOU_EPS,
): void {
  if (count === 0) return;
  dispatch(
    device,
    {
      code: FORWARD,
      bindings: [uniform(device, count, kind, eps), pred, target, metric],
      workgroups: grid1d(count, 256),
      label: `box-${kind}`,
    },
    encoder,
  );
}

/** dPred [P, 4] ← dMetric [P] · ∂metric/∂pred (overwrites dPred). */
export function boxIouMetricBackward(
  device: GPUDevice,
  kind: IouKind,
  count: number,
  pred: GPUBuffer,
  target: GPUBuffer,
  dMetric: GPUBuffer,
  dPred: GPUBuffer,
  encoder?: GPUCommandEncoder,
  eps = BOX_IOU_EPS,
): void {
  if (count === 0) return;
  dispatch(
    device,
    {
      code: BACKWARD,
      bindings: [uniform(device, count, kind, eps), pred, target, dMetric, dPred],
      workgroups: grid1d(count, 256),
      label: `box-${kind}-backward`,
    },
    encoder,
  );
}
