/** The training run shared by sigkill.test.ts and its child process (sigkill-run.ts). */
import type { TrainOptions } from "../../../runtime/train/options.js";
import { ToyLM, markovChain, sftExamples } from "./toy-lm.js";

export const SIGKILL_STEPS = 60;

export function sigkillRunOptions(dir: string): TrainOptions {
  return {
    model: new ToyLM({ vocab: 12, dim: 8, seed: 3, dropout: 0.1 }),
    train: sftExamples(markovChain(12, 7), 24, 1),
    padId: 0,
    batchSize: 4,
    gradAccum: 2,
    maxSteps: SIGKILL_STEPS,
    seed: 5,
    optimizer: { kind: "adamw8bit", lr: 0.02, minQuantizedSize: 16 },
    schedule: { kind: "cosine", warmupSteps: 3 },
    maxGradNorm: 1,
    checkpoint: { dir, every: 1, keepLast: 2 },
    fingerprint: "sigkill/train",
    metricsFile: `${dir}/metrics.jsonl`,
  };
}
