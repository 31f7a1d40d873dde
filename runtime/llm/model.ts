/**
 * A Llama-style causal LM (Hugging Face `LlamaForCausalLM`) on the runtime API: token
 * embedding → decoder layers → final RMSNorm → LM head (tied or untied), with Hugging Face
 * parameter names, random init for inline models, state dicts, and the adapter hooks that act
 * at model level (prompt tuning, prefix tuning). See README.md.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Backend } from "../backend/backend.js";
import { fromArray, ones, randn } from "../tensor/creation.js";
import { keep, tidy } from "../tensor/scope.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { broadcastTo, concat, reshape, slice } from "../ops/shape.js";
import { embedding } from "../ops/embedding.js";
import { rmsnorm } from "../ops/rmsnorm.js";
import { ropeCache } from "../ops/rope.js";
import { writeTensor } from "../ops/assign.js";
import { getDefaultBackend } from "../backend/default.js";
import { createRng, type Rng } from "../util/random.js";
import type { LlamaArchitecture } from "../../compiler/world/llama-config.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { Linear } from "./linear.js";
import { DecoderLayer, type LayerContext } from "./layers.js";
import type { KvCache } from "./kv-cache.js";
import { forwardBackward } from "./checkpointing.js";
import { settleQuietly } from "../train/gpu-wait.js";

/** Prompt tuning / prefix tuning state (model level). */
export interface PromptAdapter {
  kind: "prompt-tuning" | "prefix-tuning";
  virtualTokens: number;
  /** `prompt_encoder.embedding.weight`: [n, hidden] or [n, L·2·kvHeads·headDim]. */
  embedding: Tensor;
}

export interface ForwardOptions {
  /**
   * 1 for real tokens, 0 for padding, per row. Only right padding is accepted (the attention op
   * is causal without a key mask, so trailing padding cannot reach real positions).
   */
  attentionMask?: readonly (readonly number[])[];
  /** Incremental decoding: K/V of earlier positions; the call appends its own (no grad). */
  cache?: KvCache;
  /** Logits for the last position only ([B, 1, V]). */
  lastOnly?: boolean;
  /**
   * RoPE position of each token, [B][T] (packed sequences restart at 0 for every example);
   * default 0 … T−1 in every row. Not with a KV cache or prompt/prefix tuning.
   */
  positionIds?: readonly (readonly number[])[];
  /**
   * Segment id of each token, [B][T]: a token attends only to earlier tokens with the same id,
   * so examples packed into one row are independent (padding gets its own id, 0). Not with a
   * KV cache or prompt/prefix tuning.
   */
  segmentIds?: readonly (readonly number[])[];
}

/** One forward call's inputs and shared layer context (see `LlamaModel.prepare`). */
export interface ForwardPass {
  /** i32 [B, T]. */
  ids: Tensor;
  /** Prompt-tuning positions in front of the tokens (0 without prompt tuning). */
  virtualTokens: number;
  lastOnly: boolean;
  ctx: LayerContext;
}

/** Where the weights of a model come from. */
export type WeightSource = (name: string, shape: readonly number[]) => ArrayLike<number>;

export interface ModelOptions {
  backend?: Backend;
  /** Base parameters get `requiresGrad`. */
  trainable?: boolean;
}

export class LlamaModel {
  readonly arch: LlamaArchitecture;
  readonly backend: Backend;
  readonly embedTokens: Tensor;
  readonly layers: DecoderLayer[];
  readonly norm: Tensor;
  readonly lmHead: Linear;
  tokenizer?: Tokenizer;
  /** End-of-sequence ids for generation (generation_config.json / config.json). */
  eosTokenIds: number[] = [];
  /** The directory the model was loaded from (tokenizer files are copied from it on save). */
  sourceDir?: string;
  /** config.json as read (saved back with `torch_dtype` updated). */
  configJson?: Record<string, unknown>;
  promptAdapter: PromptAdapter | null = null;
  /** Named adapters attached, for export (`lora`, `qlora`, `ia3`, …) with their settings. */
  adapterConfigs: { kind: string; config: Record<string, unknown> }[] = [];
  training = false;
  private rope: Tensor | null = null;
  private ropePositions = 0;
  private disposed = false;

  constructor(arch: LlamaArchitecture, source: WeightSource, options: ModelOptions = {}) {
    this.arch = arch;
    this.backend = options.backend ?? getDefaultBackend();
    const trainable = options.trainable ?? false;
    const param = (name: string, shape: number[]): Tensor => {
      const values = source(name, shape);
      return keep(fromArray(values, shape, { backend: this.backend, requiresGrad: trainable }));
    };
    const h = arch.hiddenSize;
    this.embedTokens = param("model.embed_tokens.weight", [arch.vocabSize, h]);
    this.layers = [];
    for (let l = 0; l < arch.numHiddenLayers; l++) {
      const p = `model.layers.${l}`;
      const q = arch.numAttentionHeads * arch.headDim;
      const kv = arch.numKeyValueHeads * arch.headDim;
      const lin = (sub: string, mod: string, out: number, inp: number, bias: boolean) =>
        new Linear(
          `${p}.${sub}.${mod}`,
          param(`${p}.${sub}.${mod}.weight`, [out, inp]),
          bias ? param(`${p}.${sub}.${mod}.bias`, [out]) : null,
        );
      const inputNorm = param(`${p}.input_layernorm.weight`, [h]);
      const qp = lin("self_attn", "q_proj", q, h, arch.qkvBias);
      const qNorm = arch.qkNorm ? param(`${p}.self_attn.q_norm.weight`, [arch.headDim]) : undefined;
      const kp = lin("self_attn", "k_proj", kv, h, arch.qkvBias);
      const kNorm = arch.qkNorm ? param(`${p}.self_attn.k_norm.weight`, [arch.headDim]) : undefined;
      const vp = lin("self_attn", "v_proj", kv, h, arch.qkvBias);
      const op = lin("self_attn", "o_proj", h, q, arch.oBias);
      const postNorm = param(`${p}.post_attention_layernorm.weight`, [h]);
      const i = arch.intermediateSize;
      this.layers.push(
        new DecoderLayer(l, arch, {
          inputNorm,
          postNorm,
          ...(qNorm ? { qNorm } : {}),
          ...(kNorm ? { kNorm } : {}),
          q: qp,
          k: kp,
          v: vp,
          o: op,
          gate: lin("mlp", "gate_proj", i, h, arch.mlpBias),
          up: lin("mlp", "up_proj", i, h, arch.mlpBias),
          down: lin("mlp", "down_proj", h, i, arch.mlpBias),
        }),
      );
    }
    this.norm = param("model.norm.weight", [h]);
    this.lmHead = arch.tieWordEmbeddings
      ? new Linear("lm_head", this.embedTokens, null, { tied: true })
      : new Linear("lm_head", param("lm_head.weight", [arch.vocabSize, h]));
  }

  /**
   * An inline model with Hugging Face's init: linear and embedding weights N(0, initStd²)
   * (`initializer_range`, default 0.02), norm weights 1. Deterministic in `seed`.
   */
  static random(
    arch: LlamaArchitecture,
    options: ModelOptions & { seed: number; initStd?: number },
  ): LlamaModel {
    const std = options.initStd ?? 0.02;
    const rng = createRng(options.seed);
    const source: WeightSource = (name, shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      // One sub-stream per tensor, drawn in construction order: adding a tensor type never
      // shifts the values of another model's tensors of the same name.
      const sub = createRng(rng.nextUint32());
      if (/norm\.weight$/.test(name)) values.fill(1);
      else if (!name.endsWith(".bias")) for (let i = 0; i < n; i++) values[i] = std * sub.normal();
      return values;
    };
    return new LlamaModel(arch, source, { ...options, trainable: options.trainable ?? true });
  }

  // -------------------------------------------------------------------------------------------
  // Parameters

  /** Base parameters (f32 tensors), Hugging Face names, in checkpoint order. */
  baseParameters(): Map<string, Tensor> {
    const out = new Map<string, Tensor>([["model.embed_tokens.weight", this.embedTokens]]);
    for (const layer of this.layers) for (const [n, t] of layer.baseParameters()) out.set(n, t);
    out.set("model.norm.weight", this.norm);
    if (!this.lmHead.tied && this.lmHead.weight) out.set("lm_head.weight", this.lmHead.weight);
    return out;
  }

  /** Adapter parameters, PEFT names without `base_model.model.`. */
  adapterParameters(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    if (this.promptAdapter)
      out.set("prompt_encoder.embedding.weight", this.promptAdapter.embedding);
    for (const layer of this.layers) for (const [n, t] of layer.adapterParameters()) out.set(n, t);
    for (const [n, t] of this.lmHead.adapterParameters()) out.set(n, t);
    return out;
  }

  /** Every f32 parameter: base (Hugging Face names) then adapters. */
  parameters(): Map<string, Tensor> {
    return new Map([...this.baseParameters(), ...this.adapterParameters()]);
  }

  /** Parameters with `requiresGrad` (with an adapter attached: the adapter's only). */
  trainableParameters(): Map<string, Tensor> {
    return new Map([...this.parameters()].filter(([, t]) => t.requiresGrad));
  }

  /** Every linear module (decoder projections, then lm_head). */
  linears(): Linear[] {
    return [...this.layers.flatMap((l) => l.linears()), this.lmHead];
  }

  setBaseTrainable(flag: boolean): void {
    for (const t of this.baseParameters().values()) t.requiresGrad = flag;
  }

  train(): this {
    this.training = true;
    return this;
  }

  eval(): this {
    this.training = false;
    return this;
  }

  /** Host copies of the parameters (all, or the trainable ones: what a checkpoint needs). */
  async stateDict(options: { trainableOnly?: boolean } = {}): Promise<Map<string, Float32Array>> {
    const params = options.trainableOnly ? this.trainableParameters() : this.parameters();
    const out = new Map<string, Float32Array>();
    await settleQuietly(this.backend);
    for (const [name, t] of params) out.set(name, await t.toFloat32Array());
    return out;
  }

  /** Writes values into the existing parameter tensors (optimiser references stay valid). */
  loadStateDict(
    state: ReadonlyMap<string, ArrayLike<number>>,
    options: { strict?: boolean } = {},
  ): void {
    const strict = options.strict ?? true;
    const params = this.parameters();
    for (const [name, values] of state) {
      const t = params.get(name);
      if (!t) {
        if (strict) throw new Error(`loadStateDict: the model has no parameter \`${name}\``);
        continue;
      }
      if (values.length !== t.size) {
        throw new Error(
          `loadStateDict: \`${name}\` has ${values.length} values, the parameter [${t.shape.join(", ")}] needs ${t.size}`,
        );
      }
      noGrad(() => writeTensor(t, values));
    }
    if (strict) {
      for (const [name, t] of params) {
        if (t.requiresGrad && !state.has(name))
          throw new Error(`loadStateDict: no value for trainable parameter \`${name}\``);
      }
    }
  }

  /** Dropout RNG states by module (for exact resume). */
  randomState(): Record<string, [number, number, number, number]> {
    const out: Record<string, [number, number, number, number]> = {};
    for (const lin of this.linears()) if (lin.lora) out[lin.name] = lin.lora.rng.state();
    return out;
  }

  setRandomState(state: Record<string, [number, number, number, number]>): void {
    for (const lin of this.linears()) {
      const s = state[lin.name];
      if (lin.lora && s) lin.lora.rng = createRng(0, s);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Forward

  /** Logits [B, T, vocab] (or [B, 1, vocab] with `lastOnly`). */
  forward(inputIds: Tensor | readonly (readonly number[])[], options: ForwardOptions = {}): Tensor {
    if (options.cache && isGradEnabled()) return noGrad(() => this.forward(inputIds, options));
    const pass = this.prepare(inputIds, options);
    let x = this.embedInputs(pass);
    options.cache?.begin(pass.ctx.tokens);
    for (const layer of this.layers) x = layer.forward(x, pass.ctx);
    options.cache?.commit();
    return this.head(x, pass);
  }

  /**
   * Forward, `lossFn` and backward (parameter `.grad`s filled); with `checkpoint` each layer is
   * recomputed in the backward instead of keeping its activations (checkpointing.ts).
   */
  forwardBackward(
    inputIds: Tensor | readonly (readonly number[])[],
    lossFn: (logits: Tensor) => Tensor,
    options: {
      checkpoint: boolean;
      attentionMask?: readonly (readonly number[])[];
      positionIds?: readonly (readonly number[])[];
      segmentIds?: readonly (readonly number[])[];
    },
  ): Tensor {
    return forwardBackward(this, inputIds, lossFn, options);
  }

  /**
   * The stages of `forward`, for callers that run the layers themselves (gradient
   * checkpointing): `prepare` → `embedInputs` → each `layers[i].forward(x, pass.ctx)` → `head`.
   */
  prepare(
    inputIds: Tensor | readonly (readonly number[])[],
    options: ForwardOptions = {},
  ): ForwardPass {
    if (this.disposed) throw new Error("LlamaModel: the model was disposed");
    const ids = Array.isArray(inputIds)
      ? fromArray((inputIds as number[][]).flat(), [inputIds.length, inputIds[0]?.length ?? 0], {
          backend: this.backend,
          dtype: "i32",
        })
      : (inputIds as Tensor);
    if (ids.rank !== 2)
      throw new Error(
        `LlamaModel.forward: input ids must be [B, T], got [${ids.shape.join(", ")}]`,
      );
    const [B, T] = ids.shape;
    if (options.attentionMask) checkRightPadding(options.attentionMask, B, T);
    const cache = options.cache;
    const pa = this.promptAdapter;
    const packed = options.positionIds !== undefined || options.segmentIds !== undefined;
    if (packed && (cache || pa)) {
      throw new Error(
        `LlamaModel.forward: position/segment ids (packed sequences) cannot be combined with ${cache ? "a KV cache" : pa!.kind}`,
      );
    }
    if (options.positionIds) checkPerToken("positionIds", options.positionIds, B, T);
    if (options.segmentIds) checkPerToken("segmentIds", options.segmentIds, B, T);
    const prompt = pa?.kind === "prompt-tuning" && (!cache || cache.isEmpty) ? pa : null;
    const prefix = pa?.kind === "prefix-tuning" ? pa : null;
    if (cache && prefix && cache.isEmpty) this.seedPrefix(cache, B);
    const n = prompt ? prompt.virtualTokens : 0;
    const tokens = T + n;
    const offset = cache ? cache.length : prefix ? prefix.virtualTokens : 0;
    const positions = new Int32Array(B * tokens);
    let maxPosition = offset + tokens - 1;
    if (options.positionIds) {
      positions.set(options.positionIds.flat());
      maxPosition = positions.reduce((a, b) => Math.max(a, b), 0);
    } else {
      for (let b = 0; b < B; b++)
        for (let t = 0; t < tokens; t++) positions[b * tokens + t] = offset + t;
    }
    const table = this.ropeTable(maxPosition + 1);
    const ctx: LayerContext = {
      batch: B,
      tokens,
      positions: fromArray(positions, [B * tokens], { backend: this.backend, dtype: "i32" }),
      ropeTable: table,
      training: this.training,
      ...(options.segmentIds
        ? {
            segments: fromArray(Int32Array.from(options.segmentIds.flat()), [B, tokens], {
              backend: this.backend,
              dtype: "i32",
            }),
          }
        : {}),
      ...(cache ? { cache } : {}),
      ...(prefix && !cache ? { prefix: (l: number) => this.prefixRows(prefix, l) } : {}),
    };
    return { ids, virtualTokens: n, lastOnly: options.lastOnly ?? false, ctx };
  }

  /** Token embeddings, with prompt-tuning virtual tokens in front: [B, n + T, hidden]. */
  embedInputs(pass: ForwardPass): Tensor {
    const x = embedding(pass.ids, this.embedTokens);
    const n = pass.virtualTokens;
    if (n === 0) return x;
    const h = this.arch.hiddenSize;
    const B = pass.ctx.batch;
    const virtual = broadcastTo(reshape(this.promptAdapter!.embedding, [1, n, h]), [B, n, h]);
    return concat([virtual, x], 1);
  }

  /** Drops virtual positions, final RMSNorm, LM head → logits. */
  head(x: Tensor, pass: ForwardPass): Tensor {
    const n = pass.virtualTokens;
    if (n > 0) x = slice(x, [0, n, 0]);
    if (pass.lastOnly) x = slice(x, [0, x.shape[1] - 1, 0]);
    x = rmsnorm(x, this.norm, this.arch.rmsNormEps);
    return this.lmHead.forward(x, this.training);
  }

  /** Layer `l`'s prefix rows from PEFT's [n, L·2·kv] layout: key block 2l, value block 2l+1. */
  private prefixRows(pa: PromptAdapter, l: number): { k: Tensor; v: Tensor } {
    const kv = this.arch.numKeyValueHeads * this.arch.headDim;
    const n = pa.virtualTokens;
    return {
      k: slice(pa.embedding, [0, 2 * l * kv], [n, (2 * l + 1) * kv]),
      v: slice(pa.embedding, [0, (2 * l + 1) * kv], [n, (2 * l + 2) * kv]),
    };
  }

  /** Puts the prefix K/V of every layer into an empty cache (generation with prefix tuning). */
  private seedPrefix(cache: KvCache, B: number): void {
    const pa = this.promptAdapter!;
    const { numKeyValueHeads: Hkv, headDim: D } = this.arch;
    const n = pa.virtualTokens;
    tidy(() => {
      for (let l = 0; l < this.layers.length; l++) {
        const { k, v } = this.prefixRows(pa, l);
        const shape = [B, n, Hkv, D];
        cache.append(
          l,
          broadcastTo(reshape(k, [1, n, Hkv, D]), shape),
          broadcastTo(reshape(v, [1, n, Hkv, D]), shape),
        );
      }
    });
    cache.begin(n);
    cache.commit();
  }

  /** The RoPE table, grown (doubling) when a longer sequence comes. */
  private ropeTable(positions: number): Tensor {
    if (!this.rope || positions > this.ropePositions) {
      this.rope?.dispose();
      let size = Math.max(this.arch.maxPositionEmbeddings, 16);
      while (size < positions) size *= 2;
      this.rope = keep(
        ropeCache(this.arch.ropeTheta, this.arch.headDim, size, { backend: this.backend }),
      );
      this.ropePositions = size;
    }
    return this.rope;
  }

  /** Initial values of a fresh adapter tensor, on this model's backend. */
  createParameter(values: ArrayLike<number>, shape: number[]): Tensor {
    return keep(fromArray(values, shape, { backend: this.backend, requiresGrad: true }));
  }

  /** Normal(0, std²) parameter from `seed`. */
  randomParameter(shape: number[], seed: number, std: number): Tensor {
    return keep(randn(shape, { seed, std, backend: this.backend, requiresGrad: true }));
  }

  onesParameter(shape: number[]): Tensor {
    return keep(ones(shape, { backend: this.backend, requiresGrad: true }));
  }

  /** A seeded stream for an adapter (dropout). */
  static adapterRng(seed: number, name: string): Rng {
    let h = seed >>> 0;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    return createRng(h);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.embedTokens.dispose();
    for (const l of this.layers) l.dispose();
    this.norm.dispose();
    this.lmHead.dispose();
    this.promptAdapter?.embedding.dispose();
    this.rope?.dispose();
  }
}

/** [B][T] non-negative integers (position or segment ids). */
function checkPerToken(
  what: string,
  rows: readonly (readonly number[])[],
  B: number,
  T: number,
): void {
  if (rows.length !== B) throw new Error(`${what} has ${rows.length} rows for batch ${B}`);
  rows.forEach((row, b) => {
    if (row.length !== T)
      throw new Error(`${what} row ${b} has ${row.length} entries for ${T} tokens`);
    for (const x of row) {
      if (!Number.isInteger(x) || x < 0 || x > 0x7fffffff)
        throw new Error(`${what} row ${b}: ${x} is not a non-negative integer`);
    }
  });
}

function checkRightPadding(mask: readonly (readonly number[])[], B: number, T: number): void {
  if (mask.length !== B) throw new Error(`attentionMask has ${mask.length} rows for batch ${B}`);
  mask.forEach((row, b) => {
    if (row.length !== T)
      throw new Error(`attentionMask row ${b} has ${row.length} entries for ${T} tokens`);
    let seenPad = false;
    for (let t = 0; t < T; t++) {
      if (row[t] === 0) seenPad = true;
      else if (seenPad) {
        throw new Error(
          `attentionMask row ${b}: a real token at position ${t} follows padding; only right ` +
            "padding is supported (the attention op has no key-padding mask)",
        );
      }
    }
  });
}
