/**
 * A benchmark section: one concern (matmul, LoRA, NF4, NMS, a decoder step). bench/run.ts
 * runs every registered section on the current backend and collects its rows and figures.
 */
import type { WebGpuBackend } from "../runtime/backend/webgpu-backend.js";
import type { Backend } from "../runtime/backend/backend.js";

export interface BenchContext {
  backend: Backend;
  /** Set when the backend is WebGPU. */
  gpu: WebGpuBackend | null;
  /** Adapter name as shown in the tables. */
  adapter: string;
  /** Quick mode (BENCH_QUICK=1): smaller sizes, fewer repetitions (smoke tests). */
  quick: boolean;
  log: (message: string) => void;
}

export interface BenchResult {
  /** A markdown table (or paragraphs) for bench/results.md, without the section heading. */
  markdown: string;
  /** Figures for bench/results.json under stable keys. */
  json: Record<string, number | string | null>;
}

export interface BenchSection {
  /** Heading in results.md. */
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/**
 * What a kernel-level benchmark (LoRA, NF4, NMS) returns from a device: bench/run.ts wraps it
 * into a BenchSection (`deviceSection`) with a two-column table.
 */
export interface DeviceBenchResult {
  /** Heading line above the table. */
  title: string;
  /** Markdown table rows: [measure, value]. */
  rows: [string, string][];
  /** Stable keys for bench/results.json. */
  results: Record<string, number>;
}

/** A kernel-level benchmark on a device; `trials` shrinks it (quick mode). */
export type DeviceBench = (
  device: GPUDevice,
  opts: { trials?: number },
) => Promise<DeviceBenchResult>;

/** Median of `repeats` timings (ms) of `fn` after `warmup` untimed runs. */
export async function timeMs(
  fn: () => Promise<void>,
  repeats: number,
  warmup = 1,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
