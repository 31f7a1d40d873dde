/**
 * Trainable parameters of each fine-tuning method (the PEFT rows of the seed's table), as a
 * list of tensors with PEFT-style names, from the architecture alone.
 *
 * - full:          every tensor of the model.
 * - lora:          per targeted matrix W (d×k): A (r×k) and B (d×r) → r·(d+k).
 * - ia3:           per targeted module a learned vector: out_features for attention modules
 *                  (scales the output), in_features for `feedforward` modules (scales the input).
 * - prompt-tuning: n virtual token embeddings, n·hidden.
 * - prefix-tuning: per layer n key and n value vectors of the KV width (num_key_value_heads ×
 *                  head_dim, as PEFT does for grouped-query attention): n·L·2·kv. With a
 *                  reparameterisation MLP (`projectionHidden` p): n·hidden embedding +
 *                  Linear(hidden→p) + Linear(p→L·2·kv), biases included (training only).
 * - bottleneck:    Houlsby adapters after attention and after the MLP of every layer (Pfeiffer:
 *                  after the MLP only), each down (hidden→m) + up (m→hidden) with biases.
 * - frozen:        nothing (evaluation, generation).
 */
import type { LinearModule, LlamaArchitecture } from "../world/llama-config.js";
import { expectedTensors, linearModules } from "../world/llama-config.js";
import { matchTargets, type TargetMatchResult } from "../world/targets.js";

export type PeftMethod =
  | { kind: "full" }
  | { kind: "frozen" }
  | {
      kind: "lora";
      rank: number;
      targets: readonly string[];
      /** PEFT layers_to_transform. */
      layers?: readonly number[];
      /** LoRA dropout on the adapter input; > 0 keeps a dropped copy of each input. */
      dropout?: number;
    }
  | { kind: "ia3"; targets: readonly string[]; feedforward: readonly string[] }
  | { kind: "prompt-tuning"; virtualTokens: number }
  | { kind: "prefix-tuning"; virtualTokens: number; projectionHidden?: number }
  | { kind: "bottleneck"; size: number; placement?: "houlsby" | "pfeiffer" };

export interface TrainableTensor {
  name: string;
  shape: number[];
  numel: number;
}

/** How a linear module is adapted: what the activation estimate needs to know. */
export interface ModuleAdaptation {
  module: LinearModule;
  loraRank?: number;
  /** IA3 scales this module's output (attention) or input (feedforward). */
  ia3?: "output" | "input";
}

export interface TrainablePlan {
  method: PeftMethod;
  tensors: TrainableTensor[];
  /** Sum of numel over `tensors`. */
  count: number;
  /** Linear modules with an adapter (LoRA/IA3); empty for other methods. */
  adapted: ModuleAdaptation[];
  /** Target matching for LoRA/IA3 (coverage and issues for the caller). */
  match?: TargetMatchResult;
  /** Extra sequence positions: prompt tuning prepends them to the input. */
  promptTokens: number;
  /** Extra key/value positions per layer (prefix tuning). */
  prefixTokens: number;
  /** Bottleneck adapters per layer and their width. */
  bottleneck?: { perLayer: number; size: number };
}

const tensor = (name: string, shape: number[]): TrainableTensor => ({
  name,
  shape,
  numel: shape.reduce((a, b) => a * b, 1),
});

export function trainablePlan(arch: LlamaArchitecture, method: PeftMethod): TrainablePlan {
  const plan: TrainablePlan = {
    method,
    tensors: [],
    count: 0,
    adapted: [],
    promptTokens: 0,
    prefixTokens: 0,
  };
  const kvWidth = arch.numKeyValueHeads * arch.headDim;
  const h = arch.hiddenSize;
  const L = arch.numHiddenLayers;
  switch (method.kind) {
    case "frozen":
      break;
    case "full":
      for (const t of expectedTensors(arch)) plan.tensors.push(tensor(t.name, t.shape));
      break;
    case "lora": {
      const match = matchTargets(
        linearModules(arch),
        method.targets,
        method.layers ? { layers: method.layers } : {},
      );
      plan.match = match;
      const r = method.rank;
      for (const m of match.modules) {
        plan.tensors.push(tensor(`${m.name}.lora_A.weight`, [r, m.inFeatures]));
        plan.tensors.push(tensor(`${m.name}.lora_B.weight`, [m.outFeatures, r]));
        plan.adapted.push({ module: m, loraRank: r });
      }
      break;
    }
    case "ia3": {
      const modules = linearModules(arch);
      const match = matchTargets(modules, method.targets);
      plan.match = match;
      const ff = new Set(matchTargets(modules, method.feedforward).modules);
      for (const m of match.modules) {
        const isFf = ff.has(m);
        plan.tensors.push(tensor(`${m.name}.ia3_l`, isFf ? [1, m.inFeatures] : [m.outFeatures, 1]));
        plan.adapted.push({ module: m, ia3: isFf ? "input" : "output" });
      }
      break;
    }
    case "prompt-tuning":
      plan.tensors.push(tensor("prompt_encoder.embedding.weight", [method.virtualTokens, h]));
      plan.promptTokens = method.virtualTokens;
      break;
    case "prefix-tuning": {
      const n = method.virtualTokens;
      const out = L * 2 * kvWidth;
      if (method.projectionHidden === undefined) {
        plan.tensors.push(tensor("prompt_encoder.embedding.weight", [n, out]));
      } else {
        const p = method.projectionHidden;
        plan.tensors.push(
          tensor("prompt_encoder.embedding.weight", [n, h]),
          tensor("prompt_encoder.transform.0.weight", [p, h]),
          tensor("prompt_encoder.transform.0.bias", [p]),
          tensor("prompt_encoder.transform.2.weight", [out, p]),
          tensor("prompt_encoder.transform.2.bias", [out]),
        );
      }
      plan.prefixTokens = n;
      break;
    }
    case "bottleneck": {
      const m = method.size;
      const where = method.placement === "pfeiffer" ? ["mlp"] : ["attn", "mlp"];
      for (let l = 0; l < L; l++) {
        for (const w of where) {
          const p = `model.layers.${l}.adapter_${w}`;
          plan.tensors.push(
            tensor(`${p}.down.weight`, [m, h]),
            tensor(`${p}.down.bias`, [m]),
            tensor(`${p}.up.weight`, [h, m]),
            tensor(`${p}.up.bias`, [h]),
          );
        }
      }
      plan.bottleneck = { perLayer: where.length, size: m };
      break;
    }
  }
  plan.count = plan.tensors.reduce((a, t) => a + t.numel, 0);
  return plan;
}
