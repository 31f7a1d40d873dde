/**
 * Test helpers for runtime/train, runtime/distill and runtime/llm-eval: a tiny bigram causal
 * LM (embedding → optional dropout → linear head) that implements `CausalLM`, and seeded
 * synthetic token data from a Markov chain. Small and fast on the CPU backend.
 */
import type { Backend } from "../../../runtime/backend/backend.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import type { Tensor } from "../../../runtime/tensor/tensor.js";
import { fromArray, randn } from "../../../runtime/tensor/creation.js";
import { keep } from "../../../runtime/tensor/scope.js";
import { noGrad } from "../../../runtime/autograd/grad-mode.js";
import { embedding } from "../../../runtime/ops/embedding.js";
import { linear } from "../../../runtime/ops/matmul.js";
import { mul } from "../../../runtime/ops/elementwise.js";
import { writeTensor } from "../../../runtime/ops/assign.js";
import { createRng, type Rng } from "../../../runtime/util/random.js";
import type { CausalLM, RngState } from "../../../runtime/train/causal-lm.js";
import type { LmExample } from "../../../runtime/train/batches.js";

export interface ToyOptions {
  vocab: number;
  dim: number;
  seed: number;
  dropout?: number;
  backend?: Backend;
  std?: number;
}

export class ToyLM implements CausalLM {
  readonly backend: Backend;
  readonly arch: { vocabSize: number };
  readonly emb: Tensor;
  readonly head: Tensor;
  training = false;
  private rng: Rng;
  private readonly dropout: number;

  constructor(o: ToyOptions) {
    this.backend = o.backend ?? new CpuBackend();
    this.arch = { vocabSize: o.vocab };
    const std = o.std ?? 0.5;
    this.emb = keep(
      randn([o.vocab, o.dim], { seed: o.seed, std, requiresGrad: true, backend: this.backend }),
    );
    this.head = keep(
      randn([o.vocab, o.dim], { seed: o.seed + 1, std, requiresGrad: true, backend: this.backend }),
    );
    this.dropout = o.dropout ?? 0;
    this.rng = createRng(o.seed + 2);
  }

  forward(inputIds: Tensor | readonly (readonly number[])[]): Tensor {
    const ids = Array.isArray(inputIds)
      ? fromArray((inputIds as number[][]).flat(), [inputIds.length, inputIds[0].length], {
          backend: this.backend,
          dtype: "i32",
        })
      : (inputIds as Tensor);
    let x = embedding(ids, this.emb);
    if (this.training && this.dropout > 0) {
      const keepP = 1 - this.dropout;
      const mask = new Float32Array(x.size);
      for (let i = 0; i < mask.length; i++)
        mask[i] = this.rng.next() < this.dropout ? 0 : 1 / keepP;
      x = mul(x, fromArray(mask, x.shape, { backend: this.backend }));
    }
    return linear(x, this.head);
  }

  trainableParameters(): Map<string, Tensor> {
    return new Map([
      ["emb.weight", this.emb],
      ["head.weight", this.head],
    ]);
  }

  async stateDict(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [k, t] of this.trainableParameters())
      out.set(k, Float32Array.from(await t.toFloat32Array()));
    return out;
  }

  loadStateDict(state: ReadonlyMap<string, ArrayLike<number>>): void {
    const params = this.trainableParameters();
    for (const [k, v] of state) {
      const t = params.get(k);
      if (!t) throw new Error(`no parameter ${k}`);
      noGrad(() => writeTensor(t, v));
    }
  }

  randomState(): Record<string, RngState> {
    return { dropout: this.rng.state() };
  }

  setRandomState(state: Record<string, RngState>): void {
    this.rng = createRng(0, state.dropout);
  }

  train(): this {
    this.training = true;
    return this;
  }

  eval(): this {
    this.training = false;
    return this;
  }

  dispose(): void {
    this.emb.dispose();
    this.head.dispose();
  }
}

/** A random row-stochastic transition matrix with one dominant successor per token. */
export function markovChain(vocab: number, seed: number, peak = 0.6): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: vocab }, () => {
    const row = Array.from({ length: vocab }, () => rng.next());
    const s = row.reduce((a, b) => a + b, 0);
    const p = row.map((v) => ((1 - peak) * v) / s);
    p[rng.int(vocab)] += peak;
    return p;
  });
}

export function sampleSequences(
  chain: readonly number[][],
  count: number,
  length: number,
  seed: number,
): number[][] {
  const rng = createRng(seed);
  const V = chain.length;
  return Array.from({ length: count }, () => {
    const seq = [rng.int(V)];
    while (seq.length < length) {
      const row = chain[seq[seq.length - 1]];
      let u = rng.next();
      let next = V - 1;
      for (let j = 0; j < V; j++) {
        u -= row[j];
        if (u < 0) {
          next = j;
          break;
        }
      }
      seq.push(next);
    }
    return seq;
  });
}

/**
 * SFT-style examples: the first `prompt` tokens are context (−100), the rest are trained.
 * Lengths vary with the seed so micro-batches have different token counts.
 */
export function sftExamples(
  chain: readonly number[][],
  count: number,
  seed: number,
  options: { minLength?: number; maxLength?: number; prompt?: number } = {},
): LmExample[] {
  const rng = createRng(seed ^ 0x5eed);
  const minL = options.minLength ?? 5;
  const maxL = options.maxLength ?? 10;
  const prompt = options.prompt ?? 2;
  return sampleSequences(chain, count, maxL, seed).map((seq) => {
    const n = minL + rng.int(maxL - minL + 1);
    const inputIds = seq.slice(0, n);
    return { inputIds, labels: inputIds.map((id, i) => (i < prompt ? -100 : id)) };
  });
}

/** Byte-exact comparison of two state dicts. */
export function sameBytes(
  a: ReadonlyMap<string, Float32Array>,
  b: ReadonlyMap<string, Float32Array>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length) return false;
    const x = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const y = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}
