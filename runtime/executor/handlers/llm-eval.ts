/**
 * LLM evaluation and generation handlers. `evaluate` runs runtime/llm-eval on each (model,
 * data) pair — perplexity, generation metrics (BLEU, ROUGE, exact match, GSM8K), judge — writes
 * `<output>/<stage>/eval.json` and applies the `require` gates (PW8007 fails the run).
 * `generate` decodes the stage's prompts and writes them with their completions as JSON Lines.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { IrNode, IrNodeOf } from "../../../compiler/ir/schema.js";
import { resolveTemplate } from "../../data/template/apply-template.js";
import { readTokenizerConfig } from "../../tokenizer/tokenizer-config.js";
import { notImplementedError } from "../registry.js";
import { modelInput } from "../llm/model-value.js";
import { isTokenizedValue, templateOption, type TokenizedValue } from "./tokenize.js";
import { isDatasetValue, readJson, writeJson, writeJsonl } from "../dataset-value.js";
import { filesCodec, writeFilesAtomically } from "./export.js";
import { generationOptions } from "./llm-train.js";
import { safeName } from "../names.js";
import type { Handler } from "../types.js";

export const DETECTION_METRICS = new Set(["precision", "recall", "mAP50", "mAP50_95"]);

export const isLlmEval = (n: IrNode) =>
  !(n as IrNodeOf<"evaluate">).settings.metrics.some((m) => DETECTION_METRICS.has(m));

type Scores = Record<string, { score: number } & Record<string, unknown>>;

function scoreLine(metrics: Scores): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${Number.isFinite(v.score) ? v.score.toFixed(4) : String(v.score)}`)
    .join(", ");
}

const evaluate: Handler = {
  op: "evaluate",
  group: "llm",
  accepts: isLlmEval,
  cache: {
    save: (v, dir) => writeJson(join(dir, "eval.json"), v.value),
    load: async (dir) => ({ value: await readJson(join(dir, "eval.json")), outputs: {} }),
  },
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"evaluate">;
    const s = node.settings;
    if (s.choices === "letters")
      throw notImplementedError(node, "multiple-choice evaluation from a pipeline");
    if (s.metrics.includes("judge"))
      throw notImplementedError(node, "judge scoring from a pipeline");
    const pairs = node.inputs
      .filter((i) => /^model\[\d+\]$/.test(i.port))
      .map((i) => i.port.slice("model".length));
    const { evaluateLlm } = await import("../../llm-eval/runner.js");
    const { assertGates } = await import("../../llm-eval/gates.js");
    const { llmGenerator } = await import("../../llm-eval/llm-generator.js");
    const backend = await ctx.backend();
    const metrics = [...new Set(s.metrics.map((m) => (m === "loss" ? "perplexity" : m)))];
    const needsGeneration = metrics.some((m) => m !== "perplexity");
    const results: { model: string; metrics: Scores }[] = [];
    const notes: string[] = [];
    for (const index of pairs) {
      const value = await modelInput(ctx, `model${index}`);
      const data = await ctx.input<unknown>(`data${index}`);
      if (!isTokenizedValue(data) && !isDatasetValue(data))
        throw new Error(`${node.id}: data${index} is not a dataset`);
      const t = isTokenizedValue(data) ? (data as TokenizedValue) : undefined;
      const ds = t ? t.dataset : (data as Exclude<typeof data, TokenizedValue>);
      const records = s.max_rows ? ds.records.slice(0, s.max_rows) : ds.records;
      const tok = value.tokenizer;
      if (!tok) throw new Error(`${node.id}: model \`${value.stage}\` has no tokenizer`);
      const template = resolveTemplate(
        templateOption(t?.template, ds.format),
        readTokenizerConfig(tok.dir),
      );
      const model = await value.make(backend);
      try {
        model.eval();
        const g = s.generation ?? {
          max_new_tokens: 64,
          temperature: 0,
          top_k: 0,
          top_p: 1,
          stop: [],
          seed: 0,
        };
        const report = await evaluateLlm({
          metrics,
          records,
          model,
          tokenizer: tok.tokenizer,
          template,
          maxLength: t?.maxLength ?? 1024,
          padId: tok.tokenizer.padId ?? 0,
          // Prompts go to the decoder sorted by length, 32 at a time (equal lengths decode as
          // one batch); tiny models decode far faster in a few large batches than many small.
          batchSize: 32,
          ...(needsGeneration
            ? { generate: llmGenerator(model, generationOptions(g, model)) }
            : {}),
          scoreOptions: {
            bleuTokenize: s.bleu_tokenizer,
            rougeTokenizer: s.rouge_tokenizer === "cjk" ? "cjk" : "rouge-score",
          },
          keepPredictions: true,
          onProgress: ({ phase, done, total }) => {
            ctx.progress({ step: done, total, unit: phase === "perplexity" ? "rows" : "prompts" });
            ctx.checkAborted();
          },
        });
        const scores = report.metrics as Scores;
        if (s.metrics.includes("loss") && scores.perplexity)
          scores.loss = { score: Math.log(scores.perplexity.score) };
        results.push({ model: value.stage, metrics: scores });
        notes.push(`${value.stage}: ${scoreLine(scores)} (${records.length} rows)`);
        const file = ctx.paths.outputFile(
          join(
            safeName(node.stage),
            pairs.length > 1 ? `eval-${safeName(value.stage)}.json` : "eval.json",
          ),
        );
        await mkdir(dirname(file), { recursive: true });
        await writeFile(
          file,
          JSON.stringify({ stage: node.stage, model: value.stage, ...report }, null, 2) + "\n",
        );
      } finally {
        model.dispose();
      }
    }
    for (const r of results) if (s.require.length > 0) assertGates(s.require, r.metrics);
    return {
      value: { kind: "evaluation", results },
      notes,
      data: Object.fromEntries(
        results.map((r) => [
          r.model,
          Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, v.score])),
        ]),
      ),
    };
  },
};

const generateText: Handler = {
  op: "generate",
  group: "llm",
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"generate">;
    const s = node.settings;
    const value = await modelInput(ctx, "model");
    let prompts: string[];
    if (Array.isArray(s.prompts)) prompts = s.prompts;
    else {
      const data = await ctx.input<unknown>("prompts");
      const ds = isTokenizedValue(data) ? data.dataset : isDatasetValue(data) ? data : undefined;
      if (!ds) throw new Error(`${node.id}: prompts are not a dataset`);
      const { recordPrompt } = await import("../../llm-eval/record-prompt.js");
      const tok = value.tokenizer;
      const template = tok
        ? resolveTemplate(
            templateOption(isTokenizedValue(data) ? data.template : undefined, ds.format),
            readTokenizerConfig(tok.dir),
          )
        : undefined;
      prompts = ds.records.map((r) => recordPrompt(r, template));
    }
    const file = ctx.paths.outputFile(s.output);
    const backend = await ctx.backend();
    const model = await value.make(backend);
    const { generate } = await import("../../llm/generate.js");
    try {
      model.eval();
      const rows: { prompt: string; completion: string; finish_reason: string }[] = [];
      for (let i = 0; i < prompts.length; i += 8) {
        const chunk = prompts.slice(i, i + 8);
        const out = await generate(model, chunk, generationOptions(s, model));
        out.forEach((g, k) =>
          rows.push({ prompt: chunk[k], completion: g.text ?? "", finish_reason: g.finishReason }),
        );
        ctx.progress({ step: rows.length, total: prompts.length, unit: "prompts" });
        ctx.checkAborted();
      }
      const name = file.slice(dirname(file).length + 1);
      const files = await writeFilesAtomically(dirname(file), async (tmp) => {
        await writeJsonl(join(tmp, name), rows);
        return [name];
      });
      return {
        value: { kind: "files", files },
        files,
        notes: [
          `${rows.length} completions → ${ctx.paths.display(file)}`,
          ...rows
            .slice(0, 3)
            .map((r) => `${JSON.stringify(r.prompt)} → ${JSON.stringify(r.completion)}`),
        ],
      };
    } finally {
      model.dispose();
    }
  },
};

export function llmEvalHandlers(): Handler[] {
  return [evaluate, generateText];
}
