/**
 * NMS benchmark (issue 4): 10,000 random boxes, GPU NMS vs the CPU implementation.
 *   nms_10k_ms      GPU: argsort + bitmask matrix + walk + readback of the kept indices
 *                   (boxes and scores already on the device), best of `trials`
 *   nms_10k_cpu_ms  CPU: the reference greedy NMS (runtime/kernels/reference/nms.ts) on the
 *                   same boxes, best of `trials`
 * Boxes: centres uniform in a 1024² image, sides uniform in [8, 128] px, scores uniform,
 * IoU threshold 0.5, no detection cap — the shape of a detector's pre-NMS candidates.
 */
import { createStorageBuffer } from "../runtime/kernels/launch.js";
import { encodeNms, NmsWorkspace, readNmsResult } from "../runtime/kernels/nms.js";
import { nmsRef } from "../runtime/kernels/reference/nms.js";
import { createRng } from "../runtime/util/random.js";
import type { DeviceBenchResult } from "./section.js";

export function randomDetections(seed: number, n: number, imageSize = 1024) {
  const rng = createRng(seed);
  const boxes = new Float32Array(4 * n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cx = rng.next() * imageSize;
    const cy = rng.next() * imageSize;
    const w = 8 + rng.next() * 120;
    const h = 8 + rng.next() * 120;
    boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * i);
    scores[i] = rng.next();
  }
  return { boxes, scores };
}

export async function benchNms(
  device: GPUDevice,
  opts: { boxes?: number; iouThreshold?: number; trials?: number } = {},
): Promise<DeviceBenchResult> {
  const n = opts.boxes ?? 10_000;
  const iouThreshold = opts.iouThreshold ?? 0.5;
  const trials = opts.trials ?? 5;
  const { boxes, scores } = randomDetections(7, n);
  const inputs = {
    boxes: createStorageBuffer(device, boxes),
    scores: createStorageBuffer(device, scores),
  };
  const ws = new NmsWorkspace(device, n);
  const runGpu = async () => {
    const encoder = device.createCommandEncoder();
    encodeNms(device, encoder, n, inputs, { iouThreshold }, ws);
    device.queue.submit([encoder.finish()]);
    return readNmsResult(device, ws, n);
  };
  const gpuKeep = await runGpu(); // compile pipelines, warm up
  const cpuKeep = nmsRef(boxes, scores, { iouThreshold });
  const agree = gpuKeep.length === cpuKeep.length && cpuKeep.every((v, i) => gpuKeep[i] === v);
  const gpuTimes: number[] = [];
  const cpuTimes: number[] = [];
  for (let t = 0; t < trials; t++) {
    let start = performance.now();
    await runGpu();
    gpuTimes.push(performance.now() - start);
    start = performance.now();
    nmsRef(boxes, scores, { iouThreshold });
    cpuTimes.push(performance.now() - start);
  }
  ws.destroy();
  inputs.boxes.destroy();
  inputs.scores.destroy();
  const gpuMs = Math.min(...gpuTimes);
  const cpuMs = Math.min(...cpuTimes);
  return {
    title: `NMS, ${n.toLocaleString("en")} random boxes (IoU ${iouThreshold})`,
    rows: [
      ["GPU NMS (sort + bitmask + walk + readback)", `${gpuMs.toFixed(1)} ms`],
      ["CPU NMS (reference, JS)", `${cpuMs.toFixed(1)} ms`],
      ["GPU speed-up", `${(cpuMs / gpuMs).toFixed(2)}×`],
      ["kept boxes", `${gpuKeep.length} (GPU and CPU ${agree ? "agree" : "DISAGREE"})`],
    ],
    results: { nms_10k_ms: gpuMs, nms_10k_cpu_ms: cpuMs },
  };
}
