/**
 * Inspects a Hugging Face-style model directory (config.json, model.safetensors or shards with
 * model.safetensors.index.json, tokenizer.json) without reading weight data: the architecture,
 * its linear modules, and whether the safetensors headers agree with config.json.
 *
 * Works from config.json alone (planning before downloading weights): missing weights are a
 * warning, not an error. Never throws for user mistakes: every problem becomes a WorldIssue.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { WORLD } from "../diagnostics/codes/world.js";
import {
  locateWeights,
  readShardIndex,
  shardMissing,
  type LocatedTensor,
  SINGLE_WEIGHTS_FILE,
  SHARD_INDEX_FILE,
  type WeightsLayout,
} from "../../runtime/io/safetensors-index.js";
import { readSafetensorsHeader, type SafetensorsHeader } from "../../runtime/io/safetensors.js";
import {
  expectedTensors,
  linearModules,
  parseLlamaConfig,
  type ExpectedTensor,
  type LinearModule,
  type LlamaArchitecture,
} from "./llama-config.js";
import {
  checkTokenizerFitsVocab,
  readTokenizerInfo,
  type TokenizerInfo,
} from "./tokenizer-info.js";
import { collectPipeError, type WorldIssue } from "./world-issue.js";

export interface InspectOptions {
  /** Read the safetensors headers and compare them with config.json (default true). */
  readHeaders?: boolean;
  /** Read tokenizer.json / tokenizer_config.json (default false). */
  readTokenizer?: boolean;
}

export interface ShapeMismatch {
  tensor: string;
  file: string;
  expected: number[];
  actual: number[];
}

export interface ModelDirInspection {
  dir: string;
  configPath: string;
  arch?: LlamaArchitecture;
  /** Linear modules implied by config.json (empty without a valid config). */
  modules: LinearModule[];
  weights: {
    format: WeightsLayout["format"];
    files: string[];
    indexPath?: string;
    headersRead: boolean;
    /** Tensors found in the headers, with the file that holds each. */
    tensors: Map<string, LocatedTensor>;
  };
  shapeMismatches: ShapeMismatch[];
  missingTensors: ExpectedTensor[];
  unexpectedTensors: LocatedTensor[];
  tokenizer?: TokenizerInfo;
  issues: WorldIssue[];
}

/** How many individual shape/missing-tensor issues to emit before summarising the rest. */
const ISSUE_CAP = 20;
/** Buffers some old checkpoints saved; not parameters. */
const IGNORED_TENSOR = /\.rotary_emb\.inv_freq$/;

export function inspectModelDir(dir: string, options: InspectOptions = {}): ModelDirInspection {
  const { readHeaders = true, readTokenizer = false } = options;
  const configPath = path.join(dir, "config.json");
  const result: ModelDirInspection = {
    dir,
    configPath,
    modules: [],
    weights: { format: "none", files: [], headersRead: false, tensors: new Map() },
    shapeMismatches: [],
    missingTensors: [],
    unexpectedTensors: [],
    issues: [],
  };
  const issues = result.issues;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    stat = undefined;
  }
  if (!stat?.isDirectory()) {
    issues.push({
      code: WORLD.modelDirMissing,
      severity: "error",
      message: `${dir}: ${stat ? "is not a directory" : "no such model directory"}`,
      hint: "a model directory holds config.json, model.safetensors (or shards) and tokenizer.json",
      path: dir,
    });
    return result;
  }

  // config.json
  if (!fs.existsSync(configPath)) {
    issues.push({
      code: WORLD.modelConfigMissing,
      severity: "error",
      message: `${configPath}: no config.json in the model directory`,
      hint: "copy the model's config.json (it describes the architecture)",
      path: configPath,
    });
  } else {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(configPath, "utf8"));
    } catch (err) {
      issues.push({
        code: WORLD.modelConfigInvalid,
        severity: "error",
        message: `${configPath}: not valid JSON (${(err as Error).message})`,
        path: configPath,
      });
    }
    if (json !== undefined) {
      const parsed = parseLlamaConfig(json, configPath);
      issues.push(...parsed.issues);
      if (parsed.arch) {
        result.arch = parsed.arch;
        result.modules = linearModules(parsed.arch);
      }
    }
  }

  // Weights
  let unavailable = new Set<string>();
  const layout = collectPipeError(issues, () => locateWeights(dir));
  if (layout) {
    result.weights.format = layout.format;
    result.weights.files = layout.files;
    if (layout.format === "sharded") result.weights.indexPath = layout.indexPath;
    if (layout.format === "none") {
      issues.push({
        code: WORLD.modelWeightsMissing,
        severity: "warning",
        message: `${dir}: no ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE}; checks and estimates use config.json only`,
        ...(layout.otherSafetensors.length
          ? {
              hint: `found ${layout.otherSafetensors.join(", ")}; Hugging Face expects ${SINGLE_WEIGHTS_FILE}`,
            }
          : {}),
        path: dir,
      });
    } else if (readHeaders) {
      unavailable = readWeightHeaders(layout, result);
    }
  }
  if (result.arch && result.weights.headersRead)
    compareWithConfig(result.arch, result, unavailable);

  if (readTokenizer) {
    const tok = readTokenizerInfo(dir);
    issues.push(...tok.issues);
    if (tok.info) {
      result.tokenizer = tok.info;
      if (result.arch) issues.push(...checkTokenizerFitsVocab(tok.info, result.arch.vocabSize));
    }
  }
  return result;
}

/** Reads the headers into `result`; returns the tensors whose shard is missing or unreadable. */
function readWeightHeaders(
  layout: Exclude<WeightsLayout, { format: "none" }>,
  result: ModelDirInspection,
): Set<string> {
  const issues = result.issues;
  const headers = new Map<string, SafetensorsHeader>();
  /** Tensors whose shard is missing or unreadable: not reported again as missing. */
  const unavailable = new Set<string>();
  if (layout.format === "single") {
    const header = collectPipeError(issues, () => readSafetensorsHeader(layout.files[0]));
    if (!header) return unavailable;
    headers.set(header.path, header);
    for (const t of header.tensors.values())
      result.weights.tensors.set(t.name, { ...t, file: header.path });
    result.weights.headersRead = true;
    return unavailable;
  }
  const index = collectPipeError(issues, () => readShardIndex(layout.indexPath));
  if (!index) return unavailable;
  for (const shard of index.shards) {
    const file = path.join(layout.dir, shard);
    if (!fs.existsSync(file)) {
      const err = shardMissing(index, shard, file);
      issues.push({
        code: err.code,
        severity: "error",
        message: err.message,
        hint: err.hint!,
        path: file,
      });
      continue;
    }
    const header = collectPipeError(issues, () => readSafetensorsHeader(file));
    if (header) headers.set(file, header);
  }
  for (const [tensor, shard] of index.weightMap) {
    const file = path.join(layout.dir, shard);
    const header = headers.get(file);
    if (!header) {
      unavailable.add(tensor);
      continue;
    }
    const info = header.tensors.get(tensor);
    if (!info) {
      issues.push({
        code: WORLD.safetensorsIndexInvalid,
        severity: "error",
        message: `${index.path}: maps \`${tensor}\` to ${shard}, whose header does not hold it`,
        path: index.path,
        subject: tensor,
      });
      unavailable.add(tensor);
      continue;
    }
    result.weights.tensors.set(tensor, { ...info, file });
  }
  for (const [file, header] of headers) {
    const unlisted = [...header.tensors.keys()].filter((n) => !index.weightMap.has(n));
    if (unlisted.length > 0) {
      issues.push({
        code: WORLD.safetensorsIndexInvalid,
        severity: "error",
        message:
          `${index.path}: ${path.basename(file)} holds ${unlisted.length} tensor(s) that weight_map ` +
          `does not list, e.g. \`${unlisted[0]}\``,
        path: index.path,
        subject: unlisted[0],
      });
    }
  }
  result.weights.headersRead = true;
  return unavailable;
}

/** Which config.json fields a tensor's shape comes from, for the hint. */
function shapeSource(t: ExpectedTensor): string {
  switch (t.module) {
    case "q_proj":
      return t.role === "bias"
        ? "[num_attention_heads × head_dim]"
        : "[num_attention_heads × head_dim, hidden_size]";
    case "k_proj":
    case "v_proj":
      return t.role === "bias"
        ? "[num_key_value_heads × head_dim]"
        : "[num_key_value_heads × head_dim, hidden_size]";
    case "o_proj":
      return t.role === "bias" ? "[hidden_size]" : "[hidden_size, num_attention_heads × head_dim]";
    case "gate_proj":
    case "up_proj":
      return t.role === "bias" ? "[intermediate_size]" : "[intermediate_size, hidden_size]";
    case "down_proj":
      return t.role === "bias" ? "[hidden_size]" : "[hidden_size, intermediate_size]";
    case "embed_tokens":
    case "lm_head":
      return "[vocab_size, hidden_size]";
    case "q_norm":
    case "k_norm":
      return "[head_dim]";
    default:
      return "[hidden_size]";
  }
}

const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function compareWithConfig(
  arch: LlamaArchitecture,
  result: ModelDirInspection,
  unavailable: ReadonlySet<string>,
): void {
  const issues = result.issues;
  const found = result.weights.tensors;
  const expected = expectedTensors(arch);
  if (arch.tieWordEmbeddings && found.has("lm_head.weight")) {
    // A tied checkpoint may still carry the (identical) output weight; check its shape too.
    expected.push({
      name: "lm_head.weight",
      shape: [arch.vocabSize, arch.hiddenSize],
      role: "embedding",
      module: "lm_head",
    });
  }
  const expectedNames = new Set(expected.map((t) => t.name));
  for (const t of expected) {
    const actual = found.get(t.name);
    if (!actual) {
      if (!unavailable.has(t.name)) result.missingTensors.push(t);
      continue;
    }
    if (!sameShape(actual.shape, t.shape)) {
      result.shapeMismatches.push({
        tensor: t.name,
        file: actual.file,
        expected: t.shape,
        actual: actual.shape,
      });
      if (result.shapeMismatches.length <= ISSUE_CAP) {
        issues.push({
          code: WORLD.modelShapeMismatch,
          severity: "error",
          message:
            `${actual.file}: tensor \`${t.name}\` has shape ${fmt(actual.shape)} ` +
            `but config.json implies ${fmt(t.shape)}`,
          hint: `the shape is ${shapeSource(t)} from ${path.basename(result.configPath)}; the config and the weights come from different models?`,
          path: actual.file,
          subject: t.name,
        });
      }
    }
  }
  if (result.shapeMismatches.length > ISSUE_CAP) {
    issues.push({
      code: WORLD.modelShapeMismatch,
      severity: "error",
      message: `${result.dir}: ${result.shapeMismatches.length - ISSUE_CAP} more tensors disagree with config.json`,
      path: result.dir,
    });
  }
  const missing = result.missingTensors;
  for (const t of missing.slice(0, ISSUE_CAP)) {
    issues.push({
      code: WORLD.modelTensorMissing,
      severity: "error",
      message: `${result.dir}: tensor \`${t.name}\` ${fmt(t.shape)} is in none of the weight files`,
      hint:
        t.layer !== undefined && t.layer >= 0
          ? `config.json says num_hidden_layers = ${arch.numHiddenLayers}; do the weights have fewer layers?`
          : "the config and the weights come from different models?",
      path: result.dir,
      subject: t.name,
    });
  }
  if (missing.length > ISSUE_CAP) {
    issues.push({
      code: WORLD.modelTensorMissing,
      severity: "error",
      message: `${result.dir}: ${missing.length - ISSUE_CAP} more tensors are missing`,
      path: result.dir,
    });
  }
  for (const t of found.values()) {
    if (!expectedNames.has(t.name) && !IGNORED_TENSOR.test(t.name))
      result.unexpectedTensors.push(t);
  }
  const extra = result.unexpectedTensors;
  if (extra.length > 0) {
    issues.push({
      code: WORLD.modelTensorUnexpected,
      severity: "warning",
      message:
        `${extra[0].file}: ${extra.length} tensor${extra.length === 1 ? "" : "s"} not used by the ` +
        `architecture in config.json, e.g. \`${extra[0].name}\``,
      hint: extra.some((t) => /model\.layers\.(\d+)\./.test(t.name))
        ? `config.json says num_hidden_layers = ${arch.numHiddenLayers}; do the weights have more?`
        : "they will be ignored",
      path: extra[0].file,
      subject: extra[0].name,
    });
  }
}
