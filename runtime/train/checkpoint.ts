/**
 * Training checkpoints for exact resume. A checkpoint is a directory `checkpoint-<step>` in the
 * run's checkpoint folder holding
 *
 *   model.safetensors      the trainable parameters (F32, the model's own names)
 *   optimizer.safetensors  the optimiser's state arrays as `<param index>.<slot>` (F32 / U8)
 *   trainer_state.json     everything else (TrainerState): step, data position, random
 *                          states, schedule, early stopping, optimiser counters, fingerprints
 *
 * Atomic: the files are written (and fsynced) into a hidden temporary directory, which is then
 * renamed to its final name. A crash at any point leaves either the old set of checkpoints or
 * the new one; temporary directories are never read and are swept by the next write. After a
 * successful write only the newest `keepLast` checkpoints are kept.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import {
  readSafetensorsHeader,
  readTensor,
  serializeSafetensors,
  type TensorToWrite,
} from "../io/safetensors.js";
import type { OptimizerStateDict, StateArray } from "../optim/optimizer.js";
import type { DataPosition } from "./batches.js";
import type { EarlyStoppingState } from "./early-stopping.js";
import type { ResolvedSchedule } from "./schedule.js";
import type { RngState } from "./causal-lm.js";

export const TRAIN_CHECKPOINT_FORMAT = "pipewright-train-checkpoint";
const STATE_FILE = "trainer_state.json";
const MODEL_FILE = "model.safetensors";
const OPTIMIZER_FILE = "optimizer.safetensors";
const NAME = /^checkpoint-(\d+)$/;

export interface TrainerState {
  format: typeof TRAIN_CHECKPOINT_FORMAT;
  version: 1;
  /** The pipeline/stage fingerprint given by the caller (e.g. the stage's IR hash). */
  fingerprint: string;
  /** Settings an exact resume depends on (batching, optimiser, schedule, data, objective…). */
  settings: Record<string, unknown>;
  /** Optimizer steps completed. */
  step: number;
  /** Where the next step's data starts. */
  position: DataPosition;
  /** Random streams: the data order is a function of (seed, epoch); the model's dropout. */
  rng: { seed: number; model: Record<string, RngState> | null };
  schedule: ResolvedSchedule & { lr: number };
  earlyStopping: EarlyStoppingState;
  /** The last evaluation, if any. */
  lastEval: Record<string, number> | null;
  /** Set when the run ended (early stopping or its last step): a resume has nothing to do. */
  finished: "completed" | "early_stop" | null;
  parameters: { name: string; shape: number[] }[];
  optimizer: {
    kind: string;
    step: number;
    hyper: Record<string, number | boolean>;
    shapes: number[][];
    slots: (string[] | null)[];
  };
}

export interface CheckpointContents {
  state: TrainerState;
  parameters: Map<string, Float32Array>;
  optimizer: OptimizerStateDict;
}

/** Test hook: called before each file of a checkpoint is written (throw to simulate a crash). */
export type BeforeWriteHook = (file: string) => void;

export function checkpointName(step: number): string {
  return `checkpoint-${String(step).padStart(8, "0")}`;
}

/** Complete checkpoints in `dir`, oldest first. */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: NAME.exec(name) }))
    .filter(({ name, m }) => m && fs.existsSync(path.join(dir, name, STATE_FILE)))
    .map(({ name, m }) => ({ step: Number(m![1]), path: path.join(dir, name) }))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(dir: string): string | null {
  const all = listCheckpoints(dir);
  return all.length ? all[all.length - 1].path : null;
}

function writeDurably(file: string, bytes: Uint8Array | string, hook?: BeforeWriteHook): void {
  hook?.(file);
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function stateTensor(arr: StateArray): TensorToWrite {
  return arr instanceof Float32Array
    ? { dtype: "F32", shape: [arr.length], data: arr }
    : { dtype: "U8", shape: [arr.length], data: arr };
}

/** Writes checkpoint `step` atomically and prunes to the newest `keepLast` (0 = keep all). */
export function writeTrainCheckpoint(
  dir: string,
  contents: CheckpointContents,
  options: { keepLast?: number; beforeWrite?: BeforeWriteHook } = {},
): string {
  fs.mkdirSync(dir, { recursive: true });
  sweepTemporaries(dir);
  const { state, parameters, optimizer } = contents;
  const final = path.join(dir, checkpointName(state.step));
  const tmp = path.join(dir, `.tmp-${checkpointName(state.step)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);

  const model = new Map<string, TensorToWrite>();
  for (const p of state.parameters) {
    const values = parameters.get(p.name);
    if (!values) throw new Error(`writeTrainCheckpoint: no values for parameter ${p.name}`);
    model.set(p.name, { dtype: "F32", shape: p.shape, data: values });
  }
  const optim = new Map<string, TensorToWrite>();
  optimizer.slots.forEach((slot, i) => {
    if (slot) for (const [k, arr] of Object.entries(slot)) optim.set(`${i}.${k}`, stateTensor(arr));
  });
  writeDurably(path.join(tmp, MODEL_FILE), serializeSafetensors(model), options.beforeWrite);
  writeDurably(path.join(tmp, OPTIMIZER_FILE), serializeSafetensors(optim), options.beforeWrite);
  writeDurably(
    path.join(tmp, STATE_FILE),
    JSON.stringify(state, null, 2) + "\n",
    options.beforeWrite,
  );
  options.beforeWrite?.(final);

  if (fs.existsSync(final)) {
    // Rewriting a step (a resumed run passing an older checkpoint's step): move the old one
    // aside first; newer and older checkpoints stay valid throughout.
    const old = path.join(dir, `.old-${checkpointName(state.step)}-${process.pid}`);
    fs.renameSync(final, old);
    fs.renameSync(tmp, final);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, final);
  }
  if (options.keepLast && options.keepLast > 0) {
    const all = listCheckpoints(dir);
    for (const c of all.slice(0, Math.max(0, all.length - options.keepLast))) {
      fs.rmSync(c.path, { recursive: true, force: true });
    }
  }
  return final;
}

/**
 * Removes temporary directories left by an interrupted write — only those of processes that
 * are gone (the pid is part of the name), so a second run writing into the same folder does not
 * lose a write in progress.
 */
function sweepTemporaries(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const m = /^\.(?:tmp|old)-checkpoint-\d+-(\d+)$/.exec(name);
    if (m && (Number(m[1]) === process.pid || !processAlive(Number(m[1])))) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function corrupt(where: string, what: string): PipeError {
  return new PipeError(
    "PW8005",
    `checkpoint ${where} is unusable: ${what}`,
    { path: where },
    "delete this checkpoint directory to resume from the previous one, or start without resume",
  );
}

/**
 * Reads a checkpoint directory (PW8005 when something is missing or malformed). `check` sees
 * the state before any tensor is read, so a foreign checkpoint is refused as foreign (PW8004)
 * rather than as one whose tensors do not fit.
 */
export function readTrainCheckpoint(
  dir: string,
  check?: (state: TrainerState) => void,
): CheckpointContents {
  const stateFile = path.join(dir, STATE_FILE);
  if (!fs.existsSync(stateFile)) throw corrupt(dir, `${STATE_FILE} is missing`);
  let state: TrainerState;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as TrainerState;
  } catch (err) {
    throw corrupt(dir, `${STATE_FILE} is not valid JSON (${(err as Error).message})`);
  }
  if (state?.format !== TRAIN_CHECKPOINT_FORMAT || state.version !== 1) {
    throw corrupt(dir, `${STATE_FILE} is not a Pipewright training checkpoint (version 1)`);
  }
  check?.(state);
  const read = (file: string) => {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw corrupt(dir, `${file} is missing`);
    try {
      return readSafetensorsHeader(full);
    } catch (err) {
      throw corrupt(dir, `${file}: ${(err as Error).message}`);
    }
  };
  const modelHeader = read(MODEL_FILE);
  const parameters = new Map<string, Float32Array>();
  for (const p of state.parameters) {
    const info = modelHeader.tensors.get(p.name);
    if (!info || info.dtype !== "F32" || info.shape.join() !== p.shape.join()) {
      throw corrupt(dir, `${MODEL_FILE} lacks F32 [${p.shape.join(", ")}] tensor \`${p.name}\``);
    }
    parameters.set(p.name, readTensor(modelHeader, p.name).data as Float32Array);
  }
  const optimHeader = read(OPTIMIZER_FILE);
  const o = state.optimizer;
  const slots = o.slots.map((names, i) => {
    if (!names) return null;
    const out: Record<string, StateArray> = {};
    for (const k of names) {
      const name = `${i}.${k}`;
      const info = optimHeader.tensors.get(name);
      if (!info || (info.dtype !== "F32" && info.dtype !== "U8")) {
        throw corrupt(dir, `${OPTIMIZER_FILE} lacks state tensor \`${name}\``);
      }
      out[k] = readTensor(optimHeader, name).data as Float32Array | Uint8Array;
    }
    return out;
  });
  return {
    state,
    parameters,
    optimizer: { kind: o.kind, version: 1, step: o.step, hyper: o.hyper, shapes: o.shapes, slots },
  };
}

/** The first setting that differs, as "key: saved → now", or undefined. */
export function firstDifference(
  saved: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
): string | undefined {
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  for (const k of [...keys].sort()) {
    const a = JSON.stringify(saved[k]);
    const b = JSON.stringify(now[k]);
    if (a !== b) return `${k}: ${a ?? "(none)"} in the checkpoint, ${b ?? "(none)"} now`;
  }
  return undefined;
}

/** Refuses a checkpoint of another pipeline/stage or training setup (PW8004). */
export function checkCompatible(
  where: string,
  state: TrainerState,
  fingerprint: string,
  settings: Readonly<Record<string, unknown>>,
): void {
  const hint =
    "resume with the pipeline and stage that wrote it, or write this run's checkpoints to another folder";
  if (state.fingerprint !== fingerprint) {
    throw new PipeError(
      "PW8004",
      `checkpoint ${where} belongs to another pipeline or stage (fingerprint ${short(state.fingerprint)}, this stage ${short(fingerprint)})`,
      { path: where },
      hint,
    );
  }
  const diff = firstDifference(state.settings, settings);
  if (diff) {
    throw new PipeError(
      "PW8004",
      `checkpoint ${where} was written with other training settings (${diff}); an exact resume needs the same ones`,
      { path: where },
      hint,
    );
  }
}

const short = (s: string) => (s.length > 16 ? `${s.slice(0, 16)}…` : s);
