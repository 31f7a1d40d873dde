/**
 * Waiting for the GPU without spinning a CPU core.
 *
 * Dawn's Node binding settles GPU promises (mapAsync, onSubmittedWorkDone) by calling its
 * ProcessEvents from `setImmediate` over and over while any is pending: the JS thread spins at
 * 100% for as long as the GPU works. With a software adapter (lavapipe) the "GPU" is the same
 * CPU cores, so on a 2-core machine the spinning thread takes up to half of the machine from
 * the shader threads doing the work. `settleQuietly` waits for the submitted work with the
 * thread asleep (`Atomics.wait`, 1 ms at a time), giving the event loop one turn between naps —
 * one ProcessEvents per millisecond instead of a busy loop — so the readback that follows finds
 * the work done. Measured on lavapipe: see runtime/train/README.md.
 */
import type { Backend } from "../backend/backend.js";

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Submits the backend's pending work and waits, mostly asleep, until the device has done it. */
export async function settleQuietly(backend: Backend, napMs = 1): Promise<void> {
  if (backend.kind !== "webgpu") return;
  const gpu = backend as Backend & { flush(): void; device: GPUDevice };
  gpu.flush();
  let done = false;
  let failed: unknown;
  gpu.device.queue.onSubmittedWorkDone().then(
    () => (done = true),
    (err: unknown) => {
      failed = err;
      done = true;
    },
  );
  // A timer keeps the event loop alive while Dawn's promise is pending (see launch.ts).
  const alive = setInterval(() => {}, 1000);
  try {
    while (!done) {
      Atomics.wait(nap, 0, 0, napMs);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    clearInterval(alive);
  }
  if (failed !== undefined) throw failed;
}
