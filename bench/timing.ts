/**
 * GPU timing for the LLM kernel benchmarks: each candidate records `reps` dispatches into one
 * encoder; candidates are measured interleaved (A, B, C, A, B, C, ...) so that load from other
 * processes on a shared machine hits them alike, and the best (minimum) time per candidate is
 * reported: interference only ever adds time, so the minimum is the most repeatable figure.
 *
 * Also recorded: this process's CPU time per run. On lavapipe the "GPU" is threads of this
 * process, so CPU time measures the kernels' work even when other processes compete for the
 * cores (on a real GPU it is meaningless: use the wall times).
 */
import { waitQuietly } from "../runtime/kernels/launch.js";

export interface Candidate {
  name: string;
  record: (encoder: GPUCommandEncoder) => void;
}

export interface Timing {
  /** Best wall-clock milliseconds per run. */
  wall: number;
  /** Best process CPU milliseconds per run (user + system, all threads). */
  cpu: number;
}

async function timeOnce(device: GPUDevice, c: Candidate, reps: number): Promise<Timing> {
  const encoder = device.createCommandEncoder();
  for (let i = 0; i < reps; i++) c.record(encoder);
  const commands = encoder.finish();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  device.queue.submit([commands]);
  await waitQuietly(device.queue.onSubmittedWorkDone());
  const wall = (performance.now() - start) / reps;
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / 1000 / reps };
}

/** Best wall and CPU milliseconds per run for each candidate. */
export async function timeInterleaved(
  device: GPUDevice,
  candidates: Candidate[],
  opts: { reps?: number; trials?: number } = {},
): Promise<Record<string, Timing>> {
  const reps = opts.reps ?? 2;
  const trials = opts.trials ?? 5;
  for (const c of candidates) await timeOnce(device, c, 1); // compile + warm up
  const out: Record<string, Timing> = {};
  for (const c of candidates) out[c.name] = { wall: Infinity, cpu: Infinity };
  for (let t = 0; t < trials; t++) {
    for (const c of candidates) {
      const r = await timeOnce(device, c, reps);
      out[c.name] = {
        wall: Math.min(out[c.name].wall, r.wall),
        cpu: Math.min(out[c.name].cpu, r.cpu),
      };
    }
  }
  return out;
}
