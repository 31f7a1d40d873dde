/**
 * Training checkpoints: one safetensors file holding the model's tensors (`model.<name>`), the
 * optimisers' state arrays (`optim.<group>.<param>.<slot>`) and, in `__metadata__`, a JSON
 * record of everything else needed to continue exactly: the architecture, the training
 * settings it was made with, where to continue (epoch, step in epoch, global step), the early-
 * stopping state and the optimisers' step counts. Randomness is derived from (seed, epoch, step)
 * — see trainer.ts — so those counters are the random state. Written atomically (temporary file,
 * then rename): a crash mid-write leaves the previous checkpoint intact.
 */
import { existsSync } from "node:fs";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import {
  floatTensor,
  readSafetensorsHeader,
  readTensorAsFloat32,
  writeSafetensors,
  type TensorToWrite,
} from "../../io/safetensors.js";
import type { OptimizerStateDict, StateArray } from "../../optim/optimizer.js";
import type { DetectorModelConfig } from "../model/config.js";
import { detectorTensors, readDetectorValues } from "../model/weights-io.js";

export const CHECKPOINT_FORMAT = "pipewright-detect-checkpoint";

export interface CheckpointProgress {
  /** The epoch to continue in (0-based). */
  epoch: number;
  /** The next step inside that epoch. */
  step: number;
  /** Optimiser steps taken in total. */
  globalStep: number;
  bestFitness: number;
  bestEpoch: number;
  /** Epochs since the best fitness (early stopping). */
  epochsWithoutImprovement: number;
  /** The epoch count in force when a time limit has fitted it (else the setting). */
  epochs?: number;
  /** The last validation summary, if any. */
  lastMetrics?: Record<string, number>;
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  config: DetectorModelConfig;
  /** The settings that must match for an exact resume. */
  settings: Record<string, unknown>;
  progress: CheckpointProgress;
  optimizers: {
    name: string;
    kind: string;
    step: number;
    hyper: Record<string, number | boolean>;
    shapes: number[][];
    slots: (string[] | null)[];
  }[];
}

export interface CheckpointData {
  meta: CheckpointMeta;
  values: Map<string, Float32Array>;
  optimizers: Map<string, OptimizerStateDict>;
}

export function writeCheckpoint(
  file: string,
  meta: Omit<CheckpointMeta, "format" | "version" | "optimizers">,
  values: ReadonlyMap<string, Float32Array>,
  optimizers: ReadonlyMap<string, OptimizerStateDict>,
): void {
  const tensors = detectorTensors(meta.config, values, "model.");
  const optMeta: CheckpointMeta["optimizers"] = [];
  for (const [name, state] of optimizers) {
    const slots = state.slots.map((slot, i) => {
      if (!slot) return null;
      for (const [k, arr] of Object.entries(slot))
        tensors.set(`optim.${name}.${i}.${k}`, stateTensor(arr));
      return Object.keys(slot);
    });
    optMeta.push({
      name,
      kind: state.kind,
      step: state.step,
      hyper: state.hyper,
      shapes: state.shapes,
      slots,
    });
  }
  const full: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    ...meta,
    optimizers: optMeta,
  };
  writeSafetensors(file, tensors, { pipewright: JSON.stringify(full) });
}

function stateTensor(arr: StateArray): TensorToWrite {
  if (arr instanceof Float32Array) return floatTensor(arr, [arr.length]);
  return { dtype: "U8", shape: [arr.length], data: arr };
}

export function readCheckpoint(file: string): CheckpointData {
  if (!existsSync(file))
    throw new PipeError(
      "PW8003",
      `no checkpoint at ${file}`,
      { path: file },
      "start without --resume, or point at the run's output folder",
    );
  const header = readSafetensorsHeader(file);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(header.metadata.pipewright ?? "null") as CheckpointMeta;
  } catch {
    meta = null as unknown as CheckpointMeta;
  }
  if (!meta || meta.format !== CHECKPOINT_FORMAT || meta.version !== 1) {
    throw new PipeError("PW8003", `${file} is not a Pipewright detector checkpoint`, {
      path: file,
    });
  }
  const values = readDetectorValues(file, meta.config, file, "model.");
  const optimizers = new Map<string, OptimizerStateDict>();
  for (const o of meta.optimizers) {
    const slots = o.slots.map((names, i) => {
      if (!names) return null;
      const out: Record<string, StateArray> = {};
      for (const k of names) out[k] = readTensorAsFloat32(header, `optim.${o.name}.${i}.${k}`);
      return out;
    });
    optimizers.set(o.name, {
      kind: o.kind,
      version: 1,
      step: o.step,
      hyper: o.hyper,
      shapes: o.shapes,
      slots,
    });
  }
  return { meta, values, optimizers };
}

/** The first setting that differs, as "key: saved → now", or undefined. */
export function settingsMismatch(
  saved: Record<string, unknown>,
  now: Record<string, unknown>,
): string | undefined {
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  for (const k of [...keys].sort()) {
    const a = JSON.stringify(saved[k]);
    const b = JSON.stringify(now[k]);
    if (a !== b) return `${k}: ${a ?? "(none)"} in the checkpoint, ${b ?? "(none)"} now`;
  }
  return undefined;
}
