/**
 * Batch normalisation over NCHW (statistics per channel over N·H·W), PyTorch semantics:
 * biased variance to normalise, unbiased variance for the running estimate,
 * `running = (1 − momentum)·running + momentum·batch`.
 *
 * Forward saves `mean` and `invstd` per channel; in eval mode they are derived from the running
 * statistics so one backward kernel serves both modes:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,
 *   training: dx = γ·invstd·(dy − dβ/M − x̂·dγ/M)      eval: dx = γ·invstd·dy
 * Per-channel reductions use one workgroup per channel with a fixed-order tree (deterministic).
 */
import { dispatch, uniformBuffer } from "./launch.js";
import { packWords } from "./param-words.js";
import { flatIndexWgsl, grid1d } from "./dispatch-grid.js";

export interface BatchNormShape {
  batch: number;
  channels: number;
  /** H·W (1 for a plain [N, C] batch). */
  spatial: number;
}

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
}

const PARAMS = /* wgsl */ `
struct Params { n: u32, c: u32, s: u32, training: u32, eps: f32, momentum: f32, hasRunning: u32, _pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

const WG = 256;

const REDUCE_TREE = /* wgsl */ `
var<workgroup> red: array<f32, ${WG}>;
fn reduceSum(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    if (t < stride) { red[t] += red[t + stride]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
`;

/** One workgroup per channel: mean, invstd and (optionally) the running-statistics update. */
const STATS = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> invstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVar: array<f32>;
${REDUCE_TREE}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let count = p.n * p.s;
  var acc = 0.0;
  for (var k = t; k < count; k += ${WG}u) { acc += x[((k / p.s) * p.c + c) * p.s + k % p.s]; }
  let mu = reduceSum(t, acc) / f32(count);
  acc = 0.0;
  for (var k = t; k < count; k += ${WG}u) {
    let d = x[((k / p.s) * p.c + c) * p.s + k % p.s] - mu;
    acc += d * d;
  }
  let varBiased = reduceSum(t, acc) / f32(count);
  if (t == 0u) {
    mean[c] = mu;
    invstd[c] = 1.0 / sqrt(varBiased + p.eps);
    if (p.hasRunning != 0u) {
      let unbiased = varBiased * f32(count) / f32(max(count, 2u) - 1u);
      runningMean[c] = (1.0 - p.momentum) * runningMean[c] + p.momentum * mu;
      runningVar[c] = (1.0 - p.momentum) * runningVar[c] + p.momentum * unbiased;
    }
  }
}
`;

/** Eval mode: mean/invstd from the running statistics. */
const RUNNING_STATS = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> runningMean: array<f32>;
@group(0) @binding(2) var<storage, read> runningVar: array<f32>;
@group(0) @binding(3) var<storage, read_write> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> invstd: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.c) { return; }
  mean[c] = runningMean[c];
  invstd[c] = 1.0 / sqrt(runningVar[c] + p.eps);
}
`;

const NORMALIZE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> invstd: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
${flatIndexWgsl(256)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.n * p.c * p.s) { return; }
  let c = (i / p.s) % p.c;
  y[i] = (x[i] - mean[c]) * invstd[c] * gamma[c] + beta[c];
}
`;

const BACKWARD_REDUCE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbeta: array<f32>;
${REDUCE_TREE}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let count = p.n * p.s;
  let mu = mean[c];
  let is = invstd[c];
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var k = t; k < count; k += ${WG}u) {
    let i = ((k / p.s) * p.c + c) * p.s + k % p.s;
    sdy += dy[i];
    sdyx += dy[i] * (x[i] - mu) * is;
  }
  let totalDy = reduceSum(t, sdy);
  let totalDyx = reduceSum(t, sdyx);
  if (t == 0u) {
    dbeta[c] = totalDy;
    dgamma[c] = totalDyx;
  }
}
`;

const BACKWARD_INPUT = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> invstd: array<f32>;
@group(0) @binding(6) var<storage, read> dgamma: array<f32>;
@group(0) @binding(7) var<storage, read> dbeta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;
${flatIndexWgsl(256)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = flatIndex(gid);
  if (i >= p.n * p.c * p.s) { return; }
  let c = (i / p.s) % p.c;
  let is = invstd[c];
  var g = dy[i];
  if (p.training != 0u) {
    let m = f32(p.n * p.s);
    let xhat = (x[i] - mean[c]) * is;
    g = g - dbeta[c] / m - xhat * dgamma[c] / m;
  }
  dx[i] = gamma[c] * is * g;
}
`;

function uniform(
  device: GPUDevice,
  shape: BatchNormShape,
  training: boolean,
  o: BatchNormOptions,
  hasRunning: boolean,
) {
  return uniformBuffer(
    device,
    packWords([
      shape.batch,
      shape.channels,
      shape.spatial,
      training ? 1 : 0,
      { f32: o.eps ?? 1e-5 },
      { f32: o.momentum ?? 0.1 },
      hasRunning ? 1 : 0,
      0,
    ]),
  );
}

/** Two distinct placeholders: one buffer bound twice as read_write would be invalid. */
const dummies = new WeakMap<GPUDevice, GPUBuffer[]>();
function dummy(device: GPUDevice, slot: 0 | 1): GPUBuffer {
  let pair = dummies.get(device);
  if (!pair) {
    pair = [0, 1].map(() => device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE }));
    dummies.set(device, pair);
  }
  return pair[slot];
}

export interface BatchNormBuffers {
  x: GPUBuffer;
  gamma: GPUBuffer;
  beta: GPUBuffer;
  y: GPUBuffer;
  /** Saved per-channel statistics (written by forward, read by backward). */
  mean: GPUBuffer;
  invstd: GPUBuffer;
  /** Running statistics: updated in training mode, used in eval mode. */
  runningMean?: GPUBuffer;
  runningVar?: GPUBuffer;
}

function checkChannels(shape: BatchNormShape) {
  if (shape.channels > 65535) throw new Error("batchNorm: more than 65535 channels");
  if (shape.batch * shape.spatial < 1) throw new Error("batchNorm: empty batch");
}

export function batchNormForward(
  device: GPUDevice,
  shape: BatchNormShape,
  b: BatchNormBuffers,
  training: boolean,
  options: BatchNormOptions = {},
  encoder?: GPUCommandEncoder,
): void {
  checkChannels(shape);
  const own = encoder ?? device.createCommandEncoder();
  const hasRunning = !!(b.runningMean && b.runningVar);
  const u = uniform(device, shape, training, options, hasRunning);
  if (training) {
    dispatch(
      device,
      {
        code: STATS,
        bindings: [
          u,
          b.x,
          b.mean,
          b.invstd,
          b.runningMean ?? dummy(device, 0),
          b.runningVar ?? dummy(device, 1),
        ],
        workgroups: [shape.channels],
        label: "batch-norm-stats",
      },
      own,
    );
  } else {
    if (!hasRunning) throw new Error("batchNorm: eval mode needs running statistics");
    dispatch(
      device,
      {
        code: RUNNING_STATS,
        bindings: [u, b.runningMean!, b.runningVar!, b.mean, b.invstd],
        workgroups: [Math.ceil(shape.channels / 64)],
        label: "batch-norm-running-stats",
      },
      own,
    );
  }
  dispatch(
    device,
    {
      code: NORMALIZE,
      bindings: [u, b.x, b.gamma, b.beta, b.mean, b.invstd, b.y],
      workgroups: grid1d(shape.batch * shape.channels * shape.spatial, 256),
      label: "batch-norm-normalize",
    },
    own,
  );
  if (!encoder) device.queue.submit([own.finish()]);
}

export interface BatchNormGradBuffers {
  x: GPUBuffer;
  dy: GPUBuffer;
  gamma: GPUBuffer;
  mean: GPUBuffer;
  invstd: GPUBuffer;
  dx: GPUBuffer;
  dgamma: GPUBuffer;
  dbeta: GPUBuffer;
}

/** Gradients for the mode the forward ran in (`training` must match). */
export function batchNormBackward(
  device: GPUDevice,
  shape: BatchNormShape,
  b: BatchNormGradBuffers,
  training: boolean,
  encoder?: GPUCommandEncoder,
): void {
  checkChannels(shape);
  const own = encoder ?? device.createCommandEncoder();
  const u = uniform(device, shape, training, {}, false);
  dispatch(
    device,
    {
      code: BACKWARD_REDUCE,
      bindings: [u, b.x, b.dy, b.mean, b.invstd, b.dgamma, b.dbeta],
      workgroups: [shape.channels],
      label: "batch-norm-backward-reduce",
    },
    own,
  );
  dispatch(
    device,
    {
      code: BACKWARD_INPUT,
      bindings: [u, b.x, b.dy, b.gamma, b.mean, b.invstd, b.dgamma, b.dbeta, b.dx],
      workgroups: grid1d(shape.batch * shape.channels * shape.spatial, 256),
      label: "batch-norm-backward-input",
    },
    own,
  );
  if (!encoder) device.queue.submit([own.finish()]);
}
