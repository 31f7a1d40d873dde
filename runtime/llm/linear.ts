/**
 * One linear module of the decoder (`q_proj`, …, `down_proj`, `lm_head`) and the adapters that
 * live on it: LoRA (fused op, or base GEMM + low-rank path with dropout / under NF4), IA3
 * scaling vectors, and an NF4-quantised base weight (QLoRA).
 *
 *   y = ia3_out ⊙ ( base(ia3_in ⊙ x) + (α/r)·drop(ia3_in ⊙ x)·Aᵀ·Bᵀ + bias )
 */
import type { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/scope.js";
import { add, mul, scale } from "../ops/elementwise.js";
import { linear } from "../ops/matmul.js";
import { reshape } from "../ops/shape.js";
import { loraLinear } from "../ops/lora.js";
import { disposeNf4, nf4Linear, type Nf4Weight } from "../ops/nf4.js";
import type { Rng } from "../util/random.js";
import { dropout } from "./dropout.js";

export interface LoraState {
  rank: number;
  alpha: number;
  dropout: number;
  /** A [r, in] (trainable). */
  a: Tensor;
  /** B [out, r] (trainable; zero at init). */
  b: Tensor;
  /** Seeded dropout masks (one stream per module). */
  rng: Rng;
}

export interface Ia3State {
  /** [out, 1] scaling the output, or [1, in] scaling the input (PEFT's `ia3_l` shapes). */
  vector: Tensor;
  mode: "output" | "input";
}

export class Linear {
  /** Module path as Hugging Face / PEFT name it, e.g. `model.layers.0.self_attn.q_proj`. */
  readonly name: string;
  readonly outFeatures: number;
  readonly inFeatures: number;
  /** The f32 weight [out, in] (null once quantised to NF4). Shared with the embedding when tied. */
  weight: Tensor | null;
  nf4: Nf4Weight | null = null;
  bias: Tensor | null;
  lora: LoraState | null = null;
  ia3: Ia3State | null = null;
  /** The weight belongs to another module (tied lm_head): never listed or disposed here. */
  readonly tied: boolean;

  constructor(
    name: string,
    weight: Tensor,
    bias: Tensor | null = null,
    options: { tied?: boolean } = {},
  ) {
    this.name = name;
    this.weight = weight;
    this.bias = bias;
    this.outFeatures = weight.shape[0];
    this.inFeatures = weight.shape[1];
    this.tied = options.tied ?? false;
  }

  /** x [..., in] → [..., out]. `training` turns LoRA dropout on. */
  forward(x: Tensor, training: boolean): Tensor {
    let input = x;
    if (this.ia3?.mode === "input") input = mul(x, reshape(this.ia3.vector, [this.inFeatures]));
    let y: Tensor;
    const lora = this.lora;
    if (lora) {
      const dropped = training && lora.dropout > 0;
      if (this.nf4 || dropped) {
        const base = this.baseLinear(input);
        const adapterInput = dropped ? dropout(input, lora.dropout, lora.rng) : input;
        const delta = linear(linear(adapterInput, lora.a), lora.b);
        y = add(base, scale(delta, lora.alpha / lora.rank));
        if (this.bias) y = add(y, this.bias);
      } else {
        y = loraLinear(input, this.weight!, lora.a, lora.b, { alpha: lora.alpha });
        if (this.bias) y = add(y, this.bias);
      }
    } else if (this.nf4) {
      y = this.baseLinear(input);
      if (this.bias) y = add(y, this.bias);
    } else {
      y = linear(input, this.weight!, this.bias ?? undefined);
    }
    if (this.ia3?.mode === "output") y = mul(y, reshape(this.ia3.vector, [this.outFeatures]));
    return y;
  }

  private baseLinear(x: Tensor): Tensor {
    return this.nf4 ? nf4Linear(x, this.nf4) : linear(x, this.weight!);
  }

  /** Replaces the f32 weight with its NF4 quantisation (the f32 tensor is disposed). */
  quantize(quantized: Nf4Weight): void {
    if (this.tied) throw new Error(`${this.name}: a tied weight cannot be quantised`);
    for (const t of [
      quantized.codes,
      quantized.absmax,
      quantized.qabsmax,
      quantized.absmax2,
      quantized.offset,
    ])
      if (t) keep(t);
    this.weight?.dispose();
    this.weight = null;
    this.nf4 = quantized;
  }

  /** Adapter parameters with their names (PEFT's, without `base_model.model.`). */
  adapterParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    if (this.lora) {
      out.push([`${this.name}.lora_A.weight`, this.lora.a]);
      out.push([`${this.name}.lora_B.weight`, this.lora.b]);
    }
    if (this.ia3) out.push([`${this.name}.ia3_l`, this.ia3.vector]);
    return out;
  }

  dispose(): void {
    if (!this.tied) this.weight?.dispose();
    this.bias?.dispose();
    if (this.nf4) disposeNf4(this.nf4);
    this.lora?.a.dispose();
    this.lora?.b.dispose();
    this.ia3?.vector.dispose();
  }
}
