/**
 * Language models flowing between nodes. A model value is a recipe, not an instance: `make`
 * builds a fresh model on the run's backend each time it is called, because several nodes may
 * start from the same base (a teacher and a student, two adapters on one base, a KD run and a
 * hard-label run from the same initialisation) and training or attaching an adapter changes
 * the instance it is given. A trained model is its base's recipe plus the trained weights,
 * which are also what its cache entry stores.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../../backend/backend.js";
import type { LlamaModel } from "../../llm/model.js";
import {
  floatTensor,
  readSafetensorsHeader,
  readTensorAsFloat32,
  writeSafetensors,
  type TensorToWrite,
} from "../../io/safetensors.js";
import type { TokenizerValue } from "../handlers/tokenize.js";
import type { HandlerContext } from "../types.js";

export interface LlmModelValue {
  kind: "llm-model";
  /** A fresh instance on `backend`. */
  make(backend: Backend): Promise<LlamaModel>;
  /** The tokenizer the model reads (from its directory or a trained one). */
  tokenizer?: TokenizerValue;
  /** `base_model_name_or_path` for PEFT exports: the model directory, or the stage name. */
  base: string;
  /** Set by a quantize node: the adapter attaches over NF4 base weights. */
  quantize?: { block: number; doubleQuant: boolean };
  /** The stage that made it, for messages. */
  stage: string;
  /** Trained weights over the base (what a training node caches). */
  weights?: ReadonlyMap<string, Float32Array>;
}

export function isLlmModel(v: unknown): v is LlmModelValue {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "llm-model";
}

export const WEIGHTS_FILE = "weights.safetensors";

/** The trained weights of a model: what a train node's cache entry holds. */
export function saveWeights(dir: string, weights: ReadonlyMap<string, Float32Array>): void {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, values] of weights) tensors.set(name, floatTensor(values, [values.length]));
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors);
}

export function loadWeights(dir: string): Map<string, Float32Array> {
  const file = join(dir, WEIGHTS_FILE);
  if (!existsSync(file)) throw new Error(`${WEIGHTS_FILE} is missing`);
  const header = readSafetensorsHeader(file);
  const out = new Map<string, Float32Array>();
  for (const name of header.tensors.keys()) out.set(name, readTensorAsFloat32(header, name));
  return out;
}

/** A model value whose instances are `base`'s with `weights` written in. */
export function withWeights(
  base: LlmModelValue,
  weights: ReadonlyMap<string, Float32Array>,
  stage: string,
): LlmModelValue {
  return {
    ...base,
    stage,
    weights,
    make: async (backend) => {
      const model = await base.make(backend);
      model.loadStateDict(weights, { strict: false });
      return model;
    },
  };
}

/** The language model behind an input port. */
export async function modelInput(ctx: HandlerContext, port: string): Promise<LlmModelValue> {
  const v = await ctx.input<unknown>(port);
  if (!isLlmModel(v)) throw new Error(`${ctx.node.id}: input \`${port}\` is not a language model`);
  return v;
}
