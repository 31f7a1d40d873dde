/**
 * `pipe generate <model-dir> --prompt "…"… [--prompts file.jsonl] [--max-new-tokens N]
 * [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop s]… [--adapter peft-dir]
 * [--template alpaca_zh|alpaca_en|chat|none] [--format text|json]`: loads a Hugging Face
 * directory (runtime/llm's `loadLlama`) on the default backend, optionally a PEFT adapter
 * (`loadPeftAdapter`), renders each prompt with the data layer's template, and generates —
 * greedy at temperature 0, else sampled with a seeded stream (same seed, same text).
 *
 * Prompts are tokenized as training tokenized them (runtime/data/template/tokenize-example.ts):
 * no special tokens from the post-processor, BOS prepended when the tokenizer adds one and the
 * rendered text does not already start with it.
 *
 * Exit codes: 0 generated, 2 bad usage or a missing path (model directory, adapter, prompts
 * file: reported with the path), 1 any other error (a broken model directory, a template the
 * model lacks) through the CLI's PipeError handler.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import {
  PromptInputError,
  promptsFromArgs,
  readPromptsFile,
  renderPrompt,
  type PromptItem,
} from "./generate-prompts.js";

export type TemplateName = "alpaca_zh" | "alpaca_en" | "chat" | "none";

export interface GenerateArgs {
  modelDir: string;
  prompt?: string[];
  prompts?: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  stop?: string[];
  adapter?: string;
  template: TemplateName;
  format: "text" | "json";
}

/** A usage problem with the sampling options, or undefined. */
export function checkGenerateOptions(a: GenerateArgs): string | undefined {
  const whole = (k: string, v: number | undefined, min: number) =>
    v !== undefined && !(Number.isInteger(v) && v >= min)
      ? `--${k} must be a whole number ≥ ${min}, got ${v}`
      : undefined;
  if (!(Number.isFinite(a.temperature) && a.temperature >= 0))
    return `--temperature must be ≥ 0, got ${a.temperature}`;
  if (a.topP !== undefined && !(a.topP > 0 && a.topP <= 1))
    return `--top-p must be in (0, 1], got ${a.topP}`;
  if (a.stop?.some((s) => s === "")) return "--stop must not be empty";
  return (
    whole("max-new-tokens", a.maxNewTokens, 1) ??
    whole("top-k", a.topK, 1) ??
    whole("seed", a.seed, 0)
  );
}

function printError(io: CliIo, err: PipeError): void {
  const where = err.where();
  io.stderr(
    `error[${err.code}]: ${err.message}\n${where ? `  --> ${where}\n` : ""}${err.hint ? `  = hint: ${err.hint}\n` : ""}`,
  );
}

function usage(io: CliIo, message: string): number {
  io.stderr(`pipe generate: ${message}\nRun \`pipe generate --help\` for usage.\n`);
  return EXIT_USAGE;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** One line of at most `max` characters, for headers. */
function oneLine(text: string, max = 72): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export async function runGenerate(io: CliIo, args: GenerateArgs): Promise<number> {
  const bad = checkGenerateOptions(args);
  if (bad) return usage(io, bad);
  if ((args.prompt ?? []).length === 0 && args.prompts === undefined) {
    return usage(io, 'give a prompt with --prompt "…" or a file with --prompts');
  }

  // Every user error that needs no device comes first: paths, prompts, template.
  const dir = resolve(io.cwd, args.modelDir);
  if (!isDir(dir)) {
    printError(
      io,
      new PipeError("PW3001", `model directory ${args.modelDir} does not exist`, { path: dir }),
    );
    return EXIT_USAGE;
  }
  const adapterDir = args.adapter === undefined ? undefined : resolve(io.cwd, args.adapter);
  if (adapterDir !== undefined && !isDir(adapterDir)) {
    printError(
      io,
      new PipeError("PW3001", `adapter directory ${args.adapter} does not exist`, {
        path: adapterDir,
      }),
    );
    return EXIT_USAGE;
  }
  if (!existsSync(join(dir, "tokenizer.json"))) {
    printError(
      io,
      new PipeError(
        "PW3030",
        `${args.modelDir} has no tokenizer.json: text prompts need the model's tokenizer`,
        { path: dir },
      ),
    );
    return EXIT_USAGE;
  }
  let items: PromptItem[] = promptsFromArgs(args.prompt ?? []);
  if (args.prompts !== undefined) {
    try {
      items = [...items, ...(await readPromptsFile(resolve(io.cwd, args.prompts), args.prompts))];
    } catch (err) {
      if (err instanceof PromptInputError) {
        for (const e of err.errors) printError(io, e);
        return EXIT_USAGE;
      }
      throw err;
    }
  }
  if (items.length === 0) return usage(io, `${args.prompts} holds no prompts`);

  const { resolveTemplate } = await import("../../runtime/data/template/apply-template.js");
  const { readTokenizerConfig } = await import("../../runtime/tokenizer/tokenizer-config.js");
  const template =
    args.template === "none" ? undefined : resolveTemplate(args.template, readTokenizerConfig(dir));
  const texts = items.map((it) => renderPrompt(it.record, template));
  const empty = texts.findIndex((t) => t === "");
  if (empty >= 0) {
    const s = items[empty].record.source;
    return usage(io, `prompt ${empty + 1} (${s.path}:${s.line}) is empty`);
  }

  const { createBackend } = await import("../../runtime/backend/create-backend.js");
  const { loadLlama, loadPeftAdapter, generate } = await import("../../runtime/llm/index.js");
  const backend = await createBackend({ onNotice: (m) => io.stderr(`${m}\n`) });
  let model: Awaited<ReturnType<typeof loadLlama>> | undefined;
  try {
    model = loadLlama(dir, { backend });
    if (adapterDir !== undefined) loadPeftAdapter(model, adapterDir, { seed: args.seed });
    const tokenizer = model.tokenizer!;
    const prompts = texts.map((t) => {
      const ids = tokenizer.encode(t);
      const bos = tokenizer.bosId;
      if (tokenizer.addBos && bos !== undefined && ids[0] !== bos) ids.unshift(bos);
      return ids;
    });
    const started = performance.now();
    const out = await generate(model, prompts, {
      maxNewTokens: args.maxNewTokens,
      temperature: args.temperature,
      ...(args.topK !== undefined ? { topK: args.topK } : {}),
      ...(args.topP !== undefined ? { topP: args.topP } : {}),
      seed: args.seed,
      stopStrings: args.stop ?? [],
      tokenizer,
    });
    const seconds = (performance.now() - started) / 1000;

    out.forEach((g, i) => {
      const text = g.text ?? "";
      if (args.format === "json") {
        const id = items[i].id;
        io.stdout(
          JSON.stringify({
            ...(id !== undefined ? { id } : {}),
            prompt: texts[i],
            prompt_tokens: g.promptTokens.length,
            prediction: text,
            tokens: g.tokens.length,
            finish_reason: g.finishReason,
          }) + "\n",
        );
      } else if (out.length === 1) {
        io.stdout(text + "\n");
      } else {
        io.stdout(`${i > 0 ? "\n" : ""}[${i + 1}] ${oneLine(texts[i])}\n${text}\n`);
      }
    });
    const tokens = out.reduce((n, g) => n + g.tokens.length, 0);
    io.stderr(
      `${out.length} prompt${out.length === 1 ? "" : "s"}, ${tokens} new token${tokens === 1 ? "" : "s"} in ${seconds.toFixed(2)} s (${args.temperature > 0 ? `sampled, seed ${args.seed}` : "greedy"}, ${backend.name})\n`,
    );
    return EXIT_OK;
  } finally {
    model?.dispose();
    backend.dispose();
  }
}
