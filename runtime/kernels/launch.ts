/**
 * The thin layer every WGSL kernel uses to run: buffers in and out, cached pipelines,
 * one compute pass per dispatch recorded into a caller-provided encoder (so a training
 * step records many dispatches and submits once).
 */

export type BufferBinding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Rounds a byte size up to WebGPU's 4-byte copy alignment (and at least 4). */
export function alignedSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

export function createStorageBuffer(
  device: GPUDevice,
  contents: ArrayBufferView | number,
  label?: string,
): GPUBuffer {
  const bytes = typeof contents === "number" ? contents : contents.byteLength;
  const buffer = device.createBuffer(
    label
      ? { size: alignedSize(bytes), usage: STORAGE(), label }
      : { size: alignedSize(bytes), usage: STORAGE() },
  );
  if (typeof contents !== "number" && contents.byteLength > 0) {
    writeBuffer(device, buffer, contents);
  }
  return buffer;
}

export function writeBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  data: ArrayBufferView,
  offset = 0,
) {
  const padded = data.byteLength % 4 === 0 ? data : padTo4(data);
  device.queue.writeBuffer(buffer, offset, padded as unknown as ArrayBuffer);
}

function padTo4(data: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(alignedSize(data.byteLength));
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

export function createUniformBuffer(device: GPUDevice, data: ArrayBufferView): GPUBuffer {
  const size = Math.ceil(Math.max(16, data.byteLength) / 16) * 16;
  const buffer = device.createBuffer({
    size,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  writeBuffer(device, buffer, data);
  return buffer;
}

/**
 * Dawn resolves GPU promises from the Node event loop; if nothing else keeps the loop alive,
 * Node may exit (and tear Dawn down mid-flight) before the promise settles. A timer holds it.
 */
export async function keepingEventLoopAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

const NAP = new Int32Array(new SharedArrayBuffer(4));

/**
 * Like `keepingEventLoopAlive`, but the JS thread sleeps between event-loop turns
 * (`Atomics.wait`, `napMs` at a time) instead of spinning: Dawn's Node binding settles GPU
 * promises by re-scheduling its event processing with `setImmediate` while any is pending, a
 * busy loop that on a software adapter (lavapipe) takes a CPU core from the shader threads. One
 * turn per nap keeps the promise settling, at most `napMs` late. For timing (bench/) and long
 * waits; see also runtime/train/gpu-wait.ts.
 */
export async function waitQuietly<T>(promise: Promise<T>, napMs = 1): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  const timer = setInterval(() => {}, 1000);
  try {
    while (!settled) {
      Atomics.wait(NAP, 0, 0, napMs);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

/** Copies `bytes` from a GPU buffer into host memory. */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  bytes: number,
  offset = 0,
): Promise<ArrayBuffer> {
  const size = alignedSize(bytes);
  const staging = device.createBuffer({
    size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await keepingEventLoopAlive(staging.mapAsync(GPUMapMode.READ));
  const copy = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return copy;
}

export async function readFloat32(device: GPUDevice, buffer: GPUBuffer, count: number) {
  return new Float32Array(await readBuffer(device, buffer, count * 4));
}

export async function readUint32(device: GPUDevice, buffer: GPUBuffer, count: number) {
  return new Uint32Array(await readBuffer(device, buffer, count * 4));
}

const pipelineCaches = new WeakMap<GPUDevice, Map<string, Map<string, GPUComputePipeline>>>();

/**
 * Compiles (once per device, source and entry point) a compute pipeline with an auto layout.
 * Keyed by the source string itself: generators should return the same string object for the
 * same configuration (memoise them), so lookups hash it once.
 */
export function getPipeline(
  device: GPUDevice,
  code: string,
  entryPoint = "main",
): GPUComputePipeline {
  let cache = pipelineCaches.get(device);
  if (!cache) {
    cache = new Map();
    pipelineCaches.set(device, cache);
  }
  let byEntry = cache.get(code);
  if (!byEntry) {
    byEntry = new Map();
    cache.set(code, byEntry);
  }
  let pipeline = byEntry.get(entryPoint);
  if (!pipeline) {
    const module = device.createShaderModule({ code });
    pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint } });
    byEntry.set(entryPoint, pipeline);
  }
  return pipeline;
}

/** Memoises a WGSL generator by a string key (same key → the same string object). */
export function memoizeCode<A extends unknown[]>(
  keyOf: (...args: A) => string,
  generate: (...args: A) => string,
): (...args: A) => string {
  const cache = new Map<string, string>();
  return (...args: A) => {
    const key = keyOf(...args);
    let code = cache.get(key);
    if (code === undefined) {
      code = generate(...args);
      cache.set(key, code);
    }
    return code;
  };
}

export interface DispatchSpec {
  code: string;
  entryPoint?: string;
  /** Bound in order to @group(0) @binding(0..n-1). */
  bindings: BufferBinding[];
  workgroups: [number, number?, number?];
  label?: string;
}

const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;
function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

/** Bind groups per pipeline, keyed by the bound buffers (LRU-bounded per pipeline). */
const bindGroupCaches = new WeakMap<GPUComputePipeline, Map<string, GPUBindGroup>>();
const BIND_GROUPS_PER_PIPELINE = 2048;

function normalizeBinding(b: BufferBinding): { buffer: GPUBuffer; offset?: number; size?: number } {
  return b instanceof GPUBuffer ? { buffer: b } : b;
}

/** A (cached) bind group binding `bindings` to @group(0) @binding(0..n-1) of `pipeline`. */
export function getBindGroup(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  bindings: BufferBinding[],
): GPUBindGroup {
  let cache = bindGroupCaches.get(pipeline);
  if (!cache) {
    cache = new Map();
    bindGroupCaches.set(pipeline, cache);
  }
  const resources = bindings.map(normalizeBinding);
  const key = resources
    .map((r) => `${bufferId(r.buffer)}:${r.offset ?? 0}:${r.size ?? -1}`)
    .join(",");
  let group = cache.get(key);
  if (group) {
    cache.delete(key);
    cache.set(key, group);
    return group;
  }
  group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((resource, i) => ({ binding: i, resource })),
  });
  cache.set(key, group);
  if (cache.size > BIND_GROUPS_PER_PIPELINE) cache.delete(cache.keys().next().value!);
  return group;
}

/**
 * A uniform buffer holding `data`, cached by content per device and never rewritten, so it
 * is safe to use from any number of dispatches recorded into one encoder, and bind groups
 * that use it stay cacheable. Prefer this to createUniformBuffer inside training loops.
 */
export function uniformBuffer(device: GPUDevice, data: ArrayBufferView): GPUBuffer {
  let cache = uniformCaches.get(device);
  if (!cache) {
    cache = new Map();
    uniformCaches.set(device, cache);
  }
  const words = new Uint32Array(data.buffer, data.byteOffset, Math.floor(data.byteLength / 4));
  let key = `${data.byteLength}:`;
  for (let i = 0; i < words.length; i++) key += words[i].toString(36) + ",";
  if (data.byteLength % 4 !== 0) {
    const tail = new Uint8Array(
      data.buffer,
      data.byteOffset + words.length * 4,
      data.byteLength % 4,
    );
    key += Array.from(tail).join(".");
  }
  let buffer = cache.get(key);
  if (buffer) {
    cache.delete(key);
    cache.set(key, buffer);
    return buffer;
  }
  buffer = createUniformBuffer(device, data);
  cache.set(key, buffer);
  // Evicted buffers are only dropped (not destroyed): a recorded, unsubmitted dispatch may
  // still use one; Dawn frees it once unreferenced.
  if (cache.size > UNIFORMS_PER_DEVICE) cache.delete(cache.keys().next().value!);
  return buffer;
}
const uniformCaches = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();
const UNIFORMS_PER_DEVICE = 8192;

/**
 * Records one dispatch. With an encoder it only records (the caller submits);
 * without one it submits immediately. Pipelines and bind groups are cached.
 */
export function dispatch(device: GPUDevice, spec: DispatchSpec, encoder?: GPUCommandEncoder): void {
  const pipeline = getPipeline(device, spec.code, spec.entryPoint);
  const bindGroup = getBindGroup(device, pipeline, spec.bindings);
  const own = encoder ?? device.createCommandEncoder();
  const pass = own.beginComputePass(spec.label ? { label: spec.label } : undefined);
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const [x, y = 1, z = 1] = spec.workgroups;
  pass.dispatchWorkgroups(x, y, z);
  pass.end();
  if (!encoder) device.queue.submit([own.finish()]);
}

/** Number of workgroups needed to cover `n` items with `size` items each. */
export function ceilDiv(n: number, size: number): number {
  return Math.ceil(n / size);
}
