/**
 * Hugging Face model weights on disk: a single `model.safetensors`, or shards listed by
 * `model.safetensors.index.json` (`{ "metadata": {...}, "weight_map": { tensor: shard } }`).
 * Answers which file holds each tensor, and reads headers / tensors through that map.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../compiler/diagnostics/codes/world.js";
import {
  readSafetensorsHeader,
  readTensor,
  type SafetensorsHeader,
  type TensorData,
  type TensorInfo,
} from "./safetensors.js";

export const SINGLE_WEIGHTS_FILE = "model.safetensors";
export const SHARD_INDEX_FILE = "model.safetensors.index.json";

export interface ShardIndex {
  path: string;
  /** The index's `metadata` object (e.g. `total_size`), untouched. */
  metadata: Record<string, unknown>;
  /** Tensor name → shard file name, relative to the index's directory. */
  weightMap: Map<string, string>;
  /** Distinct shard file names in first-appearance order. */
  shards: string[];
}

function indexError(file: string, message: string): PipeError {
  return new PipeError(
    WORLD.safetensorsIndexInvalid,
    `${file}: ${message}`,
    { path: file },
    "regenerate the index (save_pretrained writes it) or download it again",
  );
}

/** Reads and validates `model.safetensors.index.json`. Does not open the shards. */
export function readShardIndex(file: string): ShardIndex {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PipeError(
      WORLD.safetensorsUnreadable,
      `${file}: cannot read (${e.code === "ENOENT" ? "no such file" : e.message})`,
      { path: file },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw indexError(file, `not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw indexError(file, "not a JSON object");
  }
  const { metadata, weight_map: weightMap } = json as Record<string, unknown>;
  if (weightMap === null || typeof weightMap !== "object" || Array.isArray(weightMap)) {
    throw indexError(file, "has no `weight_map` object");
  }
  const map = new Map<string, string>();
  const shards: string[] = [];
  const seen = new Set<string>();
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== "string" || shard.length === 0) {
      throw indexError(file, `weight_map entry \`${tensor}\` is not a file name`);
    }
    // Shards live beside the index: refuse paths that escape the model directory.
    if (path.isAbsolute(shard) || shard.split(/[\\/]/).includes("..")) {
      throw indexError(
        file,
        `weight_map entry \`${tensor}\` points outside the model directory: ${shard}`,
      );
    }
    map.set(tensor, shard);
    if (!seen.has(shard)) {
      seen.add(shard);
      shards.push(shard);
    }
  }
  const meta =
    metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
      ? (metadata as Record<string, unknown>)
      : {};
  return { path: file, metadata: meta, weightMap: map, shards };
}

export type WeightsLayout =
  | { format: "single"; dir: string; files: string[] }
  | { format: "sharded"; dir: string; indexPath: string; files: string[] }
  | { format: "none"; dir: string; files: []; otherSafetensors: string[] };

/**
 * Where the weights of a model directory are, as transformers looks for them: `model.safetensors`
 * first, then the shard index. Reads the index (not the shards). `otherSafetensors` lists any
 * other `*.safetensors` files when neither exists, for a helpful message.
 */
export function locateWeights(dir: string): WeightsLayout {
  const single = path.join(dir, SINGLE_WEIGHTS_FILE);
  if (fs.existsSync(single)) return { format: "single", dir, files: [single] };
  const indexPath = path.join(dir, SHARD_INDEX_FILE);
  if (fs.existsSync(indexPath)) {
    const index = readShardIndex(indexPath);
    return { format: "sharded", dir, indexPath, files: index.shards.map((s) => path.join(dir, s)) };
  }
  let others: string[] = [];
  try {
    others = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".safetensors"))
      .sort();
  } catch {
    // a missing directory is reported by the caller
  }
  return { format: "none", dir, files: [], otherSafetensors: others };
}

export interface LocatedTensor extends TensorInfo {
  /** Absolute path of the file that holds the tensor. */
  file: string;
}

export interface ModelWeights {
  dir: string;
  format: "single" | "sharded";
  indexPath?: string;
  headers: Map<string, SafetensorsHeader>;
  tensors: Map<string, LocatedTensor>;
}

/**
 * Opens a model's weights: reads the index (if sharded) and every shard header, and checks
 * that the index and the headers agree. Throws the first problem as a PipeError (the compiler's
 * model-dir check collects all of them instead).
 */
export function openModelWeights(dir: string): ModelWeights {
  const layout = locateWeights(dir);
  if (layout.format === "none") {
    throw new PipeError(
      WORLD.safetensorsUnreadable,
      `${dir}: no ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE}`,
      { path: dir },
      layout.otherSafetensors.length > 0
        ? `found ${layout.otherSafetensors.join(", ")}; rename the weights to ${SINGLE_WEIGHTS_FILE}`
        : undefined,
    );
  }
  const headers = new Map<string, SafetensorsHeader>();
  const tensors = new Map<string, LocatedTensor>();
  if (layout.format === "single") {
    const header = readSafetensorsHeader(layout.files[0]);
    headers.set(header.path, header);
    for (const t of header.tensors.values()) tensors.set(t.name, { ...t, file: header.path });
    return { dir, format: "single", headers, tensors };
  }
  const index = readShardIndex(layout.indexPath);
  for (const shard of index.shards) {
    const file = path.join(dir, shard);
    if (!fs.existsSync(file)) throw shardMissing(index, shard, file);
    headers.set(file, readSafetensorsHeader(file));
  }
  for (const [tensor, shard] of index.weightMap) {
    const file = path.join(dir, shard);
    const info = headers.get(file)!.tensors.get(tensor);
    if (!info) {
      throw indexError(index.path, `maps \`${tensor}\` to ${shard}, whose header does not hold it`);
    }
    tensors.set(tensor, { ...info, file });
  }
  for (const [file, header] of headers) {
    for (const name of header.tensors.keys()) {
      if (!index.weightMap.has(name)) {
        throw indexError(
          index.path,
          `${path.basename(file)} holds \`${name}\`, which weight_map does not list`,
        );
      }
    }
  }
  return { dir, format: "sharded", indexPath: index.path, headers, tensors };
}

export function shardMissing(index: ShardIndex, shard: string, file: string): PipeError {
  const held = [...index.weightMap].filter(([, s]) => s === shard).map(([t]) => t);
  return new PipeError(
    WORLD.safetensorsShardMissing,
    `${file}: shard listed in ${path.basename(index.path)} does not exist ` +
      `(it should hold ${held.length} tensor${held.length === 1 ? "" : "s"}, e.g. \`${held[0]}\`)`,
    { path: file },
    "the download is incomplete; fetch the missing shard",
  );
}

/** Reads one tensor from whichever file holds it. */
export function readModelTensor(weights: ModelWeights, name: string): TensorData {
  const located = weights.tensors.get(name);
  if (!located) {
    throw new PipeError(
      WORLD.safetensorsTensorNotFound,
      `${weights.indexPath ?? [...weights.headers.keys()][0]}: no tensor named \`${name}\``,
      { path: weights.indexPath ?? [...weights.headers.keys()][0] },
    );
  }
  return readTensor(weights.headers.get(located.file)!, name);
}
