/**
 * One training step of a small decoder (issue 4), through the public runtime API the way
 * runtime/llm and runtime/train use it: a Llama-style decoder (4 layers, hidden 128, 4 heads,
 * SwiGLU MLP 352, vocabulary 512), batch 8 × sequence 64, full fine-tuning: forward,
 * cross-entropy, backward, AdamW step, zero_grad, read back the loss (one submit per step).
 *   decoder_step_ms   median wall-clock ms per step over `steps` steps after `warmup` steps
 * Also reported: the first (compiling) step, tokens/s, and the loss going down (sanity).
 */
import * as rt from "../runtime/index.js";
import { crossEntropy } from "../runtime/ops/cross-entropy.js";
import { LlamaModel } from "../runtime/llm/model.js";
import { llamaArchitecture } from "../compiler/world/llama-config.js";
import { createRng } from "../runtime/util/random.js";
import {
  markdownTable,
  type BenchContext,
  type BenchResult,
  type BenchSection,
} from "./section.js";

export interface DecoderBenchShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  batch: number;
  seq: number;
}

export const DECODER_BENCH_SHAPE: DecoderBenchShape = {
  layers: 4,
  hidden: 128,
  heads: 4,
  intermediate: 352,
  vocab: 512,
  batch: 8,
  seq: 64,
};

export interface DecoderStepTiming {
  /** Median ms per step after warm-up. */
  medianMs: number;
  /** The first step (pipeline compilation included). */
  firstMs: number;
  losses: number[];
  parameters: number;
}

/** Runs `warmup + steps` training steps on `backend`; times each step to its loss readback. */
export async function timeDecoderSteps(
  backend: rt.Backend,
  shape: DecoderBenchShape = DECODER_BENCH_SHAPE,
  opts: { warmup?: number; steps?: number; seed?: number } = {},
): Promise<DecoderStepTiming> {
  const warmup = opts.warmup ?? 2;
  const steps = opts.steps ?? 5;
  const { batch: B, seq: T, vocab: V } = shape;
  const arch = llamaArchitecture({
    hiddenSize: shape.hidden,
    intermediateSize: shape.intermediate,
    numHiddenLayers: shape.layers,
    numAttentionHeads: shape.heads,
    vocabSize: V,
  });
  const model = LlamaModel.random(arch, { seed: opts.seed ?? 11, backend });
  model.train();
  const params = [...model.trainableParameters().values()];
  const opt = new rt.AdamW(params, { lr: 1e-3 });
  // One fixed batch: next-token prediction on seeded random ids (the loss must go down).
  const rng = createRng(opts.seed ?? 11);
  const ids: number[][] = [];
  for (let b = 0; b < B; b++) ids.push(Array.from({ length: T + 1 }, () => rng.int(V)));
  const inputIds = ids.map((row) => row.slice(0, T));
  const labels = rt.fromArray(
    ids.flatMap((row) => row.slice(1)),
    [B * T],
    { backend, dtype: "i32" },
  );
  const times: number[] = [];
  const losses: number[] = [];
  try {
    for (let s = 0; s < warmup + steps; s++) {
      const t0 = performance.now();
      const loss = rt.tidy(() => {
        const logits = model.forward(inputIds);
        const l = crossEntropy(rt.reshape(logits, [B * T, V]), labels);
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
      times.push(performance.now() - t0);
    }
  } finally {
    labels.dispose();
    opt.dispose();
    model.dispose();
  }
  const timed = times.slice(warmup).sort((a, b) => a - b);
  return {
    medianMs: timed[Math.floor(timed.length / 2)],
    firstMs: times[0],
    losses,
    parameters: params.reduce((n, p) => n + p.size, 0),
  };
}

export const decoderSection: BenchSection = {
  title: "Decoder training step",
  async run(ctx: BenchContext): Promise<BenchResult> {
    if (!ctx.gpu) {
      return { markdown: "_skipped: no WebGPU adapter_", json: { decoder_step_ms: null } };
    }
    ctx.gpu.flush();
    const shape = DECODER_BENCH_SHAPE;
    const r = await timeDecoderSteps(ctx.backend, shape, ctx.quick ? { warmup: 1, steps: 2 } : {});
    const tokens = shape.batch * shape.seq;
    ctx.log(`decoder step: ${r.medianMs.toFixed(1)} ms (first ${r.firstMs.toFixed(0)} ms)`);
    const f = (v: number, d = 1) => v.toFixed(d);
    const markdown = [
      `Llama-style decoder: ${shape.layers} layers, hidden ${shape.hidden}, ${shape.heads} heads, MLP ${shape.intermediate}, vocabulary ${shape.vocab} (${(r.parameters / 1e6).toFixed(2)} M parameters, all trained); batch ${shape.batch} × sequence ${shape.seq}; forward + cross-entropy + backward + AdamW step + loss readback.`,
      "",
      markdownTable(
        ["measure", "value"],
        [
          [
            `median step (${r.losses.length - (ctx.quick ? 1 : 2)} steps after warm-up)`,
            `${f(r.medianMs)} ms`,
          ],
          ["tokens / s", f((tokens / r.medianMs) * 1000, 0)],
          ["first step (pipeline compilation)", `${f(r.firstMs, 0)} ms`],
          [
            "loss, first → last step",
            `${f(r.losses[0], 3)} → ${f(r.losses[r.losses.length - 1], 3)}`,
          ],
        ],
      ),
    ].join("\n");
    return { markdown, json: { decoder_step_ms: Number(r.medianMs.toFixed(2)) } };
  },
};
