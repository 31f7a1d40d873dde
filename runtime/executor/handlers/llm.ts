/**
 * LLM model handlers: load-model (a Hugging Face directory), init-model (a Llama declared
 * inline, random init), quantize (NF4 base weights, applied with the adapter) and
 * attach-adapter (LoRA/QLoRA, IA3, prompt and prefix tuning, bottleneck). They are lazy:
 * a model is built only when a node that runs needs it, fresh for each such node.
 * Training, generation, evaluation and exports live in llm-train.ts, llm-eval.ts and
 * llm-export.ts.
 */
import type { IrNode, IrNodeOf } from "../../../compiler/ir/schema.js";
import { llamaArchitecture } from "../../../compiler/world/llama-config.js";
import { notImplementedError } from "../registry.js";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { modelInput, type LlmModelValue } from "../llm/model-value.js";
import { isTokenizerValue, type TokenizerValue } from "./tokenize.js";
import type { Handler } from "../types.js";
import { llmTrainHandlers } from "./llm-train.js";
import { llmEvalHandlers } from "./llm-eval.js";
import { llmExportHandlers } from "./llm-export.js";

export const isLlamaInit = (n: IrNode) =>
  (n as IrNodeOf<"init-model">).settings.architecture === "llama";

const loadModel: Handler = {
  op: "load-model",
  group: "llm",
  lazy: true,
  async run(ctx) {
    const s = (ctx.node as IrNodeOf<"load-model">).settings;
    const dir = ctx.paths.input(s.path);
    const { loadLlama } = await import("../../llm/hf-io.js");
    // Read once now, so a bad directory fails here with its path (PW30xx) and not later.
    const backend = await ctx.backend();
    const probe = loadLlama(dir, { backend, trainable: false });
    const tokenizer: TokenizerValue | undefined = probe.tokenizer
      ? { kind: "tokenizer", tokenizer: probe.tokenizer, dir }
      : undefined;
    probe.dispose();
    const value: LlmModelValue = {
      kind: "llm-model",
      stage: ctx.node.stage,
      base: s.path,
      ...(tokenizer ? { tokenizer } : {}),
      make: async (b) => loadLlama(dir, { backend: b, trainable: false }),
    };
    return {
      value,
      outputs: tokenizer ? { tokenizer } : {},
      notes: [
        `${ctx.paths.display(dir)}${tokenizer ? ` (tokenizer: ${tokenizer.tokenizer.vocabSize} tokens)` : ""}`,
      ],
    };
  },
};

const initLlama: Handler = {
  op: "init-model",
  group: "llm",
  accepts: isLlamaInit,
  lazy: true,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"init-model">;
    const s = node.settings;
    if (s.architecture !== "llama") throw new Error("not a llama");
    const tok = ctx.hasInput("tokenizer") ? await ctx.input<unknown>("tokenizer") : undefined;
    const tokenizer = isTokenizerValue(tok) ? tok : undefined;
    const c = s.config;
    const vocabSize = c.vocab_size ?? tokenizer?.tokenizer.vocabSize;
    if (tokenizer && c.vocab_size !== undefined && tokenizer.tokenizer.vocabSize > c.vocab_size) {
      // A trained tokenizer is only known now: its ids must fit the declared embedding.
      throw new PipeError(
        "PW3032",
        `model \`${node.stage}\` declares vocab_size ${c.vocab_size}, but its trained tokenizer has ${tokenizer.tokenizer.vocabSize} tokens`,
        {},
        `set vocab_size to at least ${tokenizer.tokenizer.vocabSize} (or leave it out to use the tokenizer's size)`,
      );
    }
    const need = (v: number | undefined, name: string) => {
      // The compiler requires these for an inline model; this guards hand-made IR.
      if (v === undefined) throw new Error(`model \`${node.stage}\`: \`${name}\` is missing`);
      return v;
    };
    const arch = llamaArchitecture({
      hiddenSize: need(c.hidden_size, "hidden_size"),
      intermediateSize: need(c.intermediate_size, "intermediate_size"),
      numHiddenLayers: need(c.num_hidden_layers, "num_hidden_layers"),
      numAttentionHeads: need(c.num_attention_heads, "num_attention_heads"),
      vocabSize: need(vocabSize, "vocab_size"),
      ...(c.num_key_value_heads !== undefined ? { numKeyValueHeads: c.num_key_value_heads } : {}),
      ...(c.head_dim !== undefined ? { headDim: c.head_dim } : {}),
      ...(c.max_position_embeddings !== undefined
        ? { maxPositionEmbeddings: c.max_position_embeddings }
        : {}),
      ...(c.rope_theta !== undefined ? { ropeTheta: c.rope_theta } : {}),
      ...(c.rms_norm_eps !== undefined ? { rmsNormEps: c.rms_norm_eps } : {}),
      ...(c.tie_word_embeddings !== undefined ? { tieWordEmbeddings: c.tie_word_embeddings } : {}),
    });
    const { LlamaModel } = await import("../../llm/model.js");
    const value: LlmModelValue = {
      kind: "llm-model",
      stage: node.stage,
      base: node.stage,
      ...(tokenizer ? { tokenizer } : {}),
      make: async (backend) => {
        const m = LlamaModel.random(arch, { seed: s.seed, initStd: s.init_std, backend });
        if (tokenizer) {
          m.tokenizer = tokenizer.tokenizer;
          if (tokenizer.tokenizer.eosId !== undefined) m.eosTokenIds = [tokenizer.tokenizer.eosId];
        }
        return m;
      },
    };
    return {
      value,
      notes: [
        `llama ${arch.numHiddenLayers}×${arch.hiddenSize} (heads ${arch.numAttentionHeads}/${arch.numKeyValueHeads}, vocab ${arch.vocabSize}), seed ${s.seed}`,
      ],
    };
  },
};

const quantize: Handler = {
  op: "quantize",
  group: "llm",
  lazy: true,
  async run(ctx) {
    const s = (ctx.node as IrNodeOf<"quantize">).settings;
    const base = await modelInput(ctx, "model");
    // NF4 is applied together with the adapter (attachQLora quantises, then attaches).
    return {
      value: {
        ...base,
        stage: ctx.node.stage,
        quantize: { block: s.block, doubleQuant: s.double_quant },
      },
      notes: [`NF4, block ${s.block}${s.double_quant ? ", double quantisation" : ""}`],
    };
  },
};

const attachAdapter: Handler = {
  op: "attach-adapter",
  group: "llm",
  lazy: true,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"attach-adapter">;
    const s = node.settings;
    const base = await modelInput(ctx, "model");
    const adapters = await import("../../llm/index.js");
    let attach: (m: Awaited<ReturnType<LlmModelValue["make"]>>) => void;
    let what: string;
    switch (s.method) {
      case "lora": {
        const lora = {
          rank: s.rank,
          alpha: s.alpha,
          dropout: s.dropout,
          targets: s.targets,
          init: s.init,
          seed: s.seed,
        };
        if (s.quantized_base || base.quantize) {
          const dq = base.quantize?.doubleQuant ?? false;
          attach = (m) => void adapters.attachQLora(m, { ...lora, doubleQuant: dq });
          what = `QLoRA r=${s.rank} α=${s.alpha} on ${s.targets.join(", ")} (NF4 base${dq ? ", double quantisation" : ""})`;
        } else {
          attach = (m) => void adapters.attachLora(m, lora);
          what = `LoRA r=${s.rank} α=${s.alpha} on ${s.targets.join(", ")}`;
        }
        break;
      }
      case "ia3":
        attach = (m) => void adapters.attachIa3(m, { targets: s.targets });
        what = `IA3 on ${s.targets.join(", ")}`;
        break;
      case "prompt_tuning": {
        const tok = base.tokenizer?.tokenizer;
        const initTokenIds = s.init !== undefined && tok ? tok.encode(s.init) : undefined;
        attach = (m) =>
          adapters.attachPromptTuning(m, {
            virtualTokens: s.virtual_tokens,
            seed: s.seed,
            ...(initTokenIds ? { initTokenIds } : {}),
          });
        what = `prompt tuning, ${s.virtual_tokens} virtual tokens`;
        break;
      }
      case "prefix_tuning":
        if (s.projection) throw notImplementedError(node, "prefix tuning with a projection");
        attach = (m) =>
          adapters.attachPrefixTuning(m, { virtualTokens: s.virtual_tokens, seed: s.seed });
        what = `prefix tuning, ${s.virtual_tokens} virtual tokens`;
        break;
      case "bottleneck": {
        if (s.placement === "attention")
          throw notImplementedError(node, "bottleneck adapters on attention only");
        const placement = s.placement === "both" ? "houlsby" : "pfeiffer";
        attach = (m) =>
          adapters.attachBottleneck(m, {
            size: s.bottleneck_size,
            placement,
            activation: s.activation,
            seed: s.seed,
          });
        what = `bottleneck adapters, size ${s.bottleneck_size} (${placement})`;
        break;
      }
    }
    const { quantize: _q, ...rest } = base;
    const value: LlmModelValue = {
      ...rest,
      stage: node.stage,
      make: async (backend) => {
        const m = await base.make(backend);
        attach(m);
        return m;
      },
    };
    return { value, notes: [what] };
  },
};

export function llmHandlers(): Handler[] {
  return [
    loadModel,
    initLlama,
    quantize,
    attachAdapter,
    ...llmTrainHandlers(),
    ...llmEvalHandlers(),
    ...llmExportHandlers(),
  ];
}
