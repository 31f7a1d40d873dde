/**
 * LoRA and QLoRA on a frozen base.
 *
 * LoRA (Hu et al.; PEFT's `LoraConfig`): per targeted W [out, in], A [r, in] and B [out, r];
 * y = x·Wᵀ + (α/r)·dropout(x)·Aᵀ·Bᵀ. Init: B = 0 (ΔW = 0 at step 0); A Kaiming-uniform with
 * a = √5 (PEFT's default: U(±1/√in)) or Gaussian N(0, 1/r²) (PEFT's `init_lora_weights="gaussian"`).
 * Without dropout the forward is the fused LoRA op (one GEMM pass).
 *
 * QLoRA (Dettmers et al.): the decoder's linear weights are quantised to NF4 (block 64, optional
 * double quantisation of the absmax), the forward runs through the dequantise-fused matmul, and
 * LoRA is added on top in f32.
 */
import { quantizeNf4 } from "../../ops/nf4.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { createRng } from "../../util/random.js";
import { LlamaModel } from "../model.js";
import type { Linear } from "../linear.js";
import { freezeBase, resolveTargets } from "./targets.js";

export interface LoraOptions {
  rank: number;
  alpha: number;
  dropout?: number;
  /** Module names/patterns (PEFT `target_modules`), e.g. ["q_proj", "v_proj"] or ["all-linear"]. */
  targets: readonly string[];
  /** PEFT `layers_to_transform`. */
  layers?: readonly number[];
  init?: "kaiming" | "gaussian";
  seed: number;
}

export interface QLoraOptions extends LoraOptions {
  doubleQuant?: boolean;
  /** Which weights to quantise: every decoder projection (default) or only the targets. */
  quantize?: "all-linear" | "targets";
}

/** Attaches LoRA to the targeted modules; returns them. */
export function attachLora(model: LlamaModel, options: LoraOptions): Linear[] {
  const { rank, alpha } = options;
  const dropout = options.dropout ?? 0;
  if (!(Number.isInteger(rank) && rank > 0))
    throw new Error(`LoRA rank must be a positive integer, got ${rank}`);
  if (!(dropout >= 0 && dropout < 1))
    throw new Error(`LoRA dropout must be in [0, 1), got ${dropout}`);
  const targets = resolveTargets(model, options.targets, {
    ...(options.layers ? { layers: options.layers } : {}),
    adapter: "lora",
  });
  for (const lin of targets) {
    if (lin.lora) throw new Error(`${lin.name} already has a LoRA adapter`);
    if (rank > Math.min(lin.inFeatures, lin.outFeatures)) {
      throw new Error(
        `LoRA rank ${rank} exceeds min(out, in) = ${Math.min(lin.inFeatures, lin.outFeatures)} of ${lin.name}`,
      );
    }
  }
  freezeBase(model);
  for (const lin of targets) {
    const init = createRng(LlamaModel.adapterRng(options.seed, `${lin.name}#init`).nextUint32());
    const a = new Float32Array(rank * lin.inFeatures);
    if ((options.init ?? "kaiming") === "gaussian") {
      for (let i = 0; i < a.length; i++) a[i] = init.normal() / rank;
    } else {
      const bound = 1 / Math.sqrt(lin.inFeatures);
      for (let i = 0; i < a.length; i++) a[i] = (2 * init.next() - 1) * bound;
    }
    lin.lora = {
      rank,
      alpha,
      dropout,
      a: model.createParameter(a, [rank, lin.inFeatures]),
      b: model.createParameter(new Float32Array(lin.outFeatures * rank), [lin.outFeatures, rank]),
      rng: LlamaModel.adapterRng(options.seed, `${lin.name}#dropout`),
    };
  }
  model.adapterConfigs.push({
    kind: "lora",
    config: {
      rank,
      alpha,
      dropout,
      targets: [...options.targets],
      modules: targets.map((l) => l.name),
      ...(options.layers ? { layers: [...options.layers] } : {}),
      init: options.init ?? "kaiming",
    },
  });
  return targets;
}

/** Quantises the base to NF4, then attaches LoRA. */
export function attachQLora(model: LlamaModel, options: QLoraOptions): Linear[] {
  const doubleQuant = options.doubleQuant ?? true;
  const toQuantize =
    (options.quantize ?? "all-linear") === "all-linear"
      ? model.layers.flatMap((l) => l.linears())
      : resolveTargets(model, options.targets, {
          ...(options.layers ? { layers: options.layers } : {}),
          adapter: "qlora",
        });
  noGrad(() => {
    for (const lin of toQuantize) {
      if (lin.nf4 || !lin.weight) continue;
      lin.quantize(quantizeNf4(lin.weight, { doubleQuant }));
    }
  });
  const targets = attachLora(model, options);
  const entry = model.adapterConfigs[model.adapterConfigs.length - 1];
  entry.config.quantized = { type: "nf4", doubleQuant, blockSize: 64 };
  return targets;
}
