/** Shared pieces of the runtime/llm tests: fixtures, backends, error measures. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { createBackend } from "../../../runtime/backend/create-backend.js";
import type { Backend } from "../../../runtime/backend/backend.js";
import { noGrad } from "../../../runtime/autograd/grad-mode.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import { llamaArchitecture, type LlamaArchitecture } from "../../../compiler/world/llama-config.js";
import { LlamaModel } from "../../../runtime/llm/model.js";
import { crossEntropy } from "../../../runtime/ops/cross-entropy.js";
import { reshape } from "../../../runtime/ops/shape.js";
import { fromArray } from "../../../runtime/tensor/creation.js";
import { writeTensor } from "../../../runtime/ops/assign.js";
import type { Tensor } from "../../../runtime/tensor/tensor.js";
import { createRng } from "../../../runtime/util/random.js";

export const ROOT = path.resolve(__dirname, "../../..");
export const MODELS = path.join(ROOT, "test/fixtures/models");
export const TINY = path.join(MODELS, "tiny-llama");
export const STUDENT = path.join(MODELS, "tiny-llama-student");

export interface LogitsCase {
  ids: number[][];
  logits: number[][][];
}
export interface LogitsFixture {
  source: string;
  models: Record<
    string,
    { dir: string; cases: LogitsCase[]; greedy: { prompt: number[]; tokens: number[] } }
  >;
}

export function logitsFixture(): LogitsFixture {
  return JSON.parse(
    fs.readFileSync(path.join(ROOT, "test/fixtures/llm/llama-logits.json"), "utf8"),
  ) as LogitsFixture;
}

/** max|a − e| / max|e| (normwise relative error, as the kernel tests measure it). */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length)
    throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxDiff = 0;
  let maxRef = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

let gpu: Promise<Backend> | undefined;
export function webgpuBackend(): Promise<Backend> {
  gpu ??= createBackend({ prefer: "webgpu", setDefault: false });
  return gpu;
}
export const cpu = (): Backend => new CpuBackend();

/** Logits of `ids` as a host array (no grad). */
export async function logitsOf(
  model: LlamaModel,
  ids: readonly (readonly number[])[],
): Promise<Float32Array> {
  const t = noGrad(() => tidy(() => model.forward(ids)));
  const out = await t.toFloat32Array();
  t.dispose();
  return out;
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pw-llm-${tag}-`));
}

/** A small GQA architecture for unit tests. */
export function smallArch(over: Partial<LlamaArchitecture> = {}): LlamaArchitecture {
  return llamaArchitecture({
    hiddenSize: 16,
    intermediateSize: 24,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 4,
    vocabSize: 40,
    maxPositionEmbeddings: 32,
    ...over,
  });
}

export function smallModel(
  backend: Backend,
  over: Partial<LlamaArchitecture> = {},
  seed = 3,
  initStd = 0.3,
): LlamaModel {
  return LlamaModel.random(smallArch(over), { seed, initStd, backend });
}

export function randomIds(rows: number, cols: number, vocab: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.int(vocab)));
}

/** Mean cross-entropy of next-token prediction (labels = ids shifted; last position ignored). */
export function lmLoss(model: LlamaModel, ids: number[][]): Tensor {
  const B = ids.length;
  const T = ids[0].length;
  const V = model.arch.vocabSize;
  const labels = ids.flatMap((row) => row.map((_, t) => (t + 1 < T ? row[t + 1] : -100)));
  const logits = model.forward(ids);
  return crossEntropy(
    reshape(logits, [B * T, V]),
    fromArray(labels, [B * T], { backend: model.backend, dtype: "i32" }),
  );
}

/** Sets a parameter to N(0, std²) values from `seed` (e.g. a nonzero LoRA B). */
export function randomize(t: Tensor, seed: number, std: number): void {
  const rng = createRng(seed);
  writeTensor(
    t,
    Float64Array.from({ length: t.size }, () => std * rng.normal()),
  );
}

/**
 * Central finite differences of lmLoss w.r.t. a few elements of each named parameter, compared
 * with backward() (use a float64 CpuBackend). Returns the worst relative error.
 */
export async function finiteDifferenceCheck(
  model: LlamaModel,
  names: string[],
  ids: number[][],
  options: { elements?: number; eps?: number; seed?: number } = {},
): Promise<number> {
  const params = model.parameters();
  const eps = options.eps ?? 1e-6;
  const rng = createRng(options.seed ?? 1);
  const loss = tidy(() => {
    const l = lmLoss(model, ids);
    l.backward();
    return l;
  });
  loss.dispose();
  let worst = 0;
  for (const name of names) {
    const p = params.get(name);
    if (!p) throw new Error(`no parameter ${name}`);
    if (!p.grad) throw new Error(`no gradient for ${name}`);
    const grad = await p.grad.toArray();
    const base = Float64Array.from(await p.toArray());
    for (let e = 0; e < (options.elements ?? 3); e++) {
      const i = rng.int(p.size);
      const at = async (delta: number) => {
        const v = Float64Array.from(base);
        v[i] += delta;
        writeTensor(p, v);
        const l = noGrad(() => tidy(() => lmLoss(model, ids)));
        const x = await l.item();
        l.dispose();
        return x;
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      writeTensor(p, base);
      const err =
        Math.abs(numeric - grad[i]) / Math.max(1e-6, Math.abs(numeric), Math.abs(grad[i]));
      if (Math.abs(numeric - grad[i]) > 1e-7) worst = Math.max(worst, err);
    }
    p.grad.dispose();
    p.grad = null;
  }
  return worst;
}

/**
 * WebGPU tests compile many pipelines on first use; with a cold Mesa shader cache on a loaded
 * lavapipe machine that alone has taken over a minute.
 */
export const GPU_TIMEOUT_MS = 300_000;
