/**
 * Step scalars for the optimizer kernels without a new bind group per parameter per step.
 *
 * The scalars (bias corrections, step size) change every step while a parameter's buffers do
 * not. Binding a fresh uniform per step would make every (parameter, step) pair a new bind
 * group. Instead every update binds one persistent uniform per device and slot name, and the
 * step's scalars are copied into it inside the command encoder, before the first dispatch of
 * that encoder that needs them (and again only when they change). Copies and dispatches run
 * in encoder order, so each dispatch sees the scalars recorded before it, however many steps
 * or optimizers share an encoder and in whatever order the encoders are submitted. The
 * per-parameter bind groups then stay the same from step to step (launch.ts caches them).
 */

interface Slot {
  buffer: GPUBuffer;
  /** Content last copied into `buffer` by each encoder. */
  last: WeakMap<GPUCommandEncoder, string>;
}

const slots = new WeakMap<GPUDevice, Map<string, Slot>>();
/** Small COPY_SRC buffers holding step contents, by content (LRU-bounded per device). */
const sources = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();
const SOURCES_PER_DEVICE = 64;

function contentKey(bytes: Uint8Array): string {
  let key = "";
  for (let i = 0; i < bytes.length; i++) key += bytes[i].toString(16).padStart(2, "0");
  return key;
}

function sourceBuffer(device: GPUDevice, bytes: Uint8Array, key: string): GPUBuffer {
  let cache = sources.get(device);
  if (!cache) {
    cache = new Map();
    sources.set(device, cache);
  }
  let buffer = cache.get(key);
  if (buffer) {
    cache.delete(key);
    cache.set(key, buffer);
    return buffer;
  }
  buffer = device.createBuffer({
    size: bytes.byteLength,
    usage: GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(bytes);
  buffer.unmap();
  cache.set(key, buffer);
  // Evicted buffers are dropped, not destroyed: a recorded, unsubmitted copy may still use one.
  if (cache.size > SOURCES_PER_DEVICE) cache.delete(cache.keys().next().value!);
  return buffer;
}

/**
 * The persistent uniform buffer of slot `name` holding `data` for the dispatches recorded next
 * into `encoder` (records a copy when this encoder's last content for the slot differs).
 * `data.byteLength` must be a multiple of 16 and the same on every call for one `name`.
 */
export function stepUniform(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  name: string,
  data: ArrayBuffer,
): GPUBuffer {
  const bytes = new Uint8Array(data);
  if (bytes.byteLength % 16 !== 0) throw new Error("internal: step uniform size % 16 != 0");
  let perDevice = slots.get(device);
  if (!perDevice) {
    perDevice = new Map();
    slots.set(device, perDevice);
  }
  const slotKey = `${name}:${bytes.byteLength}`;
  let slot = perDevice.get(slotKey);
  if (!slot) {
    slot = {
      buffer: device.createBuffer({
        size: bytes.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      }),
      last: new WeakMap(),
    };
    perDevice.set(slotKey, slot);
  }
  const key = contentKey(bytes);
  if (slot.last.get(encoder) !== key) {
    encoder.copyBufferToBuffer(sourceBuffer(device, bytes, key), 0, slot.buffer, 0, bytes.length);
    slot.last.set(encoder, key);
  }
  return slot.buffer;
}
