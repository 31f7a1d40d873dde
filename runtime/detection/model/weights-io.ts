/**
 * A detector on disk — a weights directory:
 *   detector.json      the architecture (DetectorModelConfig) plus optional training notes
 *   model.safetensors  every named tensor (parameters and BatchNorm running statistics), F32
 * Both are written atomically (temporary file, then rename). Loading checks the directory, the
 * JSON, and every tensor's presence and shape against the architecture, with a located error.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../../compiler/diagnostics/codes/world.js";
import type { Backend } from "../../backend/backend.js";
import {
  floatTensor,
  readSafetensorsHeader,
  readTensorAsFloat32,
  writeSafetensors,
  type TensorToWrite,
} from "../../io/safetensors.js";
import { checkDetectorConfig, type DetectorModelConfig } from "./config.js";
import { Detector } from "./detector.js";
import { tensorSpecs } from "./params.js";

export const CONFIG_FILE = "detector.json";
export const WEIGHTS_FILE = "model.safetensors";

/** Writes `text` to `file` atomically (temporary file in the same folder, then rename). */
export function writeFileAtomic(file: string, text: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The safetensors entries of a detector's values (spec order; F32). */
export function detectorTensors(
  config: DetectorModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  prefix = "",
): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const s of tensorSpecs(config)) {
    const v = values.get(s.name);
    if (!v) throw new Error(`internal: no value for ${s.name}`);
    out.set(prefix + s.name, floatTensor(v, s.shape));
  }
  return out;
}

/** Save a weights directory from host values. `notes` go into detector.json under `training`. */
export function saveDetectorValues(
  dir: string,
  config: DetectorModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  notes?: Record<string, unknown>,
): void {
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, WEIGHTS_FILE), detectorTensors(config, values), {
    format: config.format,
    version: String(config.version),
  });
  writeFileAtomic(
    join(dir, CONFIG_FILE),
    JSON.stringify({ ...config, ...(notes ? { training: notes } : {}) }, null, 2) + "\n",
  );
}

export async function saveDetector(
  dir: string,
  detector: Detector,
  notes?: Record<string, unknown>,
): Promise<void> {
  saveDetectorValues(dir, detector.config, await detector.values(), notes);
}

/** Read and check `detector.json` in a weights directory. */
export function readDetectorConfig(dir: string): DetectorModelConfig {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PipeError(
      WORLD.modelDirMissing,
      `weights directory ${dir} does not exist${existsSync(dir) ? " (it is a file)" : ""}`,
      { path: dir },
      "pass the folder that holds detector.json and model.safetensors (e.g. out/weights/best)",
    );
  }
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) {
    throw new PipeError(
      WORLD.modelConfigMissing,
      `weights directory ${dir} has no ${CONFIG_FILE}`,
      { path: file },
      "a detector trained by `pipe run` or scripts/train-defects.ts writes it next to model.safetensors",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PipeError(
      WORLD.modelConfigInvalid,
      `${CONFIG_FILE} is not valid JSON: ${(err as Error).message}`,
      { path: file },
    );
  }
  const problems = checkDetectorConfig(raw);
  if (problems.length)
    throw new PipeError(
      WORLD.modelConfigInvalid,
      `${CONFIG_FILE}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      { path: file },
    );
  const { training: _t, ...config } = raw as DetectorModelConfig & { training?: unknown };
  return config as DetectorModelConfig;
}

/** Host values of every tensor in a weights directory, checked against its config. */
export function readDetectorValues(
  dir: string,
  config: DetectorModelConfig,
  file = join(dir, WEIGHTS_FILE),
  prefix = "",
): Map<string, Float32Array> {
  if (!existsSync(file))
    throw new PipeError(
      WORLD.modelTensorMissing,
      `weights directory ${dir} has no ${WEIGHTS_FILE}`,
      { path: file },
    );
  const header = readSafetensorsHeader(file);
  const values = new Map<string, Float32Array>();
  for (const s of tensorSpecs(config)) {
    const info = header.tensors.get(prefix + s.name);
    if (!info)
      throw new PipeError(
        WORLD.modelTensorMissing,
        `${file}: tensor ${prefix + s.name} is missing`,
        { path: file },
        "the weights do not belong to this detector.json (different width, depth or classes?)",
      );
    if (info.shape.length !== s.shape.length || info.shape.some((d, i) => d !== s.shape[i])) {
      throw new PipeError(
        WORLD.modelShapeMismatch,
        `${file}: tensor ${prefix + s.name} is [${info.shape.join(", ")}], detector.json needs [${s.shape.join(", ")}]`,
        { path: file },
      );
    }
    values.set(s.name, readTensorAsFloat32(header, prefix + s.name));
  }
  return values;
}

/** Load a weights directory onto `backend`. */
export function loadDetector(dir: string, backend: Backend): Detector {
  const config = readDetectorConfig(dir);
  return Detector.fromValues(config, readDetectorValues(dir, config), backend);
}
