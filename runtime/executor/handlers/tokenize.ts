/**
 * Tokenizer handlers: train-tokenizer (byte-level BPE or characters, saved in Hugging Face's
 * format) and tokenize (template, tokenize, truncate to max_length, optionally pack). The
 * tokenizer comes from a train-tokenizer node or from a loaded model (`base.tokenizer`).
 */
import { join } from "node:path";
import type { IrNodeOf } from "../../../compiler/ir/schema.js";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { recordTexts, type DataRecord } from "../../data/format/record.js";
import { resolveTemplate, type TemplateOption } from "../../data/template/apply-template.js";
import { prepareExamples } from "../../data/template/prepare-examples.js";
import type { PackedSequence } from "../../data/template/packing.js";
import type { TokenizedExample, TokenizeStats } from "../../data/template/tokenize-example.js";
import { Tokenizer } from "../../tokenizer/tokenizer.js";
import { trainBpeTokenizer } from "../../tokenizer/bpe-trainer.js";
import { BUILTIN_ALPACA_TEMPLATES } from "../../data/template/alpaca-template.js";
import { trainCharTokenizer } from "../../tokenizer/char-tokenizer.js";
import { saveTokenizerFiles } from "../../tokenizer/tokenizer-files.js";
import { readTokenizerConfig } from "../../tokenizer/tokenizer-config.js";
import {
  isDatasetValue,
  isSplitsValue,
  loadDataset,
  readJson,
  readJsonl,
  saveDataset,
  writeJson,
  writeJsonl,
  type DatasetValue,
} from "../dataset-value.js";
import type { Handler } from "../types.js";
import { safeName } from "../names.js";

/** A tokenizer flowing between nodes, with the folder its files live in. */
export interface TokenizerValue {
  kind: "tokenizer";
  tokenizer: Tokenizer;
  /** Holds tokenizer.json (and tokenizer_config.json). */
  dir: string;
}

export interface TokenizedValue {
  kind: "tokenized";
  examples: TokenizedExample[];
  packed?: PackedSequence[];
  stats: TokenizeStats;
  /** The records the examples came from (evaluation reads prompts and references). */
  dataset: DatasetValue;
  maxLength: number;
  trainOn: "answer" | "assistant" | "all";
  /** The template setting as written (teacher prompts and evaluation use the same one). */
  template?: string;
}

export function isTokenizedValue(v: unknown): v is TokenizedValue {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "tokenized";
}

export function isTokenizerValue(v: unknown): v is TokenizerValue {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "tokenizer";
}

/** The special tokens of tokenizers trained here: pad 0, BOS 1, EOS 2. */
export const TRAINED_SPECIALS = ["<pad>", "<s>", "</s>"];
const ROLES = { pad: "<pad>", bos: "<s>", eos: "</s>" };

export function loadTokenizerDir(dir: string): TokenizerValue {
  return { kind: "tokenizer", tokenizer: Tokenizer.load(dir), dir };
}

function corpusOf(records: readonly DataRecord[]): string[] {
  return records.map((r) => recordTexts(r).filter(Boolean).join("\n"));
}

const trainTokenizer: Handler = {
  op: "train-tokenizer",
  group: "tokenize",
  cache: {
    save: async (v, dir) => {
      const t = v.value as TokenizerValue;
      await saveTokenizerFiles(
        dir,
        t.tokenizer.json,
        await readJson(join(t.dir, "tokenizer_config.json")),
      );
    },
    load: async (dir) => ({ value: loadTokenizerDir(dir), outputs: {} }),
  },
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"train-tokenizer">;
    const s = node.settings;
    // `data`, or `data[0]`, `data[1]`, … when the tokenizer learns from several datasets.
    const ports = node.inputs
      .map((i) => i.port)
      .filter((p) => p === "data" || /^data\[\d+\]$/.test(p));
    const corpus: string[] = [];
    for (const port of ports) {
      const input = await ctx.input<unknown>(port);
      const ds = isSplitsValue(input)
        ? Object.values(input.parts).flatMap((p) => p.records)
        : isDatasetValue(input)
          ? input.records
          : undefined;
      if (!ds) throw new Error(`train-tokenizer ${node.id}: input \`${port}\` is not a dataset`);
      for (const text of corpusOf(ds)) corpus.push(text);
    }
    for (const template of s.templates ?? []) corpus.push(...templateTexts(template));
    const trained =
      s.kind === "bpe"
        ? await trainBpeTokenizer(corpus, {
            vocabSize: s.vocab_size ?? 1000,
            specialTokens: TRAINED_SPECIALS,
            roles: ROLES,
          })
        : await trainCharTokenizer(corpus, {
            ...(s.vocab_size !== undefined ? { vocabSize: s.vocab_size } : {}),
            ...(s.byte_fallback !== undefined ? { byteFallback: s.byte_fallback } : {}),
            specialTokens: TRAINED_SPECIALS,
            roles: ROLES,
          });
    // The files live in a work folder until the cache entry (or a model directory) takes them.
    const dir = join(ctx.paths.outputDir, ".work", safeName(node.id));
    await saveTokenizerFiles(dir, trained.tokenizer, trained.config);
    const value = loadTokenizerDir(dir);
    return {
      value,
      notes: [
        `${s.kind} tokenizer: ${value.tokenizer.vocabSize} tokens from ${corpus.length} texts` +
          ("merges" in trained ? ` (${trained.merges} merges)` : ""),
      ],
      data: { vocabSize: value.tokenizer.vocabSize },
    };
  },
};

/** The template setting as the data layer's option. */
export function templateOption(template: string | undefined, format: string): TemplateOption {
  if (template === undefined || template === "none")
    return format === "sharegpt" ? "chat" : "alpaca_zh";
  if (template === "alpaca_zh" || template === "alpaca_en" || template === "chat") return template;
  if (template.includes("{%") || template.includes("{{")) return { chat: template };
  const at = template.indexOf("{output}");
  const prompt = at >= 0 ? template.slice(0, at) : template;
  const withoutInput = prompt.replace(/[^\S\n]*\{input\}[^\S\n]*\n?/g, "");
  return { alpaca: { withInput: prompt, withoutInput } };
}

/** A prompt template's fixed text (placeholders removed), for a tokenizer to learn from. */
export function templateTexts(template: string): string[] {
  const option = templateOption(template, "alpaca");
  const pair =
    option === "alpaca_zh" || option === "alpaca_en"
      ? BUILTIN_ALPACA_TEMPLATES[option]
      : typeof option === "object" && "alpaca" in option
        ? option.alpaca
        : undefined;
  if (!pair) return [];
  return [pair.withInput, pair.withoutInput].map((t) => t.replace(/\{\w+\}/g, ""));
}

const tokenize: Handler = {
  op: "tokenize",
  group: "tokenize",
  cache: {
    async save(v, dir) {
      const t = v.value as TokenizedValue;
      await writeJsonl(join(dir, "examples.jsonl"), t.examples);
      await saveDataset(dir, "records", t.dataset);
      await writeJson(join(dir, "tokenized.json"), {
        stats: t.stats,
        maxLength: t.maxLength,
        trainOn: t.trainOn,
        count: t.examples.length,
        ...(t.template !== undefined ? { template: t.template } : {}),
        ...(t.packed ? { packed: t.packed } : {}),
      });
    },
    async load(dir) {
      const meta = await readJson<{
        stats: TokenizeStats;
        maxLength: number;
        trainOn: TokenizedValue["trainOn"];
        count: number;
        template?: string;
        packed?: PackedSequence[];
      }>(join(dir, "tokenized.json"));
      const examples = await readJsonl<TokenizedExample>(join(dir, "examples.jsonl"));
      if (examples.length !== meta.count) throw new Error("examples.jsonl is incomplete");
      const value: TokenizedValue = {
        kind: "tokenized",
        examples,
        ...(meta.packed ? { packed: meta.packed } : {}),
        stats: meta.stats,
        dataset: await loadDataset(dir, "records"),
        maxLength: meta.maxLength,
        trainOn: meta.trainOn,
        ...(meta.template !== undefined ? { template: meta.template } : {}),
      };
      return { value, outputs: {} };
    },
  },
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"tokenize">;
    const s = node.settings;
    const data = await ctx.input<unknown>("data");
    if (!isDatasetValue(data)) throw new Error(`tokenize ${node.id}: input is not a dataset`);
    const tok = await ctx.input<unknown>("tokenizer");
    if (!isTokenizerValue(tok)) throw new Error(`tokenize ${node.id}: no tokenizer`);
    const template = resolveTemplate(
      templateOption(s.template, s.format),
      readTokenizerConfig(tok.dir),
    );
    const report = structuredClone(data.report);
    const prepared = prepareExamples(
      data.records,
      template,
      tok.tokenizer,
      {
        maxLength: s.max_length,
        pack: s.packing,
        ...(s.format === "text" ? { overflow: "chunk" } : {}),
      },
      report,
    );
    if (prepared.examples.length === 0) {
      throw new PipeError(
        "PW8009",
        `stage \`${node.stage}\`: no example has a token to train on after tokenization`,
        {},
        "check max_length and the template",
      );
    }
    const examples = prepared.examples.map((e) =>
      s.train_on === "all" ? { ...e, labels: [...e.inputIds] } : e,
    );
    const st = prepared.stats;
    return {
      value: {
        kind: "tokenized",
        examples,
        ...(prepared.packed ? { packed: prepared.packed } : {}),
        stats: st,
        dataset: { ...data, report },
        maxLength: s.max_length,
        trainOn: s.train_on,
        ...(s.template !== undefined ? { template: s.template } : {}),
      } satisfies TokenizedValue,
      notes: [
        `${examples.length} examples, ${st.tokens} tokens (${st.trainedTokens} with loss)` +
          (st.truncated.count ? `; ${st.truncated.count} truncated to ${s.max_length}` : "") +
          (prepared.packed ? `; packed into ${prepared.packed.length} sequences` : ""),
      ],
      data: { examples: examples.length, tokens: st.tokens, truncated: st.truncated.count },
    };
  },
};

export function tokenizeHandlers(): Handler[] {
  return [trainTokenizer, tokenize];
}
