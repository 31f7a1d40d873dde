/**
 * Adapter export in Hugging Face PEFT's layout, loading it back, and merged full-model export.
 *
 * PEFT layout: `adapter_config.json` (peft_type, task_type CAUSAL_LM, base_model_name_or_path and
 * the method's fields) + `adapter_model.safetensors` with PEFT's keys:
 *   LoRA / QLoRA  base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight [r, in]
 *                 base_model.model.model.layers.{i}.self_attn.q_proj.lora_B.weight [out, r]
 *   IA3           base_model.model.model.layers.{i}.self_attn.k_proj.ia3_l        [out, 1] / [1, in]
 *   prompt/prefix prompt_embeddings                                            [n, hidden] / [n, L·2·kv]
 * Bottleneck adapters are not a PEFT method; they are written in the same files with
 * peft_type "BOTTLENECK" (our own; PEFT cannot load them).
 *
 * Merged export: W' = diag(l_out)·(W + (α/r)·B·A)·diag(l_in) (NF4 weights dequantised first;
 * l = IA3 vectors, 1 when absent), b' = l_out ⊙ b, written as a full Hugging Face directory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Tensor } from "../tensor/tensor.js";
import { tidy } from "../tensor/scope.js";
import { noGrad } from "../autograd/grad-mode.js";
import { mul, scale, add } from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { dequantizeNf4 } from "../ops/nf4.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../compiler/diagnostics/codes/world.js";
import { targetKind } from "../../compiler/world/targets.js";
import {
  floatTensor,
  readSafetensors,
  tensorToFloat32,
  writeSafetensors,
  type TensorToWrite,
} from "../io/safetensors.js";
import type { LlamaModel } from "./model.js";
import type { Linear } from "./linear.js";
import {
  writeHfDirectory,
  writeJsonAtomic,
  type HostTensor,
  type SaveOptions,
  type SaveDtype,
} from "./hf-io.js";
import { attachLora } from "./adapters/lora.js";
import { attachIa3 } from "./adapters/ia3.js";
import { attachPromptTuning } from "./adapters/prompt-tuning.js";
import { attachPrefixTuning } from "./adapters/prefix-tuning.js";
import { attachBottleneck, type BottleneckActivation } from "./adapters/bottleneck.js";

export const ADAPTER_CONFIG_FILE = "adapter_config.json";
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";
const PREFIX = "base_model.model.";
const ST: Record<SaveDtype, "F32" | "F16" | "BF16"> = { f32: "F32", f16: "F16", bf16: "BF16" };

export interface PeftExportOptions {
  /** `base_model_name_or_path` (the base model's directory or hub id). */
  baseModelNameOrPath: string;
  dtype?: SaveDtype;
}

function theAdapter(model: LlamaModel): { kind: string; config: Record<string, unknown> } {
  const a = model.adapterConfigs;
  if (a.length === 0) throw new Error("exportPeftAdapter: the model has no adapter attached");
  if (a.length > 1) {
    throw new Error(
      `exportPeftAdapter: PEFT stores one method per adapter; this model has ${a.map((x) => x.kind).join(" + ")}`,
    );
  }
  return a[0];
}

/** PEFT's `target_modules`: short names when every target is a plain name, else an exact regex. */
function peftTargetModules(targets: string[], modules: string[]): string[] | string {
  if (targets.every((t) => targetKind(t) !== "pattern")) {
    return [...new Set(modules.map((m) => m.split(".").pop()!))].sort();
  }
  return modules.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

function adapterConfigJson(model: LlamaModel, base: string): Record<string, unknown> {
  const { kind, config: c } = theAdapter(model);
  const a = model.arch;
  const common = {
    base_model_name_or_path: base,
    task_type: "CAUSAL_LM",
    inference_mode: true,
    revision: null,
  };
  switch (kind) {
    case "lora":
      return {
        ...common,
        peft_type: "LORA",
        r: c.rank,
        lora_alpha: c.alpha,
        lora_dropout: c.dropout,
        target_modules: peftTargetModules(c.targets as string[], c.modules as string[]),
        layers_to_transform: c.layers ?? null,
        bias: "none",
        fan_in_fan_out: false,
        init_lora_weights: c.init === "gaussian" ? "gaussian" : true,
        modules_to_save: null,
        use_rslora: false,
        use_dora: false,
      };
    case "ia3":
      return {
        ...common,
        peft_type: "IA3",
        target_modules: peftTargetModules(c.targets as string[], c.modules as string[]),
        feedforward_modules: peftTargetModules(
          c.feedforward as string[],
          c.feedforwardModules as string[],
        ),
        fan_in_fan_out: false,
        init_ia3_weights: true,
        modules_to_save: null,
      };
    case "prompt-tuning":
      return {
        ...common,
        peft_type: "PROMPT_TUNING",
        num_virtual_tokens: c.virtualTokens,
        token_dim: a.hiddenSize,
        num_transformer_submodules: 1,
        num_attention_heads: a.numAttentionHeads,
        num_layers: a.numHiddenLayers,
        prompt_tuning_init:
          c.init === "random" ? "RANDOM" : c.init === "text" ? "TEXT" : "SAMPLE_VOCAB",
      };
    case "prefix-tuning":
      return {
        ...common,
        peft_type: "PREFIX_TUNING",
        num_virtual_tokens: c.virtualTokens,
        token_dim: a.numKeyValueHeads * a.headDim,
        num_transformer_submodules: 1,
        num_attention_heads: a.numKeyValueHeads,
        num_layers: a.numHiddenLayers,
        encoder_hidden_size: a.hiddenSize,
        prefix_projection: false,
      };
    case "bottleneck":
      return { ...common, peft_type: "BOTTLENECK", ...c };
    default:
      throw new Error(`exportPeftAdapter: unknown adapter kind ${kind}`);
  }
}

/** PEFT key of an adapter parameter. */
export function peftKey(name: string): string {
  return name === "prompt_encoder.embedding.weight" ? "prompt_embeddings" : PREFIX + name;
}

/** Writes adapter_config.json + adapter_model.safetensors into `dir`. */
export async function exportPeftAdapter(
  model: LlamaModel,
  dir: string,
  options: PeftExportOptions,
): Promise<void> {
  const config = adapterConfigJson(model, options.baseModelNameOrPath);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, t] of model.adapterParameters()) {
    tensors.set(
      peftKey(name),
      floatTensor(await t.toFloat32Array(), [...t.shape], ST[options.dtype ?? "f32"]),
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: "pt" });
  writeJsonAtomic(path.join(dir, ADAPTER_CONFIG_FILE), config);
}

function loadError(file: string, message: string): PipeError {
  return new PipeError(WORLD.safetensorsTensorNotFound, `${file}: ${message}`, { path: file });
}

/**
 * Reads a PEFT adapter directory: attaches the method it describes (when the model has no
 * adapter yet) and loads its weights.
 */
export function loadPeftAdapter(
  model: LlamaModel,
  dir: string,
  options: { seed?: number } = {},
): void {
  const configFile = path.join(dir, ADAPTER_CONFIG_FILE);
  const weightsFile = path.join(dir, ADAPTER_WEIGHTS_FILE);
  if (!fs.existsSync(configFile)) {
    throw new PipeError(WORLD.safetensorsUnreadable, `${configFile}: no adapter_config.json`, {
      path: configFile,
    });
  }
  const c = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
  const seed = options.seed ?? 0;
  const list = (v: unknown): string[] =>
    typeof v === "string" ? [v] : Array.isArray(v) ? (v as string[]) : [];
  if (model.adapterConfigs.length === 0) {
    switch (c.peft_type) {
      case "LORA":
        attachLora(model, {
          rank: c.r as number,
          alpha: c.lora_alpha as number,
          dropout: (c.lora_dropout as number) ?? 0,
          targets: list(c.target_modules),
          ...(Array.isArray(c.layers_to_transform)
            ? { layers: c.layers_to_transform as number[] }
            : {}),
          seed,
        });
        break;
      case "IA3":
        attachIa3(model, {
          targets: list(c.target_modules),
          feedforward: list(c.feedforward_modules),
        });
        break;
      case "PROMPT_TUNING":
        attachPromptTuning(model, {
          virtualTokens: c.num_virtual_tokens as number,
          init: "random",
          seed,
        });
        break;
      case "PREFIX_TUNING":
        attachPrefixTuning(model, { virtualTokens: c.num_virtual_tokens as number, seed });
        break;
      case "BOTTLENECK":
        attachBottleneck(model, {
          size: c.size as number,
          placement: c.placement as "houlsby" | "pfeiffer",
          activation: c.activation as BottleneckActivation,
          seed,
        });
        break;
      default:
        throw new PipeError(
          WORLD.safetensorsUnreadable,
          `${configFile}: peft_type ${JSON.stringify(c.peft_type)} is not supported`,
          { path: configFile },
          "supported: LORA, IA3, PROMPT_TUNING, PREFIX_TUNING (and our BOTTLENECK)",
        );
    }
  }
  const { tensors } = readSafetensors(weightsFile);
  const params = model.adapterParameters();
  const values = new Map<string, Float32Array>();
  for (const [name, t] of params) {
    const stored = tensors.get(peftKey(name));
    if (!stored) throw loadError(weightsFile, `no tensor \`${peftKey(name)}\` for the adapter`);
    if (stored.shape.join() !== t.shape.join()) {
      throw new PipeError(
        WORLD.modelShapeMismatch,
        `${weightsFile}: tensor \`${peftKey(name)}\` has shape [${stored.shape.join(", ")}], the adapter needs [${t.shape.join(", ")}]`,
        { path: weightsFile },
      );
    }
    values.set(name, tensorToFloat32(stored));
  }
  model.loadStateDict(values, { strict: false });
}

// ---------------------------------------------------------------------------------------------
// Merged export

/** The effective f32 weight and bias of a linear module, adapters folded in (on device). */
function mergedLinear(lin: Linear): { weight: Tensor; bias: Tensor | null } {
  let w = lin.nf4 ? dequantizeNf4(lin.nf4) : lin.weight!;
  if (lin.lora) {
    const { a, b, alpha, rank } = lin.lora;
    w = add(w, scale(matmul(b, a), alpha / rank));
  }
  let bias = lin.bias;
  if (lin.ia3?.mode === "output") {
    w = mul(w, lin.ia3.vector); // [out, 1] scales rows
    if (bias) bias = mul(bias, lin.ia3.vector.view([lin.outFeatures]));
  } else if (lin.ia3?.mode === "input") {
    w = mul(w, lin.ia3.vector); // [1, in] scales columns
  }
  return { weight: w, bias };
}

/** Writes the model with its adapters merged into the weights as a full Hugging Face directory. */
export async function saveMerged(
  model: LlamaModel,
  dir: string,
  options: SaveOptions = {},
): Promise<void> {
  const unmergeable = model.adapterConfigs.filter((a) =>
    ["prompt-tuning", "prefix-tuning", "bottleneck"].includes(a.kind),
  );
  if (unmergeable.length > 0) {
    throw new Error(
      `saveMerged: ${unmergeable.map((a) => a.kind).join(", ")} cannot be merged into the weights; export the adapter instead`,
    );
  }
  const tensors = new Map<string, HostTensor>();
  const read = async (name: string, t: Tensor) =>
    tensors.set(name, { values: await t.toFloat32Array(), shape: [...t.shape] });
  const byWeight = new Map<string, Linear>();
  for (const lin of model.linears()) if (!lin.tied) byWeight.set(`${lin.name}.weight`, lin);

  await read("model.embed_tokens.weight", model.embedTokens);
  for (const layer of model.layers) {
    for (const [name, t] of layer.baseParameters()) {
      if (name.endsWith(".bias") && byWeight.has(name.replace(/\.bias$/, ".weight"))) continue;
      const lin = byWeight.get(name);
      if (!lin) {
        await read(name, t);
        continue;
      }
      await writeMergedLinear(lin, read);
    }
    // NF4 weights are not in baseParameters(): add them in module order.
    for (const lin of layer.linears()) {
      if (lin.nf4) await writeMergedLinear(lin, read);
    }
  }
  await read("model.norm.weight", model.norm);
  if (!model.arch.tieWordEmbeddings) await writeMergedLinear(model.lmHead, read);
  else if (model.lmHead.lora || model.lmHead.ia3) {
    throw new Error(
      "saveMerged: an adapter on the tied lm_head cannot be merged (it would change the embeddings)",
    );
  }
  writeHfDirectory(model, dir, sortLikeCheckpoint(model, tensors), options);
}

async function writeMergedLinear(
  lin: Linear,
  read: (name: string, t: Tensor) => Promise<unknown>,
): Promise<void> {
  const merged = noGrad(() => tidy(() => mergedLinear(lin)));
  await read(`${lin.name}.weight`, merged.weight);
  if (merged.bias) await read(`${lin.name}.bias`, merged.bias);
  if (merged.weight !== lin.weight) merged.weight.dispose();
  if (merged.bias && merged.bias !== lin.bias) merged.bias.dispose();
}

/** Hugging Face order: embed, then each layer's tensors as config implies, norm, lm_head. */
function sortLikeCheckpoint(
  model: LlamaModel,
  tensors: Map<string, HostTensor>,
): Map<string, HostTensor> {
  const order = new Map<string, number>();
  let i = 0;
  order.set("model.embed_tokens.weight", i++);
  for (const layer of model.layers) {
    const p = layer.prefix;
    order.set(`${p}.input_layernorm.weight`, i++);
    for (const lin of layer.linears()) {
      if (lin === layer.w.gate) order.set(`${p}.post_attention_layernorm.weight`, i++);
      order.set(`${lin.name}.weight`, i++);
      order.set(`${lin.name}.bias`, i++);
      if (lin === layer.w.q) order.set(`${p}.self_attn.q_norm.weight`, i++);
      if (lin === layer.w.k) order.set(`${p}.self_attn.k_norm.weight`, i++);
    }
  }
  order.set("model.norm.weight", i++);
  order.set("lm_head.weight", i++);
  return new Map([...tensors].sort(([a], [b]) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9)));
}
