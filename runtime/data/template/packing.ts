/**
 * Packing short examples into sequences of at most `maxLength` tokens (fewer pad tokens, more
 * trained tokens per step). Each packed sequence says where its examples start (`segmentIds`,
 * 1-based per example) and restarts `positionIds` at 0 for each example; the trainer passes both
 * to the model (runtime/train/batches.ts), which limits attention to one example and uses these
 * RoPE positions, so each example trains as if unpacked. The first token of every example gets
 * label -100: nothing in its own example precedes it.
 *
 * First-fit decreasing by length (ties by input order) — deterministic and usually > 95 % full.
 */
import type { RecordSource } from "../format/record.js";
import { IGNORE_INDEX, type TokenizedExample } from "./tokenize-example.js";

export interface PackedSequence {
  inputIds: number[];
  labels: number[];
  positionIds: number[];
  /** 1-based index of the example each token belongs to. */
  segmentIds: number[];
  sources: RecordSource[];
}

export interface PackOptions {
  maxLength: number;
  /** `first_fit_decreasing` (default) or `sequential` (keep order, start a new pack when full). */
  strategy?: "first_fit_decreasing" | "sequential";
}

export function packExamples(
  examples: readonly TokenizedExample[],
  options: PackOptions,
): PackedSequence[] {
  const { maxLength } = options;
  const order = examples.map((_, k) => k);
  if ((options.strategy ?? "first_fit_decreasing") === "first_fit_decreasing") {
    order.sort((a, b) => examples[b].inputIds.length - examples[a].inputIds.length || a - b);
  }
  const bins: { members: number[]; used: number }[] = [];
  for (const k of order) {
    const len = Math.min(examples[k].inputIds.length, maxLength);
    let bin: { members: number[]; used: number } | undefined;
    if (options.strategy === "sequential") {
      const last = bins[bins.length - 1];
      if (last && last.used + len <= maxLength) bin = last;
    } else {
      bin = bins.find((b) => b.used + len <= maxLength);
    }
    if (!bin) {
      bin = { members: [], used: 0 };
      bins.push(bin);
    }
    bin.members.push(k);
    bin.used += len;
  }
  return bins.map((bin) => {
    const seq: PackedSequence = {
      inputIds: [],
      labels: [],
      positionIds: [],
      segmentIds: [],
      sources: [],
    };
    bin.members.forEach((k, j) => {
      const ex = examples[k];
      const n = Math.min(ex.inputIds.length, maxLength);
      for (let i = 0; i < n; i++) {
        seq.inputIds.push(ex.inputIds[i]);
        seq.labels.push(i === 0 ? IGNORE_INDEX : ex.labels[i]);
        seq.positionIds.push(i);
        seq.segmentIds.push(j + 1);
      }
      seq.sources.push(ex.source);
    });
    return seq;
  });
}

export interface PaddedBatch {
  inputIds: number[][];
  labels: number[][];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  length: number;
}

/** Right-pads a batch to its longest row (or `length`); padding has label -100 and mask 0. */
export function padBatch(
  rows: readonly { inputIds: readonly number[]; labels: readonly number[] }[],
  padId: number,
  length?: number,
): PaddedBatch {
  const L = length ?? Math.max(0, ...rows.map((r) => r.inputIds.length));
  const batch: PaddedBatch = { inputIds: [], labels: [], attentionMask: [], length: L };
  for (const r of rows) {
    const n = Math.min(r.inputIds.length, L);
    const pad = L - n;
    batch.inputIds.push([...r.inputIds.slice(0, n), ...new Array<number>(pad).fill(padId)]);
    batch.labels.push([...r.labels.slice(0, n), ...new Array<number>(pad).fill(IGNORE_INDEX)]);
    batch.attentionMask.push([...new Array<number>(n).fill(1), ...new Array<number>(pad).fill(0)]);
  }
  return batch;
}
