/**
 * The architecture of a Llama-style decoder (Llama, Mistral, Qwen2, Qwen3) as read from a
 * Hugging Face `config.json`, and what follows from it alone: the tensors a checkpoint must
 * hold (Hugging Face names and shapes) and the linear modules an adapter can target.
 *
 * Pure: no file access. `model-dir.ts` reads files and calls this.
 */
import { WORLD } from "../diagnostics/codes/world.js";
import type { WorldIssue } from "./world-issue.js";

export type ModelFamily = "llama" | "mistral" | "qwen2" | "qwen3";

export interface LlamaArchitecture {
  family: ModelFamily;
  /** `model_type` as written in config.json. */
  modelType: string;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  ropeTheta: number;
  rmsNormEps: number;
  maxPositionEmbeddings: number;
  /** `torch_dtype` (or the newer `dtype`) as written, e.g. "bfloat16"; undefined when absent. */
  torchDtype?: string;
  /** q/k/v projections carry a bias (Qwen2 always; Llama/Qwen3 with `attention_bias`). */
  qkvBias: boolean;
  /** o_proj carries a bias (Llama/Qwen3 `attention_bias`). */
  oBias: boolean;
  /** gate/up/down carry a bias (Llama `mlp_bias`). */
  mlpBias: boolean;
  /** Per-head RMSNorm on q and k (Qwen3: `q_norm`, `k_norm`). */
  qkNorm: boolean;
  /** Fields that were absent from config.json and took the Hugging Face default. */
  defaulted: string[];
}

export interface ParsedConfig {
  arch?: LlamaArchitecture;
  issues: WorldIssue[];
}

/** What Hugging Face's config classes default to, per family, for the optional fields. */
const FAMILY_DEFAULTS: Record<
  ModelFamily,
  { maxPositionEmbeddings: number; ropeTheta: number; rmsNormEps: number }
> = {
  llama: { maxPositionEmbeddings: 2048, ropeTheta: 10000, rmsNormEps: 1e-6 },
  mistral: { maxPositionEmbeddings: 4096 * 32, ropeTheta: 10000, rmsNormEps: 1e-6 },
  qwen2: { maxPositionEmbeddings: 32768, ropeTheta: 10000, rmsNormEps: 1e-6 },
  qwen3: { maxPositionEmbeddings: 32768, ropeTheta: 10000, rmsNormEps: 1e-6 },
};

const ARCHITECTURE_FAMILY: Record<string, ModelFamily> = {
  LlamaForCausalLM: "llama",
  MistralForCausalLM: "mistral",
  Qwen2ForCausalLM: "qwen2",
  Qwen3ForCausalLM: "qwen3",
};

export const SUPPORTED_MODEL_TYPES: readonly ModelFamily[] = ["llama", "mistral", "qwen2", "qwen3"];

/**
 * Reads a parsed config.json object. Required: hidden_size, intermediate_size,
 * num_hidden_layers, num_attention_heads, vocab_size. Everything else defaults as Hugging Face
 * does, and is listed in `defaulted`. Every problem found is returned (not just the first).
 */
export function parseLlamaConfig(json: unknown, configPath = "config.json"): ParsedConfig {
  const issues: WorldIssue[] = [];
  const bad = (message: string, subject?: string, hint?: string): void => {
    issues.push({
      code: WORLD.modelConfigInvalid,
      severity: "error",
      message: `${configPath}: ${message}`,
      path: configPath,
      ...(subject ? { subject } : {}),
      ...(hint ? { hint } : {}),
    });
  };
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    bad("is not a JSON object");
    return { issues };
  }
  const c = json as Record<string, unknown>;
  const modelType = typeof c.model_type === "string" ? c.model_type : undefined;
  const archs = Array.isArray(c.architectures)
    ? c.architectures.filter((a) => typeof a === "string")
    : [];
  let family: ModelFamily | undefined;
  if (modelType && (SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    family = modelType as ModelFamily;
  } else if (!modelType) {
    family = archs.map((a) => ARCHITECTURE_FAMILY[a as string]).find((f) => f !== undefined);
  }
  if (!family) {
    issues.push({
      code: WORLD.modelArchitectureUnsupported,
      severity: "error",
      message:
        `${configPath}: model_type ${JSON.stringify(modelType ?? null)}` +
        (archs.length ? ` (${archs.join(", ")})` : "") +
        " is not a Llama-style decoder",
      hint: `supported model_type values: ${SUPPORTED_MODEL_TYPES.join(", ")}`,
      path: configPath,
      subject: "model_type",
    });
    return { issues };
  }
  const defaulted: string[] = [];
  const positiveInt = (key: string, fallback?: number): number => {
    const v = c[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) {
        bad(`required field \`${key}\` is missing`, key);
        return NaN;
      }
      defaulted.push(key);
      return fallback;
    }
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      bad(`\`${key}\` must be a positive integer, got ${JSON.stringify(v)}`, key);
      return NaN;
    }
    return v;
  };
  const positiveNumber = (key: string, fallback: number): number => {
    const v = c[key];
    if (v === undefined || v === null) {
      defaulted.push(key);
      return fallback;
    }
    if (typeof v !== "number" || !(v > 0)) {
      bad(`\`${key}\` must be a positive number, got ${JSON.stringify(v)}`, key);
      return NaN;
    }
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = c[key];
    if (v === undefined || v === null) {
      defaulted.push(key);
      return fallback;
    }
    if (typeof v !== "boolean") {
      bad(`\`${key}\` must be true or false, got ${JSON.stringify(v)}`, key);
      return fallback;
    }
    return v;
  };
  const d = FAMILY_DEFAULTS[family];
  const hiddenSize = positiveInt("hidden_size");
  const intermediateSize = positiveInt("intermediate_size");
  const numHiddenLayers = positiveInt("num_hidden_layers");
  const numAttentionHeads = positiveInt("num_attention_heads");
  const vocabSize = positiveInt("vocab_size");
  const numKeyValueHeads = positiveInt("num_key_value_heads", numAttentionHeads);
  let headDim: number;
  if (c.head_dim === undefined || c.head_dim === null) {
    defaulted.push("head_dim");
    headDim = hiddenSize / numAttentionHeads;
    if (Number.isFinite(headDim) && !Number.isInteger(headDim)) {
      bad(
        `hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numAttentionHeads}`,
        "num_attention_heads",
        "set `head_dim` explicitly",
      );
    }
  } else {
    headDim = positiveInt("head_dim");
  }
  if (Number.isInteger(headDim) && headDim % 2 !== 0) {
    bad(`head_dim ${headDim} is odd; rotary embeddings rotate pairs of dimensions`, "head_dim");
  }
  if (
    Number.isInteger(numAttentionHeads) &&
    Number.isInteger(numKeyValueHeads) &&
    numAttentionHeads % numKeyValueHeads !== 0
  ) {
    bad(
      `num_attention_heads ${numAttentionHeads} is not a multiple of num_key_value_heads ${numKeyValueHeads}`,
      "num_key_value_heads",
    );
  }
  const tieWordEmbeddings = bool("tie_word_embeddings", false);
  const ropeTheta = positiveNumber("rope_theta", d.ropeTheta);
  const rmsNormEps = positiveNumber("rms_norm_eps", d.rmsNormEps);
  const maxPositionEmbeddings = positiveInt("max_position_embeddings", d.maxPositionEmbeddings);
  const attentionBias = family === "qwen2" ? true : bool("attention_bias", false);
  const mlpBias = family === "llama" ? bool("mlp_bias", false) : false;
  const dtype =
    typeof c.torch_dtype === "string"
      ? c.torch_dtype
      : typeof c.dtype === "string"
        ? c.dtype
        : undefined;
  if (issues.length > 0) return { issues };
  return {
    arch: {
      family,
      modelType: modelType ?? family,
      hiddenSize,
      intermediateSize,
      numHiddenLayers,
      numAttentionHeads,
      numKeyValueHeads,
      headDim,
      vocabSize,
      tieWordEmbeddings,
      ropeTheta,
      rmsNormEps,
      maxPositionEmbeddings,
      ...(dtype !== undefined ? { torchDtype: dtype } : {}),
      qkvBias: attentionBias,
      oBias: family === "qwen2" ? false : attentionBias,
      mlpBias,
      qkNorm: family === "qwen3",
      defaulted,
    },
    issues,
  };
}

/** Convenience for code that builds an architecture by hand (tests, inline models). */
export function llamaArchitecture(
  sizes: Pick<
    LlamaArchitecture,
    "hiddenSize" | "intermediateSize" | "numHiddenLayers" | "numAttentionHeads" | "vocabSize"
  > &
    Partial<LlamaArchitecture>,
): LlamaArchitecture {
  return {
    family: "llama",
    modelType: "llama",
    numKeyValueHeads: sizes.numAttentionHeads,
    headDim: sizes.hiddenSize / sizes.numAttentionHeads,
    tieWordEmbeddings: false,
    ropeTheta: 10000,
    rmsNormEps: 1e-6,
    maxPositionEmbeddings: 2048,
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    qkNorm: false,
    defaulted: [],
    ...sizes,
  };
}

// ---------------------------------------------------------------------------------------------
// Tensors and modules

export type TensorRole = "embedding" | "linear" | "bias" | "norm";

export interface ExpectedTensor {
  /** Hugging Face name, e.g. `model.layers.3.self_attn.q_proj.weight`. */
  name: string;
  shape: number[];
  role: TensorRole;
  /** Decoder layer index; undefined for embed_tokens, model.norm, lm_head. */
  layer?: number;
  /** Short module name (`q_proj`, `input_layernorm`, `embed_tokens`, `lm_head`, …). */
  module: string;
}

export type LinearGroup = "attention" | "mlp" | "head";

export interface LinearModule {
  /** Module path as PEFT sees it, e.g. `model.layers.3.self_attn.q_proj`. */
  name: string;
  /** Short name: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head. */
  module: string;
  layer?: number;
  group: LinearGroup;
  /** d: rows of the weight (out_features). */
  outFeatures: number;
  /** k: columns of the weight (in_features). */
  inFeatures: number;
  bias: boolean;
  /** The weight tensor's name (`<name>.weight`). */
  weight: string;
}

export const ATTENTION_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj"] as const;
export const MLP_MODULES = ["gate_proj", "up_proj", "down_proj"] as const;

/** The linear modules of one decoder layer, in forward order. */
export function layerLinearModules(arch: LlamaArchitecture, layer: number): LinearModule[] {
  const h = arch.hiddenSize;
  const q = arch.numAttentionHeads * arch.headDim;
  const kv = arch.numKeyValueHeads * arch.headDim;
  const i = arch.intermediateSize;
  const mk = (
    sub: "self_attn" | "mlp",
    module: string,
    outFeatures: number,
    inFeatures: number,
    bias: boolean,
  ): LinearModule => {
    const name = `model.layers.${layer}.${sub}.${module}`;
    return {
      name,
      module,
      layer,
      group: sub === "self_attn" ? "attention" : "mlp",
      outFeatures,
      inFeatures,
      bias,
      weight: `${name}.weight`,
    };
  };
  return [
    mk("self_attn", "q_proj", q, h, arch.qkvBias),
    mk("self_attn", "k_proj", kv, h, arch.qkvBias),
    mk("self_attn", "v_proj", kv, h, arch.qkvBias),
    mk("self_attn", "o_proj", h, q, arch.oBias),
    mk("mlp", "gate_proj", i, h, arch.mlpBias),
    mk("mlp", "up_proj", i, h, arch.mlpBias),
    mk("mlp", "down_proj", h, i, arch.mlpBias),
  ];
}

/** The output projection as a linear module (absent as a separate weight when tied). */
export function lmHeadModule(arch: LlamaArchitecture): LinearModule {
  return {
    name: "lm_head",
    module: "lm_head",
    group: "head",
    outFeatures: arch.vocabSize,
    inFeatures: arch.hiddenSize,
    bias: false,
    weight: "lm_head.weight",
  };
}

/** Every linear module of the model: the decoder layers' projections, then lm_head. */
export function linearModules(arch: LlamaArchitecture): LinearModule[] {
  const out: LinearModule[] = [];
  for (let l = 0; l < arch.numHiddenLayers; l++) out.push(...layerLinearModules(arch, l));
  out.push(lmHeadModule(arch));
  return out;
}

/** Tensors one decoder layer holds, with Hugging Face names and shapes. */
export function layerTensors(arch: LlamaArchitecture, layer: number): ExpectedTensor[] {
  const p = `model.layers.${layer}`;
  const out: ExpectedTensor[] = [
    {
      name: `${p}.input_layernorm.weight`,
      shape: [arch.hiddenSize],
      role: "norm",
      layer,
      module: "input_layernorm",
    },
  ];
  for (const m of layerLinearModules(arch, layer)) {
    if (m.module === "gate_proj") {
      out.push({
        name: `${p}.post_attention_layernorm.weight`,
        shape: [arch.hiddenSize],
        role: "norm",
        layer,
        module: "post_attention_layernorm",
      });
    }
    out.push({
      name: m.weight,
      shape: [m.outFeatures, m.inFeatures],
      role: "linear",
      layer,
      module: m.module,
    });
    if (m.bias)
      out.push({
        name: `${m.name}.bias`,
        shape: [m.outFeatures],
        role: "bias",
        layer,
        module: m.module,
      });
    if (arch.qkNorm && (m.module === "q_proj" || m.module === "k_proj")) {
      const norm = m.module === "q_proj" ? "q_norm" : "k_norm";
      out.push({
        name: `${p}.self_attn.${norm}.weight`,
        shape: [arch.headDim],
        role: "norm",
        layer,
        module: norm,
      });
    }
  }
  return out;
}

/**
 * Every tensor a checkpoint of this architecture holds. `lm_head.weight` is listed only when
 * embeddings are untied (a tied checkpoint may still carry it; model-dir accepts that).
 */
export function expectedTensors(arch: LlamaArchitecture): ExpectedTensor[] {
  const out: ExpectedTensor[] = [
    {
      name: "model.embed_tokens.weight",
      shape: [arch.vocabSize, arch.hiddenSize],
      role: "embedding",
      module: "embed_tokens",
    },
  ];
  for (let l = 0; l < arch.numHiddenLayers; l++) out.push(...layerTensors(arch, l));
  out.push({ name: "model.norm.weight", shape: [arch.hiddenSize], role: "norm", module: "norm" });
  if (!arch.tieWordEmbeddings) {
    out.push({
      name: "lm_head.weight",
      shape: [arch.vocabSize, arch.hiddenSize],
      role: "embedding",
      module: "lm_head",
    });
  }
  return out;
}

/** Number of parameters of the whole model (tied embeddings counted once). */
export function countParameters(arch: LlamaArchitecture): number {
  let n = 0;
  for (const t of expectedTensors(arch)) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}
