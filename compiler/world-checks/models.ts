/**
 * Model stages against the real world. A directory model (`llama("models/x")`) is inspected
 * without reading weight data: config.json, the safetensors headers (shapes against the config,
 * missing and unexpected tensors) and, when present, tokenizer.json. An inline model
 * (`llama { hidden_size: … }`) gets its architecture from its settings, checked by the same
 * rules as a config.json. Both yield a ResolvedModel that the adapter, distillation, dataset
 * and memory checks build on.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AnalyzedStage } from "../semantic/analyze.js";
import type { FloatPrecision } from "../memory/precision.js";
import {
  ATTENTION_MODULES,
  linearModules,
  MLP_MODULES,
  parseLlamaConfig,
  type LinearModule,
  type LlamaArchitecture,
} from "../world/llama-config.js";
import { inspectModelDir, type ModelDirInspection } from "../world/model-dir.js";
import type { LocatedTensor } from "../../runtime/io/safetensors-index.js";
import { argumentSpan, settingSpan } from "./ast-spans.js";
import { displayPath, fromIssue, isUsablePath, resolvePath, type WorldContext } from "./context.js";
import { refOf, settingValue } from "./lineage.js";
import { WORLD } from "../diagnostics/codes/world.js";

/** Where a model's tokenizer comes from. */
export type TokenizerSource =
  | { kind: "dir"; dir: string; file?: string }
  | { kind: "bpe"; vocabSize: number; stage: string }
  | { kind: "char"; stage: string }
  | { kind: "shared"; model: string }
  | { kind: "none" };

export interface ResolvedModel {
  stage: AnalyzedStage;
  origin: "dir" | "inline";
  /** Absolute directory of a directory model. */
  dir?: string;
  arch?: LlamaArchitecture;
  /** Linear modules an adapter can target: from the safetensors headers when read, else the config. */
  modules: LinearModule[];
  modulesFrom: "headers" | "config" | "settings";
  /** Weight precision in memory (the `dtype` setting). */
  dtype: FloatPrecision;
  tokenizer: TokenizerSource;
  /** False when the vocabulary only exists once a tokenizer is trained (char tokenizers). */
  vocabKnown: boolean;
  inspection?: ModelDirInspection;
}

const DTYPES: Record<string, FloatPrecision> = { f32: "fp32", f16: "fp16", bf16: "bf16" };

const FORWARD_ORDER: readonly string[] = [...ATTENTION_MODULES, ...MLP_MODULES];

/** Linear modules as the safetensors headers name them (2-D `…weight` tensors). */
export function modulesFromHeaders(
  tensors: ReadonlyMap<string, LocatedTensor>,
  tied: boolean,
): LinearModule[] {
  const out: LinearModule[] = [];
  for (const t of tensors.values()) {
    if (t.shape.length !== 2 || !t.name.endsWith(".weight")) continue;
    const name = t.name.slice(0, -".weight".length);
    const module = name.split(".").pop() ?? name;
    if (module === "embed_tokens" || (tied && module === "lm_head")) continue;
    const layer = /(?:^|\.)layers\.(\d+)\./.exec(name);
    out.push({
      name,
      module,
      ...(layer ? { layer: Number(layer[1]) } : {}),
      group: /\.self_attn\./.test(name) ? "attention" : /\.mlp\./.test(name) ? "mlp" : "head",
      outFeatures: t.shape[0],
      inFeatures: t.shape[1],
      bias: tensors.has(`${name}.bias`),
      weight: t.name,
    });
  }
  // Model order: layer by layer, each in forward order (q, k, v, o, gate, up, down), then lm_head.
  const layerOf = (m: LinearModule) => m.layer ?? Number.MAX_SAFE_INTEGER;
  const rank = (m: LinearModule) => {
    const i = FORWARD_ORDER.indexOf(m.module);
    return i < 0 ? FORWARD_ORDER.length : i;
  };
  return out.sort(
    (a, b) => layerOf(a) - layerOf(b) || rank(a) - rank(b) || (a.name < b.name ? -1 : 1),
  );
}

function tokenizerOf(stage: AnalyzedStage): TokenizerSource {
  const t = settingValue(stage, "tokenizer");
  const shared = refOf(t);
  if (shared) return { kind: "shared", model: shared.stage };
  if (t && typeof t === "object" && !Array.isArray(t)) {
    const kind = (t as { kind?: unknown }).kind;
    if (kind === "bpe") {
      const v = (t as { vocab_size?: unknown }).vocab_size;
      return { kind: "bpe", vocabSize: typeof v === "number" ? v : 1024, stage: stage.name };
    }
    if (kind === "char") return { kind: "char", stage: stage.name };
  }
  return { kind: "none" };
}

function resolveDirModel(ctx: WorldContext, stage: AnalyzedStage, written: string): ResolvedModel {
  const dtype = DTYPES[String(settingValue(stage, "dtype"))] ?? "fp32";
  const dir = resolvePath(ctx, written);
  const span = argumentSpan(stage, "path");
  const hasTokenizer = isUsablePath(dir) && fs.existsSync(path.join(dir, "tokenizer.json"));
  const inspection = isUsablePath(dir)
    ? inspectModelDir(dir, { readHeaders: true, readTokenizer: hasTokenizer })
    : undefined;
  if (!inspection) {
    ctx.report(
      fromIssue(
        ctx,
        {
          code: WORLD.modelDirMissing,
          severity: "error",
          message: `${JSON.stringify(written)} is not a usable path`,
        },
        span,
      ),
    );
  }
  for (const issue of inspection?.issues ?? []) ctx.report(fromIssue(ctx, issue, span));
  const arch = inspection?.arch;
  const fromHeaders =
    inspection?.weights.headersRead && arch
      ? modulesFromHeaders(inspection.weights.tensors, arch.tieWordEmbeddings)
      : [];
  const modules = fromHeaders.length ? fromHeaders : arch ? linearModules(arch) : [];
  return {
    stage,
    origin: "dir",
    dir,
    ...(arch ? { arch } : {}),
    modules,
    modulesFrom: fromHeaders.length ? "headers" : "config",
    dtype,
    tokenizer: {
      kind: "dir",
      dir,
      ...(hasTokenizer ? { file: path.join(dir, "tokenizer.json") } : {}),
    },
    vocabKnown: arch !== undefined,
    ...(inspection ? { inspection } : {}),
  };
}

const INLINE_SIZE_KEYS = [
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

/**
 * An inline model: its settings as a config.json, checked by the same parser. The vocabulary
 * is `vocab_size`, else the tokenizer's: a BPE tokenizer's `vocab_size`, or the vocabulary of
 * the model whose tokenizer it shares (resolved by the caller, which passes `sharedVocab`).
 */
function resolveInlineModel(
  ctx: WorldContext,
  stage: AnalyzedStage,
  sharedVocab: (model: string) => number | undefined,
): ResolvedModel {
  const dtype = DTYPES[String(settingValue(stage, "dtype"))] ?? "fp32";
  const tokenizer = tokenizerOf(stage);
  const config: Record<string, unknown> = { model_type: "llama" };
  for (const key of INLINE_SIZE_KEYS) {
    const v = settingValue(stage, key);
    if (v !== undefined) config[key] = v;
  }
  let vocab = settingValue(stage, "vocab_size") as number | undefined;
  if (vocab === undefined && tokenizer.kind === "bpe") vocab = tokenizer.vocabSize;
  if (vocab === undefined && tokenizer.kind === "shared") vocab = sharedVocab(tokenizer.model);
  const vocabKnown = vocab !== undefined;
  // Module names and shapes do not depend on the vocabulary; a placeholder keeps them checkable.
  config.vocab_size = vocab ?? 256;
  const where = `inline model \`${stage.name}\``;
  const parsed = parseLlamaConfig(config, where);
  for (const issue of parsed.issues) {
    const key = issue.subject;
    const span =
      key && stage.settings[key]?.provenance === "file"
        ? settingSpan(stage, key)
        : stage.node.name.span;
    ctx.report(
      fromIssue(
        ctx,
        {
          ...issue,
          message: issue.message.replace(/required field `(\w+)` is missing/, "needs `$1`"),
          hint:
            issue.hint ??
            (/needs `/.test(issue.message) || /is missing/.test(issue.message)
              ? "an inline model declares hidden_size, intermediate_size, num_hidden_layers and num_attention_heads"
              : undefined),
        },
        span,
      ),
    );
  }
  return {
    stage,
    origin: "inline",
    ...(parsed.arch ? { arch: parsed.arch } : {}),
    modules: parsed.arch ? linearModules(parsed.arch) : [],
    modulesFrom: "settings",
    dtype,
    tokenizer,
    vocabKnown,
  };
}

/** Resolves every llama model stage (directory models first, so inline ones can share their vocabularies). */
export function resolveModels(ctx: WorldContext): Map<string, ResolvedModel> {
  const models = new Map<string, ResolvedModel>();
  const llamas = [...ctx.pipeline.stages.values()].filter(
    (s) => s.kind === "model" && s.source === "llama",
  );
  for (const stage of llamas) {
    const written = stage.args.path;
    if (typeof written === "string") models.set(stage.name, resolveDirModel(ctx, stage, written));
  }
  const resolving = new Set<string>();
  const resolveInline = (stage: AnalyzedStage): ResolvedModel => {
    const done = models.get(stage.name);
    if (done) return done;
    resolving.add(stage.name);
    const model = resolveInlineModel(ctx, stage, (name) => {
      const other = ctx.pipeline.stages.get(name);
      if (!other || resolving.has(name)) return undefined;
      const base =
        other.kind === "model" && other.source === "llama"
          ? (models.get(name) ?? resolveInline(other))
          : undefined;
      return base?.vocabKnown ? base.arch?.vocabSize : undefined;
    });
    resolving.delete(stage.name);
    models.set(stage.name, model);
    return model;
  };
  for (const stage of llamas) {
    if (stage.node.source.kind === "Reference") resolveInline(stage);
  }
  return models;
}

/** The tokenizer a model really uses, following `tokenizer: other_model` links. */
export function effectiveTokenizer(
  models: ReadonlyMap<string, ResolvedModel>,
  model: ResolvedModel,
): { source: TokenizerSource; owner: ResolvedModel } {
  let current = model;
  const seen = new Set<string>();
  while (current.tokenizer.kind === "shared" && !seen.has(current.stage.name)) {
    seen.add(current.stage.name);
    const next = models.get(current.tokenizer.model);
    if (!next) break;
    current = next;
  }
  return { source: current.tokenizer, owner: current };
}

/** How a model is described in messages: "`base` (models/tiny)" or "inline model `base`". */
export function describeModel(ctx: WorldContext, model: ResolvedModel): string {
  return model.dir
    ? `\`${model.stage.name}\` (${displayPath(ctx, model.dir)})`
    : `inline model \`${model.stage.name}\``;
}
