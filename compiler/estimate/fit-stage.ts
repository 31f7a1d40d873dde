/**
 * What fits a budget, for one stage: the largest micro-batch at the declared sequence length,
 * the longest sequence at the declared batch, and for batch 1, 2, 4, … the longest sequence
 * (as compiler/memory/fit.ts's `fitBudget`, whose search this is, but counting what a stage
 * adds on top of its own training, such as a distillation teacher whose logits grow with
 * batch and sequence). Detector stages: the largest batch at the declared image size.
 */
import { estimateDetectorMemory } from "../memory/detector.js";
import { estimateTrainingMemory } from "../memory/estimate.js";
import type { FitPoint } from "../memory/fit.js";
import type { StageMemory } from "./stage-memory.js";

export interface StageFit {
  budgetBytes: number;
  fits: boolean;
  /** Bytes that do not depend on batch or sequence (weights, states, a frozen teacher). */
  fixedBytes?: number;
  maxBatchAtSeqLen?: number;
  maxSeqLenAtBatch?: number;
  /** For batch 1, 2, 4, …: the longest sequence that fits (while one does). */
  frontier?: FitPoint[];
  /** Detectors: the largest batch at the declared image size. */
  maxBatch?: number;
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

export function fitStage(m: StageMemory, budget: number, maxBatch = 4096): StageFit {
  const fits = m.totalBytes <= budget;
  const input = m.training;
  if (input) {
    const extraAt = m.extraAt ?? (() => m.extraBytes);
    const base = estimateTrainingMemory(input);
    const totalAt = (batch: number, seqLen: number): number =>
      estimateTrainingMemory({ ...input, batch, seqLen }).totalBytes + extraAt(batch, seqLen);
    const ok = (batch: number, seqLen: number): boolean => totalAt(batch, seqLen) <= budget;
    const fixedBytes = base.fixedBytes + extraAt(0, 0);
    const maxSeq = input.arch.maxPositionEmbeddings;
    if (fixedBytes > budget) {
      return {
        budgetBytes: budget,
        fits,
        fixedBytes,
        maxBatchAtSeqLen: 0,
        maxSeqLenAtBatch: 0,
        frontier: [],
      };
    }
    const frontier: FitPoint[] = [];
    for (let batch = 1; batch <= maxBatch; batch *= 2) {
      const seqLen = largest(maxSeq, (s) => ok(batch, s));
      if (seqLen === 0) break;
      frontier.push({ batch, seqLen, totalBytes: totalAt(batch, seqLen) });
    }
    return {
      budgetBytes: budget,
      fits,
      fixedBytes,
      maxBatchAtSeqLen: largest(maxBatch, (b) => ok(b, input.seqLen)),
      maxSeqLenAtBatch: largest(maxSeq, (s) => ok(input.batch, s)),
      frontier,
    };
  }
  if (m.detector) {
    const d = m.detector;
    const maxB = largest(
      maxBatch,
      (b) => estimateDetectorMemory({ ...d, batch: b }).totalBytes <= budget,
    );
    return { budgetBytes: budget, fits, maxBatch: maxB };
  }
  return { budgetBytes: budget, fits };
}
