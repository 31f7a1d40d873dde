/**
 * Activation memory of a Llama-style decoder during training: the tensors each layer keeps
 * from the forward pass for the backward pass, the logits and their gradient, and the largest
 * transient workspace. The full derivation (which tensor, why it is kept) is in docs/memory.md.
 *
 * Notation: b batch, s sequence, T = b·s tokens, h hidden, i intermediate, q = heads·head_dim,
 * kv = kv_heads·head_dim, a = bytes of the compute dtype; norms keep rstd in f32.
 *
 * What a layer keeps (bytes):
 *   x (layer input, for RMSNorm₁ backward)                     T·h·a
 *   h₁ (residual after attention, for RMSNorm₂ backward)       T·h·a
 *   rstd of both norms                                          2·T·4
 *   q, k after RoPE and v (attention backward)                  T·(q + 2·kv)·a
 *   attention: materialised softmax P                           b·heads·s²·a
 *          or, fused (flash-style): output O + logsumexp         T·q·a + b·heads·s·4
 *   gate and up outputs (SwiGLU backward)                        2·T·i·a
 *   the input of a linear layer, only when its weight is trainable or it carries an adapter
 *   that needs it (LoRA's dA = gᵀ·x, IA3 on inputs):
 *     normed x (q/k/v input) T·h·a, O (o_proj input) T·q·a, normed h₁ (gate/up input) T·h·a,
 *     silu(g)·u (down_proj input) T·i·a
 *   LoRA: h = x·Aᵀ per adapted module T·r·a (dB = s·dYᵀ·h); with dropout > 0 also the dropped
 *     input T·k·a and its mask T·k·1
 *   IA3 on outputs: the unscaled output T·d·a; bottleneck adapter: T·(h + 2m)·a
 * A frozen linear layer keeps nothing: dX = dY·W needs only W.
 *
 * Gradient checkpointing (per decoder layer): only each layer's input is kept (L·T·h·a), and
 * during backward one layer is recomputed at a time, so one layer's set is added on top.
 */
import type { LlamaArchitecture } from "../world/llama-config.js";
import type { TrainablePlan } from "./peft.js";
import { FLOAT_BYTES, type FloatPrecision } from "./precision.js";

export type AttentionImpl = "materialized" | "fused";

export interface ActivationOptions {
  batch: number;
  seqLen: number;
  compute: FloatPrecision;
  attention: AttentionImpl;
  gradientCheckpointing: boolean;
  plan: TrainablePlan;
  /** Model an autograd that keeps every linear input, trainable or not (default false). */
  saveFrozenLinearInputs?: boolean;
}

export interface ActivationItem {
  name: string;
  bytes: number;
}

export interface ActivationEstimate {
  /** What the largest layer keeps without checkpointing, item by item. */
  layer: ActivationItem[];
  /** Sum over all layers of what each keeps without checkpointing. */
  allLayers: number;
  /** What is kept across layers: all layers, or checkpoints + one recomputed layer. */
  layersKept: number;
  /** Final norm, logits, logits gradient, ids. */
  head: ActivationItem[];
  /** Largest transient buffer set alive at once (attention scores, gradients in flight). */
  workspace: number;
  total: number;
}

const sum = (items: readonly ActivationItem[]): number => items.reduce((n, i) => n + i.bytes, 0);

/** Activations kept by decoder layer `l` (bytes, item by item). */
export function layerActivations(
  arch: LlamaArchitecture,
  l: number,
  o: ActivationOptions,
): ActivationItem[] {
  const a = FLOAT_BYTES[o.compute];
  const { plan } = o;
  const full = plan.method.kind === "full";
  const b = o.batch;
  const sq = o.seqLen + plan.promptTokens;
  const skv = sq + plan.prefixTokens;
  const T = b * sq;
  const h = arch.hiddenSize;
  const i = arch.intermediateSize;
  const q = arch.numAttentionHeads * arch.headDim;
  const kv = arch.numKeyValueHeads * arch.headDim;
  const heads = arch.numAttentionHeads;
  const adapted = plan.adapted.filter((x) => x.module.layer === l);
  const dropout = plan.method.kind === "lora" && (plan.method.dropout ?? 0) > 0;
  const needsInput = (...modules: string[]): boolean =>
    full ||
    o.saveFrozenLinearInputs === true ||
    adapted.some(
      (x) => modules.includes(x.module.module) && (x.loraRank !== undefined || x.ia3 === "input"),
    );

  const items: ActivationItem[] = [
    { name: "layer input x (RMSNorm backward)", bytes: T * h * a },
    { name: "RMSNorm rstd ×2 (f32)", bytes: 2 * T * 4 },
  ];
  if (needsInput("q_proj", "k_proj", "v_proj"))
    items.push({ name: "normed x (q/k/v input)", bytes: T * h * a });
  items.push({ name: "q, k (after RoPE), v", bytes: T * q * a + 2 * b * skv * kv * a });
  if (arch.qkNorm) {
    items.push({
      name: "q/k before per-head norm + rstd",
      bytes: T * (q + kv) * a + T * (heads + arch.numKeyValueHeads) * 4,
    });
  }
  if (o.attention === "materialized") {
    items.push({ name: "attention probabilities P", bytes: b * heads * sq * skv * a });
    if (needsInput("o_proj"))
      items.push({ name: "attention output O (o_proj input)", bytes: T * q * a });
  } else {
    items.push({
      name: "attention output O + logsumexp (f32)",
      bytes: T * q * a + b * heads * sq * 4,
    });
  }
  items.push({ name: "residual h₁ (RMSNorm backward)", bytes: T * h * a });
  if (needsInput("gate_proj", "up_proj"))
    items.push({ name: "normed h₁ (gate/up input)", bytes: T * h * a });
  items.push({ name: "gate, up outputs (SwiGLU backward)", bytes: 2 * T * i * a });
  if (needsInput("down_proj"))
    items.push({ name: "silu(gate)·up (down_proj input)", bytes: T * i * a });

  let lora = 0;
  let loraDrop = 0;
  let ia3 = 0;
  for (const x of adapted) {
    if (x.loraRank !== undefined) {
      lora += T * x.loraRank * a;
      if (dropout) loraDrop += T * x.module.inFeatures * (a + 1);
    }
    if (x.ia3 === "output") ia3 += T * x.module.outFeatures * a;
  }
  if (lora) items.push({ name: "LoRA x·Aᵀ", bytes: lora });
  if (loraDrop) items.push({ name: "LoRA dropped inputs + masks", bytes: loraDrop });
  if (ia3) items.push({ name: "IA3 unscaled outputs", bytes: ia3 });
  if (plan.bottleneck) {
    const { perLayer, size } = plan.bottleneck;
    items.push({
      name: "bottleneck adapter input + hidden",
      bytes: perLayer * T * (h + 2 * size) * a,
    });
  }
  return items;
}

export function estimateActivations(
  arch: LlamaArchitecture,
  o: ActivationOptions,
): ActivationEstimate {
  const a = FLOAT_BYTES[o.compute];
  const { plan } = o;
  const b = o.batch;
  const sq = o.seqLen + plan.promptTokens;
  const skv = sq + plan.prefixTokens;
  const T = b * sq;
  const h = arch.hiddenSize;
  const heads = arch.numAttentionHeads;
  const q = arch.numAttentionHeads * arch.headDim;
  const kv = arch.numKeyValueHeads * arch.headDim;
  const V = arch.vocabSize;

  let allLayers = 0;
  let largest: ActivationItem[] = [];
  let largestBytes = -1;
  for (let l = 0; l < arch.numHiddenLayers; l++) {
    const items = layerActivations(arch, l, o);
    const bytes = sum(items);
    allLayers += bytes;
    if (bytes > largestBytes) {
      largestBytes = bytes;
      largest = items;
    }
  }
  const layerInput = T * h * a;
  const layersKept = o.gradientCheckpointing
    ? arch.numHiddenLayers * layerInput + (largestBytes - layerInput)
    : allLayers;

  const headNeedsInput =
    plan.method.kind === "full" ||
    o.saveFrozenLinearInputs === true ||
    plan.adapted.some(
      (x) => x.module.module === "lm_head" && (x.loraRank !== undefined || x.ia3 === "input"),
    );
  const head: ActivationItem[] = [
    { name: "final RMSNorm input + rstd", bytes: T * h * a + T * 4 },
    ...(headNeedsInput ? [{ name: "final normed x (lm_head input)", bytes: T * h * a }] : []),
    { name: "logits (f32)", bytes: T * V * 4 },
    { name: "logits gradient (f32)", bytes: T * V * 4 },
    { name: "token ids + labels (i32)", bytes: 2 * T * 4 },
  ];
  const scores = b * heads * sq * skv * a;
  const forward = o.attention === "materialized" ? scores : 0;
  const attnGrad = o.attention === "materialized" ? scores : T * q * a + 2 * b * skv * kv * a;
  const mlpGrad = 2 * T * arch.intermediateSize * a;
  const backward = 2 * T * h * a + Math.max(attnGrad, mlpGrad);
  const workspace = Math.max(forward, backward);
  return {
    layer: largest,
    allLayers,
    layersKept,
    head,
    workspace,
    total: layersKept + sum(head) + workspace,
  };
}
