/**
 * One Llama decoder layer (Hugging Face `LlamaDecoderLayer`):
 *
 *   h = x + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))   n1 = RMSNorm(x)
 *   y = h + down_proj(silu(gate_proj(n2)) ⊙ up_proj(n2))                    n2 = RMSNorm(h)
 *
 * with causal grouped-query attention, optional q/k/v/o and MLP biases (Qwen2, `attention_bias`,
 * `mlp_bias`), optional per-head q/k RMSNorm (Qwen3), and the adapter hooks that live inside a
 * layer: prefix K/V (prefix tuning), bottleneck adapters after attention and/or the MLP.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { add } from "../ops/elementwise.js";
import { broadcastTo, concat, reshape, slice } from "../ops/shape.js";
import { rmsnorm } from "../ops/rmsnorm.js";
import { rope } from "../ops/rope.js";
import { causalAttention } from "../ops/attention.js";
import { swiglu } from "../ops/activations.js";
import type { LlamaArchitecture } from "../../compiler/world/llama-config.js";
import type { Linear } from "./linear.js";
import type { KvCache } from "./kv-cache.js";

/** A residual-branch adapter (bottleneck): y ↦ y + up(act(down(y))). */
export interface BranchAdapter {
  forward(y: Tensor): Tensor;
  parameters(): [string, Tensor][];
  dispose(): void;
}

/** What every layer of one forward call shares. */
export interface LayerContext {
  batch: number;
  /** Positions this call processes (virtual prompt tokens included). */
  tokens: number;
  /** i32 [batch·tokens]: the RoPE position of each row. */
  positions: Tensor;
  /** The RoPE (cos, sin) table, [maxPositions, headDim/2, 2]. */
  ropeTable: Tensor;
  /** i32 [batch, tokens] segment ids (packed sequences): attention stays inside a segment. */
  segments?: Tensor;
  training: boolean;
  cache?: KvCache;
  /** Prefix tuning without a cache: per-layer key/value rows [n, kvHeads·headDim]. */
  prefix?: (layer: number) => { k: Tensor; v: Tensor };
}

export interface LayerWeights {
  inputNorm: Tensor;
  postNorm: Tensor;
  /** Qwen3 per-head norms [headDim]. */
  qNorm?: Tensor;
  kNorm?: Tensor;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  gate: Linear;
  up: Linear;
  down: Linear;
}

export class DecoderLayer {
  adapterAttn: BranchAdapter | null = null;
  adapterMlp: BranchAdapter | null = null;

  constructor(
    readonly index: number,
    readonly arch: LlamaArchitecture,
    readonly w: LayerWeights,
  ) {}

  get prefix(): string {
    return `model.layers.${this.index}`;
  }

  /** The seven projections in forward order. */
  linears(): Linear[] {
    const w = this.w;
    return [w.q, w.k, w.v, w.o, w.gate, w.up, w.down];
  }

  /** Base parameters (f32), Hugging Face names, in checkpoint order. */
  baseParameters(): [string, Tensor][] {
    const p = this.prefix;
    const out: [string, Tensor][] = [[`${p}.input_layernorm.weight`, this.w.inputNorm]];
    for (const lin of this.linears()) {
      if (lin === this.w.gate) out.push([`${p}.post_attention_layernorm.weight`, this.w.postNorm]);
      if (lin.weight) out.push([`${lin.name}.weight`, lin.weight]);
      if (lin.bias) out.push([`${lin.name}.bias`, lin.bias]);
      if (lin === this.w.q && this.w.qNorm)
        out.push([`${p}.self_attn.q_norm.weight`, this.w.qNorm]);
      if (lin === this.w.k && this.w.kNorm)
        out.push([`${p}.self_attn.k_norm.weight`, this.w.kNorm]);
    }
    return out;
  }

  adapterParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const lin of this.linears()) out.push(...lin.adapterParameters());
    if (this.adapterAttn) out.push(...this.adapterAttn.parameters());
    if (this.adapterMlp) out.push(...this.adapterMlp.parameters());
    return out;
  }

  forward(x: Tensor, ctx: LayerContext): Tensor {
    const a = this.arch;
    const eps = a.rmsNormEps;
    const { batch: B, tokens: T } = ctx;
    const H = a.numAttentionHeads;
    const Hkv = a.numKeyValueHeads;
    const D = a.headDim;
    const w = this.w;

    const n1 = rmsnorm(x, w.inputNorm, eps);
    let q = reshape(w.q.forward(n1, ctx.training), [B, T, H, D]);
    let k = reshape(w.k.forward(n1, ctx.training), [B, T, Hkv, D]);
    const v = reshape(w.v.forward(n1, ctx.training), [B, T, Hkv, D]);
    if (w.qNorm) q = rmsnorm(q, w.qNorm, eps);
    if (w.kNorm) k = rmsnorm(k, w.kNorm, eps);
    q = rope(q, ctx.positions, ctx.ropeTable);
    k = rope(k, ctx.positions, ctx.ropeTable);

    let attn: Tensor;
    if (ctx.segments && (ctx.cache || ctx.prefix))
      throw new Error("internal: segment ids with a KV cache or prefix tuning");
    if (ctx.cache) {
      const kv = ctx.cache.append(this.index, k, v);
      attn = causalAttention(q, kv.k, kv.v);
    } else if (ctx.prefix) {
      // Prefix keys are visible to every query. The attention op differentiates only square
      // (keys = queries) problems, so n zero query rows are put in front and their outputs
      // dropped: the real query t then sees keys 0 … n + t, exactly prefix + causal.
      const pre = ctx.prefix(this.index);
      const n = pre.k.shape[0];
      const pk = broadcastTo(reshape(pre.k, [1, n, Hkv, D]), [B, n, Hkv, D]);
      const pv = broadcastTo(reshape(pre.v, [1, n, Hkv, D]), [B, n, Hkv, D]);
      const qPad = concat([zeros([B, n, H, D], { backend: q.backend }), q], 1);
      const full = causalAttention(qPad, concat([pk, k], 1), concat([pv, v], 1));
      attn = slice(full, [0, n, 0, 0]);
    } else {
      attn = causalAttention(q, k, v, ctx.segments ? { segments: ctx.segments } : {});
    }
    let o = w.o.forward(reshape(attn, [B, T, H * D]), ctx.training);
    if (this.adapterAttn) o = this.adapterAttn.forward(o);
    const h = add(x, o);

    const n2 = rmsnorm(h, w.postNorm, eps);
    const act = swiglu(w.gate.forward(n2, ctx.training), w.up.forward(n2, ctx.training));
    let m = w.down.forward(act, ctx.training);
    if (this.adapterMlp) m = this.adapterMlp.forward(m);
    return add(h, m);
  }

  dispose(): void {
    for (const t of [this.w.inputNorm, this.w.postNorm, this.w.qNorm, this.w.kNorm]) t?.dispose();
    for (const lin of this.linears()) lin.dispose();
    this.adapterAttn?.dispose();
    this.adapterMlp?.dispose();
  }
}
