/**
 * Lowering of `model` and `adapter` stages.
 * - `llama("dir")` → load-model (reads the directory: config, safetensors, tokenizer);
 * - `llama { … }` → [train-tokenizer →] init-model; `yolo_detector { … }` → init-model;
 * - `lora(base)` → [quantize (NF4) →] attach-adapter; other PEFT methods → attach-adapter.
 */
import type { AnalyzedStage } from "../semantic/analyze.js";
import type { Json } from "../settings/spec.js";
import type { DraftInput } from "./draft.js";
import { refName, type LowerContext, type LoweredStage, type NodeRef } from "./lower-context.js";
import { isObject, isStageRef, settingsTree } from "./settings-tree.js";

/** Llama settings that are architecture (config.json) fields. */
export const LLAMA_CONFIG_KEYS = [
  "vocab_size",
  "hidden_size",
  "intermediate_size",
  "num_hidden_layers",
  "num_attention_heads",
  "num_key_value_heads",
  "head_dim",
  "max_position_embeddings",
  "rope_theta",
  "rms_norm_eps",
  "tie_word_embeddings",
] as const;

export function lowerModel(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  return stage.source === "yolo_detector" ? lowerDetector(ctx, stage) : lowerLlama(ctx, stage);
}

/**
 * The prompt templates of the datasets a character tokenizer learns from, so that it also
 * knows the template's characters (`### 指令`, `### 回答`): the model is trained on them.
 * Alpaca data without a template uses `alpaca_zh`; chat templates come from a tokenizer, not
 * from the pipeline, so they add nothing.
 */
function promptTemplatesOf(ctx: LowerContext, sources: string[]): { templates?: string[] } {
  const templates: string[] = [];
  for (const ref of sources) {
    const dataset = ctx.datasetBehind(ref);
    if (!dataset || dataset.source !== "alpaca") continue;
    const template = ctx.settingsOf(dataset).template;
    const name = typeof template === "string" ? template : "alpaca_zh";
    if (name !== "chat" && !templates.includes(name)) templates.push(name);
  }
  return templates.length > 0 ? { templates } : {};
}

function lowerLlama(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const inputs: DraftInput[] = [];
  let tokenizer: NodeRef | undefined;
  if (isObject(s.tokenizer) && typeof s.tokenizer.kind === "string") {
    const { kind, train_on, ...rest } = s.tokenizer;
    // One dataset (port `data`) or a list (ports `data[0]`, `data[1]`, …; texts in that order).
    const sources = (Array.isArray(train_on) ? train_on : [train_on])
      .map((r) => refName(r))
      .filter((r): r is string => r !== undefined);
    const node = ctx.addNode({
      id: `${name}/train-tokenizer`,
      op: "train-tokenizer",
      stage: name,
      settings: {
        kind,
        ...(rest.vocab_size !== undefined ? { vocab_size: rest.vocab_size } : {}),
        ...(rest.byte_fallback !== undefined ? { byte_fallback: rest.byte_fallback } : {}),
        ...(kind === "char" ? promptTemplatesOf(ctx, sources) : {}),
      },
      inputs: sources.map((r, i) => ({
        ...ctx.resolve(r),
        port: Array.isArray(train_on) ? `data[${i}]` : "data",
      })),
    });
    tokenizer = { node: node.id };
  } else if (isStageRef(s.tokenizer)) {
    tokenizer = ctx.tokenizerOf(s.tokenizer.$ref.split(".")[0]);
  }
  if (tokenizer) inputs.push({ port: "tokenizer", ...tokenizer });

  const dtype = s.dtype ?? "f32";
  if (typeof stage.args.path === "string") {
    // Only what the file sets overrides config.json; catalogue defaults would silently
    // replace the directory's real values.
    const explicit = new Set(
      settingsTree(stage.settings, stage.spec.body)
        .filter((n) => n.provenance === "file")
        .map((n) => n.key),
    );
    const config = pick(
      s,
      LLAMA_CONFIG_KEYS.filter((k) => explicit.has(k)),
    );
    const node = ctx.addNode({
      id: `${name}/load-model`,
      op: "load-model",
      stage: name,
      settings: { architecture: "llama", path: stage.args.path, dtype, config },
      inputs,
      outputs: ["tokenizer"],
      reads: [{ path: stage.args.path, directory: true }],
    });
    return {
      main: { node: node.id },
      named: {},
      tokenizer: tokenizer ?? { node: node.id, output: "tokenizer" },
    };
  }
  const node = ctx.addNode({
    id: `${name}/init-model`,
    op: "init-model",
    stage: name,
    settings: {
      architecture: "llama",
      dtype,
      config: pick(s, LLAMA_CONFIG_KEYS),
      init_std: s.init_std ?? 0.02,
      seed: ctx.seed,
    },
    inputs,
  });
  return { main: { node: node.id }, named: {}, tokenizer };
}

function lowerDetector(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const s = ctx.settingsOf(stage);
  const inputs: DraftInput[] = [];
  const classes = ctx.slotReferences(s.classes ?? [], inputs, ["classes"]);
  const weights = typeof s.weights === "string" ? s.weights : undefined;
  const node = ctx.addNode({
    id: `${stage.name}/init-model`,
    op: "init-model",
    stage: stage.name,
    settings: {
      architecture: "yolo_detector",
      classes,
      width: s.width ?? 0.25,
      depth: s.depth ?? 0.33,
      imgsz: s.imgsz ?? 640,
      ...(weights ? { weights } : {}),
      seed: ctx.seed,
    },
    inputs,
    reads: weights ? [{ path: weights }] : [],
  });
  return { main: { node: node.id }, named: {} };
}

export function lowerAdapter(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const baseRef = refName(stage.args.base);
  let base: NodeRef | undefined = baseRef ? ctx.resolve(baseRef) : undefined;
  let settings: Record<string, Json>;
  switch (stage.source) {
    case "lora": {
      const quantized = s.quantize_base === "nf4";
      if (quantized) {
        const q = ctx.addNode({
          id: `${name}/quantize`,
          op: "quantize",
          stage: name,
          settings: {
            format: "nf4",
            block: s.quant_block ?? 64,
            double_quant: s.double_quant ?? false,
          },
          inputs: base ? [{ port: "model", ...base }] : [],
        });
        base = { node: q.id };
      }
      const rank = s.rank as number;
      const alpha = s.alpha as number;
      settings = {
        method: "lora",
        rank,
        alpha,
        scale: alpha / rank,
        dropout: s.dropout ?? 0,
        targets: s.targets,
        init: s.init ?? "kaiming",
        quantized_base: quantized,
        seed: ctx.seed,
      };
      break;
    }
    case "ia3":
      settings = { method: "ia3", targets: s.targets, seed: ctx.seed };
      break;
    case "prompt_tuning":
      settings = {
        method: "prompt_tuning",
        virtual_tokens: s.virtual_tokens,
        ...(s.init !== undefined ? { init: s.init } : {}),
        seed: ctx.seed,
      };
      break;
    case "prefix_tuning":
      settings = {
        method: "prefix_tuning",
        virtual_tokens: s.virtual_tokens,
        projection: s.projection ?? false,
        seed: ctx.seed,
      };
      break;
    default:
      settings = {
        method: stage.source,
        bottleneck_size: s.bottleneck_size,
        placement: s.placement,
        activation: s.activation,
        seed: ctx.seed,
      };
  }
  const node = ctx.addNode({
    id: `${name}/attach-adapter`,
    op: "attach-adapter",
    stage: name,
    settings,
    inputs: base ? [{ port: "model", ...base }] : [],
  });
  return { main: { node: node.id }, named: {} };
}

function pick(s: Record<string, Json>, keys: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of keys) if (s[k] !== undefined) out[k] = s[k];
  return out;
}
