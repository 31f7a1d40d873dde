/**
 * Static memory estimate for fine-tuning (and generating with) a Llama-style model, exact from
 * the architecture in config.json: a table of components and a total, plus the largest single
 * buffers (for the device's maxBufferSize / maxStorageBufferBindingSize). Formulas: docs/memory.md.
 */
import { expectedTensors, type LlamaArchitecture } from "../world/llama-config.js";
import { estimateActivations, type ActivationEstimate, type AttentionImpl } from "./activations.js";
import { trainablePlan, type PeftMethod, type TrainablePlan } from "./peft.js";
import {
  FLOAT_BYTES,
  matrixBytes,
  optimizerStateBytes,
  type FloatPrecision,
  type OptimizerKind,
  type WeightPrecision,
} from "./precision.js";
import { groupThousands } from "../text/format-number.js";

export interface TrainingMemoryInput {
  arch: LlamaArchitecture;
  method: PeftMethod;
  /** Storage of the decoder layers' linear weights (q…down_proj). */
  baseWeights: WeightPrecision;
  /** NF4 double quantisation of the absmax values. */
  doubleQuant?: boolean;
  /**
   * Storage of everything else (embeddings, lm_head, norms, biases). Default: `baseWeights`
   * when it is a float format, else bf16 (bitsandbytes keeps these in the compute dtype).
   */
  otherWeights?: FloatPrecision;
  /** Storage of adapter parameters and their gradients (default fp32, as PEFT does). */
  adapterPrecision?: FloatPrecision;
  /** Full fine-tuning with 16-bit weights: also keep an fp32 master copy (default false). */
  masterWeights?: boolean;
  /** Dtype of activations. */
  compute: FloatPrecision;
  optimizer: OptimizerKind;
  batch: number;
  seqLen: number;
  gradientCheckpointing: boolean;
  /** Default "materialized" (the softmax matrix is stored), the conservative choice. */
  attention?: AttentionImpl;
  saveFrozenLinearInputs?: boolean;
}

export type MemoryComponentKey =
  | "weights"
  | "adapter"
  | "master"
  | "gradients"
  | "optimizer"
  | "activations"
  | "logits"
  | "workspace"
  | "kv-cache";

export interface MemoryComponent {
  key: MemoryComponentKey;
  label: string;
  bytes: number;
  detail: string;
}

export interface BufferNeed {
  name: string;
  bytes: number;
}

export interface MemoryEstimate {
  components: MemoryComponent[];
  totalBytes: number;
  parameters: { total: number; trainable: number };
  /** Bytes that do not depend on batch or sequence length (weights, gradients, states). */
  fixedBytes: number;
  plan: TrainablePlan;
  activations?: ActivationEstimate;
  /** The largest single buffers, largest first. */
  buffers: BufferNeed[];
}

function isFloat(p: WeightPrecision): p is FloatPrecision {
  return p === "fp32" || p === "fp16" || p === "bf16";
}

interface WeightBytes {
  bytes: number;
  params: number;
  buffers: BufferNeed[];
  detail: string;
}

/** Bytes of the base model's weights, tensor by tensor. */
export function baseWeightBytes(
  arch: LlamaArchitecture,
  precision: WeightPrecision,
  other: FloatPrecision,
  doubleQuant = false,
): WeightBytes {
  let bytes = 0;
  let params = 0;
  let quantParams = 0;
  const biggest = new Map<string, BufferNeed>();
  const keep = (name: string, b: number): void => {
    const cur = biggest.get(name);
    if (!cur || cur.bytes < b) biggest.set(name, { name, bytes: b });
  };
  for (const t of expectedTensors(arch)) {
    const n = t.shape.reduce((x, y) => x * y, 1);
    params += n;
    if (t.role === "linear") {
      const q = matrixBytes(t.shape[0], t.shape[1], precision, doubleQuant);
      bytes += q.total;
      quantParams += n;
      keep(`weight ${t.module} (${precision})`, q.data);
      if (q.scales) keep(`weight scales ${t.module}`, q.scales);
    } else {
      const b = n * FLOAT_BYTES[other];
      bytes += b;
      keep(`weight ${t.module} (${other})`, b);
    }
  }
  const detail = isFloat(precision)
    ? `${groupThousands(params)} params × ${FLOAT_BYTES[precision]} B`
    : `${groupThousands(quantParams)} linear params in ${precision}${doubleQuant ? " (double-quant)" : ""}, ` +
      `${groupThousands(params - quantParams)} others in ${other}`;
  return { bytes, params, buffers: [...biggest.values()], detail };
}

function fmtCount(n: number): string {
  return groupThousands(n);
}

export function estimateTrainingMemory(input: TrainingMemoryInput): MemoryEstimate {
  const { arch, method } = input;
  if (method.kind === "full" && !isFloat(input.baseWeights)) {
    throw new RangeError(`full fine-tuning needs float weights, not ${input.baseWeights}`);
  }
  const other = input.otherWeights ?? (isFloat(input.baseWeights) ? input.baseWeights : "bf16");
  const plan = trainablePlan(arch, method);
  const base = baseWeightBytes(arch, input.baseWeights, other, input.doubleQuant);
  const components: MemoryComponent[] = [];
  const buffers: BufferNeed[] = [...base.buffers];
  components.push({
    key: "weights",
    label: "base weights",
    bytes: base.bytes,
    detail: base.detail,
  });

  const full = method.kind === "full";
  const paramPrecision: FloatPrecision = full
    ? (input.baseWeights as FloatPrecision)
    : (input.adapterPrecision ?? "fp32");
  const pb = FLOAT_BYTES[paramPrecision];
  const largestTrainable = plan.tensors.reduce((m, t) => Math.max(m, t.numel), 0);
  if (!full && plan.count > 0) {
    components.push({
      key: "adapter",
      label: `${method.kind} parameters`,
      bytes: plan.count * pb,
      detail: `${fmtCount(plan.count)} trainable params × ${pb} B (${paramPrecision})`,
    });
  }
  if (full && input.masterWeights && paramPrecision !== "fp32") {
    components.push({
      key: "master",
      label: "fp32 master weights",
      bytes: plan.count * 4,
      detail: `${fmtCount(plan.count)} params × 4 B`,
    });
    buffers.push({ name: "master weight (largest tensor)", bytes: largestTrainable * 4 });
  }
  if (plan.count > 0) {
    components.push({
      key: "gradients",
      label: "gradients",
      bytes: plan.count * pb,
      detail: `${fmtCount(plan.count)} trainable params × ${pb} B`,
    });
    let optimizer = 0;
    for (const t of plan.tensors) optimizer += optimizerStateBytes(t.numel, input.optimizer);
    components.push({
      key: "optimizer",
      label: `optimizer states (${input.optimizer})`,
      bytes: optimizer,
      detail:
        input.optimizer === "adamw"
          ? "m + v in f32: 8 B per trainable param"
          : input.optimizer === "adamw-8bit"
            ? "m + v as 8-bit blockwise (256) codes + f32 absmax; tensors < 4096 elements keep f32"
            : input.optimizer === "sgd-momentum"
              ? "momentum in f32: 4 B per trainable param"
              : "no state",
    });
    buffers.push({ name: "gradient (largest trainable tensor)", bytes: largestTrainable * pb });
    buffers.push({
      name: "optimizer state m (largest trainable tensor)",
      bytes:
        input.optimizer === "adamw"
          ? largestTrainable * 4
          : optimizerStateBytes(largestTrainable, input.optimizer) / 2,
    });
  }
  const fixedBytes = components.reduce((n, c) => n + c.bytes, 0);

  const attention = input.attention ?? "materialized";
  const act = estimateActivations(arch, {
    batch: input.batch,
    seqLen: input.seqLen,
    compute: input.compute,
    attention,
    gradientCheckpointing: input.gradientCheckpointing,
    plan,
    ...(input.saveFrozenLinearInputs !== undefined
      ? { saveFrozenLinearInputs: input.saveFrozenLinearInputs }
      : {}),
  });
  const headBytes = act.head.reduce((n, i) => n + i.bytes, 0);
  const T = input.batch * (input.seqLen + plan.promptTokens);
  components.push({
    key: "activations",
    label: `activations${input.gradientCheckpointing ? " (checkpointed)" : ""}`,
    bytes: act.layersKept,
    detail: input.gradientCheckpointing
      ? `${arch.numHiddenLayers} layer inputs + one recomputed layer, b=${input.batch} s=${input.seqLen}`
      : `${arch.numHiddenLayers} layers, b=${input.batch} s=${input.seqLen}, ${attention} attention`,
  });
  components.push({
    key: "logits",
    label: "logits + gradient",
    bytes: headBytes,
    detail: `2 × ${fmtCount(T)} tokens × ${fmtCount(arch.vocabSize)} vocab × 4 B, + final norm, ids`,
  });
  components.push({
    key: "workspace",
    label: "backward workspace",
    bytes: act.workspace,
    detail: "largest transient set: attention scores / gradients of one layer in flight",
  });

  const a = FLOAT_BYTES[input.compute];
  const sq = input.seqLen + plan.promptTokens;
  const skv = sq + plan.prefixTokens;
  buffers.push({ name: "logits (f32)", bytes: T * arch.vocabSize * 4 });
  if (attention === "materialized") {
    buffers.push({
      name: "attention probabilities (one layer)",
      bytes: input.batch * arch.numAttentionHeads * sq * skv * a,
    });
  }
  buffers.push({ name: "gate/up output (one layer)", bytes: T * arch.intermediateSize * a });
  buffers.sort((x, y) => y.bytes - x.bytes);

  return {
    components,
    totalBytes: components.reduce((n, c) => n + c.bytes, 0),
    parameters: { total: base.params, trainable: plan.count },
    fixedBytes,
    plan,
    activations: act,
    buffers,
  };
}

export interface GenerationMemoryInput {
  arch: LlamaArchitecture;
  baseWeights: WeightPrecision;
  doubleQuant?: boolean;
  otherWeights?: FloatPrecision;
  /** An unmerged adapter kept beside the base weights (LoRA/IA3/…), in adapterPrecision. */
  adapter?: PeftMethod;
  adapterPrecision?: FloatPrecision;
  compute: FloatPrecision;
  /** Precision of the KV cache (default = compute). */
  kvCache?: FloatPrecision;
  batch: number;
  promptLen: number;
  maxNewTokens: number;
  attention?: AttentionImpl;
}

/**
 * Generation: weights + KV cache for prompt + new tokens (2·L·b·(p+n)·kv_heads·head_dim) + the
 * prefill workspace of one layer at prompt length + last-position logits (f32).
 */
export function estimateGenerationMemory(input: GenerationMemoryInput): MemoryEstimate {
  const { arch } = input;
  const other = input.otherWeights ?? (isFloat(input.baseWeights) ? input.baseWeights : "bf16");
  const base = baseWeightBytes(arch, input.baseWeights, other, input.doubleQuant);
  const plan = trainablePlan(arch, input.adapter ?? { kind: "frozen" });
  const a = FLOAT_BYTES[input.compute];
  const c = FLOAT_BYTES[input.kvCache ?? input.compute];
  const b = input.batch;
  const p = input.promptLen + plan.promptTokens;
  const total = p + input.maxNewTokens;
  const kvw = arch.numKeyValueHeads * arch.headDim;
  const kvPerLayer = 2 * b * (total + plan.prefixTokens) * kvw * c;
  const components: MemoryComponent[] = [
    { key: "weights", label: "base weights", bytes: base.bytes, detail: base.detail },
  ];
  if (plan.count > 0) {
    const pb = FLOAT_BYTES[input.adapterPrecision ?? "fp32"];
    components.push({
      key: "adapter",
      label: `${plan.method.kind} parameters`,
      bytes: plan.count * pb,
      detail: `${fmtCount(plan.count)} params × ${pb} B`,
    });
  }
  const fixedBytes = components.reduce((n, x) => n + x.bytes, 0);
  components.push({
    key: "kv-cache",
    label: "KV cache",
    bytes: arch.numHiddenLayers * kvPerLayer,
    detail: `2 × ${arch.numHiddenLayers} layers × b=${b} × ${total} positions × ${kvw} × ${c} B`,
  });
  const T = b * p;
  const h = arch.hiddenSize;
  const q = arch.numAttentionHeads * arch.headDim;
  const scores =
    (input.attention ?? "materialized") === "materialized"
      ? b * arch.numAttentionHeads * p * p * a
      : 0;
  const prefill = T * (2 * h + q + 2 * kvw + 3 * arch.intermediateSize) * a + scores;
  components.push({
    key: "workspace",
    label: "prefill workspace",
    bytes: prefill,
    detail: `one layer's forward temporaries for ${fmtCount(T)} prompt tokens`,
  });
  components.push({
    key: "logits",
    label: "logits (last position)",
    bytes: b * arch.vocabSize * 4,
    detail: `b=${b} × ${fmtCount(arch.vocabSize)} × 4 B`,
  });
  const buffers = [
    ...base.buffers,
    { name: "KV cache (one layer, K or V)", bytes: kvPerLayer / 2 },
    ...(scores ? [{ name: "attention scores (prefill, one layer)", bytes: scores }] : []),
  ].sort((x, y) => y.bytes - x.bytes);
  return {
    components,
    totalBytes: components.reduce((n, x) => n + x.bytes, 0),
    parameters: { total: base.params, trainable: 0 },
    fixedBytes,
    plan,
    buffers,
  };
}

/** "1.50 GiB", "512.0 MiB", "3.0 KiB", "12 B" (binary units). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} B` : `${v.toFixed(u >= 3 ? 2 : 1)} ${units[u]}`;
}

export interface MemoryTableRow {
  component: string;
  bytes: number;
  size: string;
  detail: string;
}

/** Rows for `pipe estimate` (the CLI renders them); the last row is the total. */
export function memoryTable(estimate: MemoryEstimate): MemoryTableRow[] {
  return [
    ...estimate.components.map((c) => ({
      component: c.label,
      bytes: c.bytes,
      size: formatBytes(c.bytes),
      detail: c.detail,
    })),
    {
      component: "total",
      bytes: estimate.totalBytes,
      size: formatBytes(estimate.totalBytes),
      detail: `${fmtCount(estimate.parameters.total)} params, ${fmtCount(estimate.parameters.trainable)} trainable`,
    },
  ];
}
