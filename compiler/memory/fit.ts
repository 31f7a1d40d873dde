/**
 * What fits: the largest micro-batch and sequence length under a memory budget, and whether
 * the largest single buffers fit the device's WebGPU limits.
 *
 * Memory grows monotonically with batch and with sequence length (every activation term does),
 * so each search is a binary search over the activation estimate on top of the fixed part
 * (weights, adapter, gradients, optimizer states).
 */
import { estimateActivations } from "./activations.js";
import {
  estimateTrainingMemory,
  type MemoryEstimate,
  type TrainingMemoryInput,
} from "./estimate.js";

export interface FitOptions {
  /** Upper bound of the batch search (default 4096). */
  maxBatch?: number;
  /** Upper bound of the sequence search (default: the model's max_position_embeddings). */
  maxSeqLen?: number;
}

export interface FitPoint {
  batch: number;
  seqLen: number;
  totalBytes: number;
}

export interface FitResult {
  budgetBytes: number;
  /** The declared batch × seqLen fits. */
  fits: boolean;
  declared: FitPoint;
  /** Weights + adapter + gradients + optimizer: independent of batch and sequence length. */
  fixedBytes: number;
  /** Largest batch at the declared seqLen (0: not even batch 1 fits). */
  maxBatchAtSeqLen: number;
  /** Largest seqLen at the declared batch (0: not even one token fits). */
  maxSeqLenAtBatch: number;
  /** For batch 1, 2, 4, …: the longest sequence that fits (while one does). */
  frontier: FitPoint[];
}

/** Largest x in [1, hi] with ok(x), assuming ok is monotone (true then false); 0 if none. */
function largest(hi: number, ok: (x: number) => boolean): number {
  if (hi < 1 || !ok(1)) return 0;
  let lo = 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function fitBudget(
  input: TrainingMemoryInput,
  budgetBytes: number,
  options: FitOptions = {},
): FitResult {
  const declared = estimateTrainingMemory(input);
  const maxBatch = options.maxBatch ?? 4096;
  const maxSeq = options.maxSeqLen ?? input.arch.maxPositionEmbeddings;
  const totalAt = (batch: number, seqLen: number): number =>
    declared.fixedBytes +
    estimateActivations(input.arch, {
      batch,
      seqLen,
      compute: input.compute,
      attention: input.attention ?? "materialized",
      gradientCheckpointing: input.gradientCheckpointing,
      plan: declared.plan,
      ...(input.saveFrozenLinearInputs !== undefined
        ? { saveFrozenLinearInputs: input.saveFrozenLinearInputs }
        : {}),
    }).total;
  const fitsAt = (batch: number, seqLen: number): boolean => totalAt(batch, seqLen) <= budgetBytes;
  const frontier: FitPoint[] = [];
  for (let batch = 1; batch <= maxBatch; batch *= 2) {
    const seqLen = largest(maxSeq, (s) => fitsAt(batch, s));
    if (seqLen === 0) break;
    frontier.push({ batch, seqLen, totalBytes: totalAt(batch, seqLen) });
  }
  return {
    budgetBytes,
    fits: declared.totalBytes <= budgetBytes,
    declared: { batch: input.batch, seqLen: input.seqLen, totalBytes: declared.totalBytes },
    fixedBytes: declared.fixedBytes,
    maxBatchAtSeqLen: largest(maxBatch, (b) => fitsAt(b, input.seqLen)),
    maxSeqLenAtBatch: largest(maxSeq, (s) => fitsAt(input.batch, s)),
    frontier,
  };
}

export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** The WebGPU defaults: what every adapter supports without asking for more. */
export const WEBGPU_DEFAULT_LIMITS: DeviceLimits = {
  maxBufferSize: 268_435_456,
  maxStorageBufferBindingSize: 134_217_728,
};

export interface LimitViolation {
  buffer: string;
  bytes: number;
  limit: keyof DeviceLimits;
  limitBytes: number;
}

/**
 * Every buffer larger than maxBufferSize (cannot be created) or maxStorageBufferBindingSize
 * (cannot be bound whole to a kernel). Buffers are listed largest first.
 */
export function checkDeviceLimits(
  estimate: MemoryEstimate,
  limits: DeviceLimits,
): { ok: boolean; violations: LimitViolation[] } {
  const violations: LimitViolation[] = [];
  for (const b of estimate.buffers) {
    if (b.bytes > limits.maxBufferSize) {
      violations.push({
        buffer: b.name,
        bytes: b.bytes,
        limit: "maxBufferSize",
        limitBytes: limits.maxBufferSize,
      });
    } else if (b.bytes > limits.maxStorageBufferBindingSize) {
      violations.push({
        buffer: b.name,
        bytes: b.bytes,
        limit: "maxStorageBufferBindingSize",
        limitBytes: limits.maxStorageBufferBindingSize,
      });
    }
  }
  return { ok: violations.length === 0, violations };
}
