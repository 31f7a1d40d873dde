/**
 * Autoregressive generation: greedy or sampled (temperature, top-k, top-p, seeded), with
 * max_new_tokens, EOS ids and stop strings, over a batch of prompts. With `useCache` (default)
 * the prompt is run once and each step feeds one token per sequence through the KV cache;
 * without it every step re-runs the whole sequence (the reference the cache is tested against).
 *
 * Prompts of the same length are decoded together as one batch; the attention op has no
 * key-padding mask, so prompts of different lengths go in separate batches (no padding).
 */
import { noGrad } from "../autograd/grad-mode.js";
import { tidy } from "../tensor/scope.js";
import { createRng } from "../util/random.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { LlamaModel } from "./model.js";
import { KvCache } from "./kv-cache.js";
import { sampleToken, type SamplingOptions } from "./sampling.js";
import { settleQuietly } from "../train/gpu-wait.js";

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Seed of the sampling stream (default 0); unused when greedy. */
  seed?: number;
  /** Stop when the decoded continuation contains one of these (needs a tokenizer). */
  stopStrings?: readonly string[];
  /** Default: the model's (generation_config.json); [] never stops on a token. */
  eosTokenIds?: readonly number[];
  /** Incremental decoding with a KV cache (default true). */
  useCache?: boolean;
  /** Default: the model's tokenizer. Needed for string prompts, stop strings and `text`. */
  tokenizer?: Tokenizer;
  /** String prompts: add the tokenizer's special tokens (BOS); default true. */
  addSpecialTokens?: boolean;
}

export interface Generation {
  promptTokens: number[];
  /** New tokens (EOS not included; cut after the token that completed a stop string). */
  tokens: number[];
  /** Decoded continuation (special tokens skipped), cut before the stop string. */
  text?: string;
  finishReason: "eos" | "stop" | "length";
}

export async function generate(
  model: LlamaModel,
  prompts: readonly (string | readonly number[])[],
  options: GenerateOptions,
): Promise<Generation[]> {
  const tokenizer = options.tokenizer ?? model.tokenizer;
  const stops = options.stopStrings ?? [];
  if ((stops.length > 0 || prompts.some((p) => typeof p === "string")) && !tokenizer) {
    throw new Error("generate: string prompts and stop strings need a tokenizer");
  }
  const encoded = prompts.map((p) =>
    typeof p === "string"
      ? tokenizer!.encode(p, { addSpecialTokens: options.addSpecialTokens ?? true })
      : [...p],
  );
  encoded.forEach((ids, i) => {
    if (ids.length === 0) throw new Error(`generate: prompt ${i} has no tokens`);
    for (const id of ids) {
      if (!(Number.isInteger(id) && id >= 0 && id < model.arch.vocabSize))
        throw new Error(`generate: prompt ${i} has token id ${id} outside the vocabulary`);
    }
  });
  const eos = new Set(options.eosTokenIds ?? model.eosTokenIds);
  const rng = createRng(options.seed ?? 0);
  const results: Generation[] = encoded.map((ids) => ({
    promptTokens: ids,
    tokens: [],
    finishReason: "length",
  }));
  const groups = new Map<number, number[]>();
  encoded.forEach((ids, i) => groups.set(ids.length, [...(groups.get(ids.length) ?? []), i]));

  const wasTraining = model.training;
  model.eval();
  try {
    for (const rows of groups.values()) {
      await decodeGroup(
        model,
        rows.map((i) => encoded[i]),
        rows.map((i) => results[i]),
        {
          ...options,
          eos,
          stops,
          tokenizer,
          sample: (logits) => sampleToken(logits, options, rng),
        },
      );
    }
  } finally {
    model.training = wasTraining;
  }
  if (tokenizer) {
    for (const r of results) {
      const text = tokenizer.decode(r.tokens, { skipSpecialTokens: true });
      r.text = r.finishReason === "stop" ? cutAtStop(text, stops) : text;
    }
  }
  return results;
}

function cutAtStop(text: string, stops: readonly string[]): string {
  let at = text.length;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (s && i >= 0) at = Math.min(at, i);
  }
  return text.slice(0, at);
}

interface GroupOptions extends GenerateOptions {
  eos: Set<number>;
  stops: readonly string[];
  tokenizer?: Tokenizer;
  sample: (logits: Float32Array) => number;
}

async function decodeGroup(
  model: LlamaModel,
  prompts: number[][],
  out: Generation[],
  o: GroupOptions,
): Promise<void> {
  const B = prompts.length;
  const V = model.arch.vocabSize;
  const cache = (o.useCache ?? true) ? new KvCache(model.arch.numHiddenLayers) : null;
  const seqs = prompts.map((p) => [...p]);
  const done = new Array<boolean>(B).fill(false);
  try {
    for (let step = 0; step < o.maxNewTokens && done.some((d) => !d); step++) {
      const input = cache && step > 0 ? seqs.map((s) => [s[s.length - 1]]) : seqs;
      const logits = noGrad(() =>
        tidy(() => model.forward(input, { lastOnly: true, ...(cache ? { cache } : {}) })),
      );
      await settleQuietly(logits.backend);
      const host = await logits.toFloat32Array();
      logits.dispose();
      for (let b = 0; b < B; b++) {
        const next = o.sample(host.subarray(b * V, (b + 1) * V));
        seqs[b].push(next);
        if (done[b]) continue;
        const r = out[b];
        if (o.eos.has(next)) {
          r.finishReason = "eos";
          done[b] = true;
          continue;
        }
        r.tokens.push(next);
        if (o.stops.length > 0) {
          const text = o.tokenizer!.decode(r.tokens, { skipSpecialTokens: true });
          if (o.stops.some((s) => s && text.includes(s))) {
            r.finishReason = "stop";
            done[b] = true;
          }
        }
      }
    }
  } finally {
    cache?.dispose();
  }
}
