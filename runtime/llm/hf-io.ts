/**
 * Hugging Face model directories ↔ LlamaModel: `config.json`, `model.safetensors` or shards with
 * `model.safetensors.index.json` (F32/F16/BF16), `tokenizer.json` (+ its config files).
 *
 * Loading validates the directory with the compiler's model-dir check first, so a bad
 * directory fails with the same PipeError (code, tensor, file) that `pipe check` reports.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../compiler/diagnostics/codes/world.js";
import { inspectModelDir } from "../../compiler/world/model-dir.js";
import type { LlamaArchitecture } from "../../compiler/world/llama-config.js";
import type { WorldIssue } from "../../compiler/world/world-issue.js";
import {
  openModelWeights,
  readModelTensor,
  SHARD_INDEX_FILE,
  SINGLE_WEIGHTS_FILE,
} from "../io/safetensors-index.js";
import {
  floatTensor,
  tensorToFloat32,
  writeSafetensors,
  type TensorToWrite,
} from "../io/safetensors.js";
import { Tokenizer } from "../tokenizer/tokenizer.js";
import type { Backend } from "../backend/backend.js";
import { LlamaModel } from "./model.js";

export type SaveDtype = "f32" | "f16" | "bf16";

export interface LoadOptions {
  backend?: Backend;
  /** Base parameters get `requiresGrad` (full fine-tuning). Default false. */
  trainable?: boolean;
  /** Load tokenizer.json when the directory has one (default true). */
  tokenizer?: boolean;
}

export interface SaveOptions {
  /** On-disk dtype of the weights (default f32). */
  dtype?: SaveDtype;
  /** Split into shards of at most this many bytes (+ index); default: one file. */
  maxShardBytes?: number;
  /** Copy tokenizer files from here (default: the directory the model was loaded from). */
  tokenizerDir?: string;
}

/** The files copied next to the weights when present. */
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
  "generation_config.json",
] as const;

const TORCH_DTYPE: Record<SaveDtype, string> = {
  f32: "float32",
  f16: "float16",
  bf16: "bfloat16",
};
const ST_DTYPE: Record<SaveDtype, "F32" | "F16" | "BF16"> = {
  f32: "F32",
  f16: "F16",
  bf16: "BF16",
};

function issueError(issue: WorldIssue, more: number): PipeError {
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : "";
  return new PipeError(
    issue.code,
    issue.message + suffix,
    issue.path !== undefined ? { path: issue.path } : {},
    issue.hint,
  );
}

/** Loads a Hugging Face Llama/Mistral/Qwen2/Qwen3 directory. */
export function loadLlama(dir: string, options: LoadOptions = {}): LlamaModel {
  const inspection = inspectModelDir(dir, { readHeaders: true });
  const errors = inspection.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) throw issueError(errors[0], errors.length - 1);
  const arch = inspection.arch!;
  if (inspection.weights.format === "none") {
    throw new PipeError(
      WORLD.modelWeightsMissing,
      `${dir}: no ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE}: there are no weights to load`,
      { path: dir },
      "declare the model inline (random init) to pre-train it, or add the weights",
    );
  }
  const weights = openModelWeights(dir);
  const configJson = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const model = new LlamaModel(
    arch,
    (name, shape) => {
      const t = readModelTensor(weights, name);
      const located = weights.tensors.get(name)!;
      if (t.shape.join() !== shape.join()) {
        throw new PipeError(
          WORLD.modelShapeMismatch,
          `${located.file}: tensor \`${name}\` has shape [${t.shape.join(", ")}] but config.json implies [${shape.join(", ")}]`,
          { path: located.file },
        );
      }
      return tensorToFloat32(t);
    },
    {
      ...(options.backend ? { backend: options.backend } : {}),
      trainable: options.trainable ?? false,
    },
  );
  model.sourceDir = dir;
  model.configJson = configJson;
  if ((options.tokenizer ?? true) && fs.existsSync(path.join(dir, "tokenizer.json"))) {
    model.tokenizer = Tokenizer.load(dir);
  }
  model.eosTokenIds = eosIds(dir, configJson, model.tokenizer);
  return model;
}

function asIds(v: unknown): number[] | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  return undefined;
}

/** EOS ids: generation_config.json, then config.json, then the tokenizer's EOS. */
function eosIds(dir: string, config: Record<string, unknown>, tok?: Tokenizer): number[] {
  const gen = path.join(dir, "generation_config.json");
  if (fs.existsSync(gen)) {
    try {
      const ids = asIds(
        (JSON.parse(fs.readFileSync(gen, "utf8")) as Record<string, unknown>).eos_token_id,
      );
      if (ids) return ids;
    } catch {
      // a broken generation_config.json only loses the generation defaults
    }
  }
  return asIds(config.eos_token_id) ?? (tok?.eosId !== undefined ? [tok.eosId] : []);
}

const ARCHITECTURE: Record<string, string> = {
  llama: "LlamaForCausalLM",
  mistral: "MistralForCausalLM",
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
};

/** config.json for an architecture (used for inline models; loaded ones keep their own). */
export function hfConfigJson(
  arch: LlamaArchitecture,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    architectures: [ARCHITECTURE[arch.family] ?? "LlamaForCausalLM"],
    model_type: arch.modelType,
    hidden_size: arch.hiddenSize,
    intermediate_size: arch.intermediateSize,
    num_hidden_layers: arch.numHiddenLayers,
    num_attention_heads: arch.numAttentionHeads,
    num_key_value_heads: arch.numKeyValueHeads,
    head_dim: arch.headDim,
    vocab_size: arch.vocabSize,
    tie_word_embeddings: arch.tieWordEmbeddings,
    rope_theta: arch.ropeTheta,
    rms_norm_eps: arch.rmsNormEps,
    max_position_embeddings: arch.maxPositionEmbeddings,
    hidden_act: "silu",
    initializer_range: 0.02,
    ...(arch.family === "llama"
      ? { attention_bias: arch.qkvBias, mlp_bias: arch.mlpBias }
      : arch.family === "qwen3"
        ? { attention_bias: arch.qkvBias }
        : {}),
    ...extra,
  };
}

export interface HostTensor {
  values: Float32Array;
  shape: number[];
}

/** Writes the weights of `model` (Hugging Face names) as a full directory. */
export async function saveLlama(
  model: LlamaModel,
  dir: string,
  options: SaveOptions = {},
): Promise<void> {
  if (model.adapterConfigs.length > 0 || model.linears().some((l) => l.nf4)) {
    throw new Error(
      "saveLlama: the model has adapters or quantised weights; use saveMerged (merged weights) or exportPeftAdapter",
    );
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of model.baseParameters()) {
    tensors.set(name, { values: await t.toFloat32Array(), shape: [...t.shape] });
  }
  writeHfDirectory(model, dir, tensors, options);
}

/** Writes config.json, the weights (single file or shards + index) and tokenizer files. */
export function writeHfDirectory(
  model: LlamaModel,
  dir: string,
  tensors: ReadonlyMap<string, HostTensor>,
  options: SaveOptions = {},
): void {
  const dtype = options.dtype ?? "f32";
  fs.mkdirSync(dir, { recursive: true });
  const eos = model.eosTokenIds;
  const config = model.configJson
    ? { ...model.configJson }
    : hfConfigJson(model.arch, {
        ...(model.tokenizer?.bosId !== undefined ? { bos_token_id: model.tokenizer.bosId } : {}),
        ...(eos.length ? { eos_token_id: eos.length === 1 ? eos[0] : eos } : {}),
      });
  config.torch_dtype = TORCH_DTYPE[dtype];
  delete config.dtype;
  writeJsonAtomic(path.join(dir, "config.json"), config);

  const encoded: [string, TensorToWrite][] = [...tensors].map(([name, t]) => [
    name,
    floatTensor(t.values, t.shape, ST_DTYPE[dtype]),
  ]);
  const shards = splitShards(encoded, options.maxShardBytes);
  removeStaleWeights(dir);
  if (shards.length === 1) {
    writeSafetensors(path.join(dir, SINGLE_WEIGHTS_FILE), new Map(shards[0]), { format: "pt" });
  } else {
    const weightMap: Record<string, string> = {};
    let total = 0;
    shards.forEach((shard, i) => {
      const file = `model-${String(i + 1).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.safetensors`;
      writeSafetensors(path.join(dir, file), new Map(shard), { format: "pt" });
      for (const [name, t] of shard) {
        weightMap[name] = file;
        total += t.data.byteLength;
      }
    });
    writeJsonAtomic(path.join(dir, SHARD_INDEX_FILE), {
      metadata: { total_size: total },
      weight_map: weightMap,
    });
  }

  const from = options.tokenizerDir ?? model.sourceDir;
  if (from && path.resolve(from) !== path.resolve(dir)) {
    for (const f of TOKENIZER_FILES) {
      const src = path.join(from, f);
      if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dir, f));
    }
  }
}

function splitShards(
  tensors: [string, TensorToWrite][],
  maxBytes: number | undefined,
): [string, TensorToWrite][][] {
  if (!maxBytes) return [tensors];
  const shards: [string, TensorToWrite][][] = [];
  let current: [string, TensorToWrite][] = [];
  let bytes = 0;
  for (const entry of tensors) {
    const size = entry[1].data.byteLength;
    if (current.length > 0 && bytes + size > maxBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/** A re-save must not leave an old single file next to a new index (or the reverse). */
function removeStaleWeights(dir: string): void {
  for (const f of fs.readdirSync(dir)) {
    if (
      f === SINGLE_WEIGHTS_FILE ||
      f === SHARD_INDEX_FILE ||
      /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)
    ) {
      fs.rmSync(path.join(dir, f));
    }
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}
