/**
 * Data order and micro-batches for causal-LM training.
 *
 * Order: epoch `e` visits the examples in a permutation drawn from `createRng(epochSeed(seed,
 * e))` — a pure function of (seed, epoch), so the data position of a checkpoint is just
 * (epoch, micro-batch index) and a resume sees exactly the batches an uninterrupted run would.
 *
 * An optimizer step takes up to `gradAccum` consecutive micro-batches and never crosses an
 * epoch boundary (the last step of an epoch may take fewer), as Hugging Face's Trainer does.
 *
 * Labels follow Hugging Face (`labels[i] = inputIds[i]` on trained tokens, −100 elsewhere) and
 * the loss shifts by one: the logits at position i are scored against `labels[i + 1]`. The
 * shift happens here, on the host, so the loss runs on all B·T logit rows without a copy.
 *
 * Packed sequences (several examples in one row, runtime/data/template/packing.ts) carry
 * `positionIds` (restarting at 0 per example) and 1-based `segmentIds`. A micro-batch with any
 * such row gets [B][T] `positionIds` / `segmentIds` for every row (an unpacked row is segment
 * 1 at positions 0…n−1; padding is segment 0 at position 0), which the model uses for RoPE and
 * to keep attention inside a segment, and no target crosses a segment boundary (the last token
 * of one example never predicts the first of the next), whatever the objective. A micro-batch
 * without packed rows has neither, and is exactly what it was before packing existed.
 */
import { createRng } from "../util/random.js";
import { IGNORE_INDEX } from "../data/template/tokenize-example.js";

/** One training example: token ids and Hugging Face labels (−100 = no loss). */
export interface LmExample {
  inputIds: readonly number[];
  /** Absent for pre-training examples (every token is trained). */
  labels?: readonly number[];
  /** Packed sequences: the RoPE position of each token (restarting at 0 per example). */
  positionIds?: readonly number[];
  /** Packed sequences: the (1-based) example each token belongs to. */
  segmentIds?: readonly number[];
}

/** `sft`: loss on the labelled (answer) tokens only; `pretrain`: loss on every token. */
export type LmObjectiveKind = "sft" | "pretrain";

export interface MicroBatch {
  /** [B][T], right-padded. */
  inputIds: number[][];
  /** [B][T], 1 = real token. */
  attentionMask: number[][];
  /** [B][T] RoPE positions; only when a row is packed (padding: 0). */
  positionIds?: number[][];
  /** [B][T] segment ids; only when a row is packed (padding: 0). */
  segmentIds?: number[][];
  /** [B·T] flattened next-token targets (−100 = no loss), already shifted. */
  targets: Int32Array;
  batch: number;
  length: number;
  /** Targets that are not −100 (the tokens this micro-batch's loss averages over). */
  lossTokens: number;
  /** Real (non-pad) input tokens, for throughput. */
  inputTokens: number;
}

/** The seed of epoch `epoch`'s permutation (splitmix-style mix of seed and epoch). */
export function epochSeed(seed: number, epoch: number): number {
  let z = (seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** The example order of one epoch: seeded permutation, or the identity without shuffling. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle = true): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return shuffle ? createRng(epochSeed(seed, epoch)).shuffle(order) : order;
}

export function microBatchesPerEpoch(examples: number, batchSize: number): number {
  return Math.ceil(examples / batchSize);
}

export function stepsPerEpoch(examples: number, batchSize: number, gradAccum: number): number {
  return Math.ceil(microBatchesPerEpoch(examples, batchSize) / gradAccum);
}

/** Labels an example trains on: its own (`sft`) or every token (`pretrain`). */
export function exampleLabels(example: LmExample, objective: LmObjectiveKind): readonly number[] {
  if (objective === "pretrain" || !example.labels) return example.inputIds;
  if (example.labels.length !== example.inputIds.length) {
    throw new Error(
      `example has ${example.inputIds.length} input ids but ${example.labels.length} labels`,
    );
  }
  return example.labels;
}

/** Right-pads `rows` into a micro-batch with shifted targets. */
export function buildMicroBatch(
  rows: readonly LmExample[],
  options: { padId: number; objective: LmObjectiveKind; maxLength?: number },
): MicroBatch {
  const B = rows.length;
  const longest = Math.max(1, ...rows.map((r) => r.inputIds.length));
  const T = options.maxLength ? Math.min(longest, options.maxLength) : longest;
  const inputIds: number[][] = [];
  const attentionMask: number[][] = [];
  const packed = rows.some((r) => r.segmentIds !== undefined || r.positionIds !== undefined);
  const positionIds: number[][] = [];
  const segmentIds: number[][] = [];
  const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
  let lossTokens = 0;
  let inputTokens = 0;
  rows.forEach((row, b) => {
    const labels = exampleLabels(row, options.objective);
    const n = Math.min(row.inputIds.length, T);
    const ids = new Array<number>(T).fill(options.padId);
    const mask = new Array<number>(T).fill(0);
    for (let t = 0; t < n; t++) {
      ids[t] = row.inputIds[t];
      mask[t] = 1;
    }
    let seg: number[] | undefined;
    if (packed) {
      checkPacking(row);
      const pos = new Array<number>(T).fill(0);
      seg = new Array<number>(T).fill(0);
      for (let t = 0; t < n; t++) {
        pos[t] = row.positionIds ? row.positionIds[t] : t;
        seg[t] = row.segmentIds ? row.segmentIds[t] : 1;
      }
      positionIds.push(pos);
      segmentIds.push(seg);
    }
    // Position t predicts token t+1 (within the real tokens of the row and of its segment).
    for (let t = 0; t + 1 < n; t++) {
      const label = labels[t + 1];
      if (label !== IGNORE_INDEX && (!seg || seg[t] === seg[t + 1])) {
        targets[b * T + t] = label;
        lossTokens++;
      }
    }
    inputTokens += n;
    inputIds.push(ids);
    attentionMask.push(mask);
  });
  return {
    inputIds,
    attentionMask,
    ...(packed ? { positionIds, segmentIds } : {}),
    targets,
    batch: B,
    length: T,
    lossTokens,
    inputTokens,
  };
}

/** A packed row's ids: one per token, segments ≥ 1 (0 is padding's), positions ≥ 0. */
function checkPacking(row: LmExample): void {
  const n = row.inputIds.length;
  for (const [what, ids, min] of [
    ["segmentIds", row.segmentIds, 1],
    ["positionIds", row.positionIds, 0],
  ] as const) {
    if (!ids) continue;
    if (ids.length !== n)
      throw new Error(`packed example has ${n} input ids but ${ids.length} ${what}`);
    for (const x of ids)
      if (!Number.isInteger(x) || x < min)
        throw new Error(`packed example: ${what} must be integers ≥ ${min}, got ${x}`);
  }
}

/** Where training stands in the data: epoch and the next micro-batch inside it. */
export interface DataPosition {
  epoch: number;
  microBatch: number;
}

/**
 * The micro-batches of the optimizer step that starts at `position`, and the position after
 * it. Orders are cached per epoch by the caller through `orderOf`.
 */
export function stepMicroBatches(
  examples: readonly LmExample[],
  position: DataPosition,
  options: {
    batchSize: number;
    gradAccum: number;
    padId: number;
    objective: LmObjectiveKind;
    maxLength?: number;
    orderOf: (epoch: number) => readonly number[];
  },
): { batches: MicroBatch[]; next: DataPosition } {
  const perEpoch = microBatchesPerEpoch(examples.length, options.batchSize);
  const order = options.orderOf(position.epoch);
  const end = Math.min(position.microBatch + options.gradAccum, perEpoch);
  const batches: MicroBatch[] = [];
  for (let m = position.microBatch; m < end; m++) {
    const idx = order.slice(m * options.batchSize, (m + 1) * options.batchSize);
    batches.push(
      buildMicroBatch(
        idx.map((i) => examples[i]),
        options,
      ),
    );
  }
  const next =
    end >= perEpoch
      ? { epoch: position.epoch + 1, microBatch: 0 }
      : { epoch: position.epoch, microBatch: end };
  return { batches, next };
}

/** Fixed-order micro-batches of a whole set (evaluation). */
export function evalMicroBatches(
  examples: readonly LmExample[],
  options: { batchSize: number; padId: number; objective: LmObjectiveKind; maxLength?: number },
): MicroBatch[] {
  const out: MicroBatch[] = [];
  for (let i = 0; i < examples.length; i += options.batchSize) {
    out.push(buildMicroBatch(examples.slice(i, i + options.batchSize), options));
  }
  return out;
}
