/**
 * Prompt tuning (Lester et al.; PEFT's `PromptTuningConfig`): n learned "virtual token"
 * embeddings `prompt_encoder.embedding.weight` [n, hidden] prepended to the input embeddings of
 * every sequence. The model returns logits for the real tokens only (the virtual positions are
 * dropped), so labels line up with input ids as without the adapter.
 *
 * Init: the embeddings of `initTokenIds` (PEFT's TEXT init, repeated to fill n), rows of the
 * vocabulary drawn with `seed` ("sample-vocab", the default), or N(0, 1) ("random", PEFT's
 * RANDOM).
 */
import { fromArray } from "../../tensor/creation.js";
import { keep, tidy } from "../../tensor/scope.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { embedding } from "../../ops/embedding.js";
import { createRng } from "../../util/random.js";
import type { LlamaModel } from "../model.js";
import { freezeBase } from "./targets.js";

export interface PromptTuningOptions {
  virtualTokens: number;
  init?: "sample-vocab" | "random";
  /** Initialise from these tokens' embeddings (e.g. the tokenised task description). */
  initTokenIds?: readonly number[];
  seed: number;
}

export function attachPromptTuning(model: LlamaModel, options: PromptTuningOptions): void {
  const n = options.virtualTokens;
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`virtual tokens must be a positive integer, got ${n}`);
  if (model.promptAdapter) throw new Error(`the model already has ${model.promptAdapter.kind}`);
  const h = model.arch.hiddenSize;
  const V = model.arch.vocabSize;
  freezeBase(model);
  const rng = createRng(options.seed);
  let weight;
  if (options.initTokenIds?.length || (options.init ?? "sample-vocab") === "sample-vocab") {
    const src = options.initTokenIds?.length ? options.initTokenIds : null;
    const ids = Array.from({ length: n }, (_, i) => (src ? src[i % src.length] : rng.int(V)));
    for (const id of ids) {
      if (!(Number.isInteger(id) && id >= 0 && id < V))
        throw new Error(`prompt tuning init token ${id} is outside the vocabulary (0..${V - 1})`);
    }
    weight = keep(
      noGrad(() =>
        tidy(() =>
          embedding(
            fromArray(ids, [n], { backend: model.backend, dtype: "i32" }),
            model.embedTokens,
          ),
        ),
      ),
    );
    weight.requiresGrad = true;
  } else {
    weight = model.randomParameter([n, h], rng.nextUint32(), 1);
  }
  model.promptAdapter = { kind: "prompt-tuning", virtualTokens: n, embedding: weight };
  model.adapterConfigs.push({
    kind: "prompt-tuning",
    config: {
      virtualTokens: n,
      init: options.initTokenIds?.length ? "text" : (options.init ?? "sample-vocab"),
    },
  });
}
