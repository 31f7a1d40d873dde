/**
 * `pipe generate` on test/fixtures/models/tiny-llama (random weights, so only the mechanics are
 * checked): greedy and seeded sampling are deterministic, a different seed changes the text,
 * top-k 1 equals greedy, max new tokens, stop strings (cut before the stop), templates (the
 * rendered prompt and its tokens: one BOS, as training tokenizes), prompts files, a PEFT LoRA
 * adapter (same tokens as runtime/llm on the CPU), and the errors with their exit codes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { checkGenerateOptions, type GenerateArgs } from "../../cli/commands/generate.js";
import { rowToPrompt } from "../../cli/commands/generate-prompts.js";
import { CpuBackend } from "../../runtime/backend/cpu-backend.js";
import { ALPACA_EN } from "../../runtime/data/template/alpaca-template.js";
import { attachLora } from "../../runtime/llm/adapters/lora.js";
import { generate } from "../../runtime/llm/generate.js";
import { loadLlama } from "../../runtime/llm/hf-io.js";
import { exportPeftAdapter } from "../../runtime/llm/peft-export.js";
import { Tokenizer } from "../../runtime/tokenizer/tokenizer.js";
import { createRng } from "../../runtime/util/random.js";

const TINY = join(import.meta.dirname, "../fixtures/models/tiny-llama");
const FIX = join(import.meta.dirname, "../fixtures/cli/generate");

interface Line {
  id?: string;
  prompt: string;
  prompt_tokens: number;
  prediction: string;
  tokens: number;
  finish_reason: "eos" | "stop" | "length";
}

async function run(argv: string[], cwd = FIX) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

async function json(argv: string[]): Promise<Line[]> {
  const r = await run(["generate", TINY, ...argv, "--format", "json"]);
  expect(r.code, r.err).toBe(0);
  return r.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
}

let greedy: Line;

beforeAll(async () => {
  [greedy] = await json(["--prompt", "Hello world", "--max-new-tokens", "24"]);
});

describe("pipe generate", () => {
  it("greedy decoding is deterministic and prints the text", async () => {
    const r = await run(["generate", TINY, "--prompt", "Hello world", "--max-new-tokens", "24"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(greedy.prediction + "\n");
    expect(r.err).toMatch(/1 prompt, \d+ new tokens? in [\d.]+ s \(greedy, /);
    expect(greedy.tokens).toBeGreaterThan(0);
    expect(greedy.tokens).toBeLessThanOrEqual(24);
    if (greedy.finish_reason === "length") expect(greedy.tokens).toBe(24);
  });

  it("sampling is seeded: same seed, same text; another seed, another text; top-k 1 is greedy", async () => {
    const args = ["--prompt", "Hello world", "--max-new-tokens", "24", "--temperature", "1.5"];
    const [a] = await json([...args, "--seed", "7"]);
    const [b] = await json([...args, "--seed", "7"]);
    const [c] = await json([...args, "--seed", "8"]);
    expect(b).toEqual(a);
    expect(c.prediction).not.toBe(a.prediction);
    const [k1] = await json([...args, "--seed", "7", "--top-k", "1"]);
    expect(k1.prediction).toBe(greedy.prediction);
    const [p] = await json([...args, "--seed", "7", "--top-p", "0.9"]);
    expect(p.tokens).toBeGreaterThan(0);
  });

  it("--max-new-tokens bounds the output", async () => {
    const [g] = await json(["--prompt", "Hello world", "--max-new-tokens", "3"]);
    expect(g.tokens).toBeLessThanOrEqual(3);
    if (g.finish_reason === "length") expect(g.tokens).toBe(3);
  });

  it("--stop ends generation and cuts the text before the stop string", async () => {
    const text = greedy.prediction;
    const stop = [...text].find((ch, i) => i > 0 && /[!-~]/.test(ch) && text.indexOf(ch) > 0);
    expect(stop, `no ASCII character after the first in ${JSON.stringify(text)}`).toBeDefined();
    const [g] = await json([
      "--prompt",
      "Hello world",
      "--max-new-tokens",
      "24",
      `--stop=${stop!}`,
    ]);
    expect(g.finish_reason).toBe("stop");
    expect(g.prediction).toBe(text.slice(0, text.indexOf(stop!)));
    expect(g.tokens).toBeLessThan(greedy.tokens + 1);
    // A stop string that never appears changes nothing.
    const [same] = await json([
      "--prompt",
      "Hello world",
      "--max-new-tokens",
      "24",
      "--stop",
      "\u0000never",
    ]);
    expect(same.prediction).toBe(text);
  });

  it("renders templates and tokenizes the prompt with one BOS, as training does", async () => {
    const tok = Tokenizer.load(TINY);
    expect(greedy.prompt).toBe("Hello world");
    expect(greedy.prompt_tokens).toBe(tok.encode("Hello world").length + 1);

    const [alpaca] = await json([
      "--prompt",
      "Hello world",
      "--max-new-tokens",
      "2",
      "--template",
      "alpaca_en",
    ]);
    expect(alpaca.prompt).toBe(ALPACA_EN.withoutInput.replace("{instruction}", "Hello world"));
    expect(alpaca.prompt_tokens).toBe(tok.encode(alpaca.prompt).length + 1);

    // tiny-llama's chat template starts with {{ bos_token }}: no second BOS is added.
    const [chat] = await json([
      "--prompt",
      "Hello world",
      "--max-new-tokens",
      "2",
      "--template",
      "chat",
    ]);
    expect(chat.prompt).toBe("<s>user: Hello world\nassistant: ");
    expect(chat.prompt_tokens).toBe(tok.encode(chat.prompt).length);
  });

  it("reads a prompts file (instruction+input, prompt, messages, strings, raw text) in order", async () => {
    const lines = await json([
      "--prompts",
      "prompts.jsonl",
      "--prompt",
      "first",
      "--max-new-tokens",
      "2",
    ]);
    expect(lines.map((l) => l.prompt)).toEqual([
      "first",
      "Add the numbers.\n2 3",
      "Say hello",
      "Hi there",
      "plain string prompt",
      "Once upon a time",
    ]);
    expect(lines.map((l) => l.id)).toEqual([undefined, "a", "b", "c", undefined, undefined]);
    const zh = await json([
      "--prompts",
      "prompts.jsonl",
      "--max-new-tokens",
      "1",
      "--template",
      "alpaca_zh",
    ]);
    expect(zh[0].prompt).toBe("### 指令:\nAdd the numbers.\n\n### 输入:\n2 3\n\n### 回答:\n");
    expect(zh[2].prompt).toBe("### 指令:\nHi there\n\n### 回答:\n");
    expect(zh[4].prompt).toBe("Once upon a time"); // raw text is never templated
    const text = await run([
      "generate",
      TINY,
      "--prompt",
      "a",
      "--prompt",
      "b",
      "--max-new-tokens",
      "2",
    ]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^\[1\] a\n.*\n\n\[2\] b\n/s);
  });

  it("applies a PEFT LoRA adapter: the same tokens as runtime/llm with the adapter", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-generate-adapter-"));
    const backend = new CpuBackend();
    const model = loadLlama(TINY, { backend });
    attachLora(model, { rank: 4, alpha: 8, targets: ["q_proj", "v_proj", "up_proj"], seed: 1 });
    const rng = createRng(5);
    const values = new Map<string, Float32Array>();
    for (const [name, t] of model.trainableParameters())
      if (name.includes("lora_B"))
        values.set(
          name,
          Float32Array.from({ length: t.size }, () => 0.5 * rng.normal()),
        );
    model.loadStateDict(values, { strict: false });
    await exportPeftAdapter(model, dir, { baseModelNameOrPath: TINY });
    const tok = Tokenizer.load(TINY);
    const ids = [tok.bosId!, ...tok.encode("Hello world")];
    const [want] = await generate(model, [ids], { maxNewTokens: 16, tokenizer: tok });
    model.dispose();

    const previous = process.env.PIPE_BACKEND;
    process.env.PIPE_BACKEND = "cpu"; // the same backend as the reference above
    try {
      const [got] = await json([
        "--prompt",
        "Hello world",
        "--max-new-tokens",
        "16",
        "--adapter",
        dir,
      ]);
      expect(got.prediction).toBe(want.text);
      expect(got.tokens).toBe(want.tokens.length);
      const [base] = await json(["--prompt", "Hello world", "--max-new-tokens", "16"]);
      expect(base.prediction).not.toBe(got.prediction);
    } finally {
      if (previous === undefined) delete process.env.PIPE_BACKEND;
      else process.env.PIPE_BACKEND = previous;
    }
  });

  it("exits 2 with the path for a missing model, adapter or prompts file, and on bad usage", async () => {
    const missing = await run(["generate", "no-such-model", "--prompt", "x"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("error[PW3001]: model directory no-such-model does not exist");
    expect(missing.err).toContain(`--> ${join(FIX, "no-such-model")}`);
    expect(missing.err).not.toMatch(/\n\s+at .*\.ts:\d+/);

    const adapter = await run(["generate", TINY, "--prompt", "x", "--adapter", "no-adapter"]);
    expect(adapter.code).toBe(2);
    expect(adapter.err).toContain("error[PW3001]: adapter directory no-adapter does not exist");

    const prompts = await run(["generate", TINY, "--prompts", "nope.jsonl"]);
    expect(prompts.code).toBe(2);
    expect(prompts.err).toContain("error[PW6001]: cannot read nope.jsonl");

    const bad = await run(["generate", TINY, "--prompts", "bad-prompts.jsonl"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/error\[PW6010\]: .*\n {2}--> bad-prompts\.jsonl:2:\d+\n/);
    expect(bad.err).toMatch(/error\[PW6101\]: no prompt field .*\n {2}--> bad-prompts\.jsonl:3\n/);

    for (const extra of [
      [],
      ["--prompt", "x", "--temperature", "-1"],
      ["--prompt", "x", "--top-p", "0"],
      ["--prompt", "x", "--max-new-tokens", "0"],
      ["--prompt", "x", "--top-k", "1.5"],
      ["--prompt", ""],
      ["--prompt", "x", "--template", "vicuna"],
    ]) {
      const r = await run(["generate", TINY, ...extra]);
      expect(r.code, extra.join(" ")).toBe(2);
    }
  });

  it("model directories it cannot use: no tokenizer (exit 2), no weights or chat template (exit 1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-generate-model-"));
    const noTok = join(dir, "no-tokenizer");
    mkdirSync(noTok);
    for (const f of ["config.json", "model.safetensors"])
      copyFileSync(join(TINY, f), join(noTok, f));
    const r1 = await run(["generate", noTok, "--prompt", "x"]);
    expect(r1.code).toBe(2);
    expect(r1.err).toContain("error[PW3030]");

    const noWeights = join(dir, "no-weights");
    mkdirSync(noWeights);
    for (const f of ["config.json", "tokenizer.json"])
      copyFileSync(join(TINY, f), join(noWeights, f));
    writeFileSync(join(noWeights, "tokenizer_config.json"), JSON.stringify({ bos_token: "<s>" }));
    const r2 = await run(["generate", noWeights, "--prompt", "x"]);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain("error[PW3008]");
    const r3 = await run(["generate", noWeights, "--prompt", "x", "--template", "chat"]);
    expect(r3.code).toBe(1);
    expect(r3.err).toContain("error[PW6202]");
  });
});

describe("pipe generate helpers", () => {
  const base: GenerateArgs = {
    modelDir: "m",
    maxNewTokens: 8,
    temperature: 0,
    seed: 0,
    template: "none",
    format: "text",
  };

  it("checks sampling options", () => {
    expect(checkGenerateOptions(base)).toBeUndefined();
    expect(checkGenerateOptions({ ...base, temperature: Number.NaN })).toMatch(/--temperature/);
    expect(checkGenerateOptions({ ...base, topP: 1.5 })).toMatch(/--top-p/);
    expect(checkGenerateOptions({ ...base, seed: -1 })).toMatch(/--seed/);
    expect(checkGenerateOptions({ ...base, stop: [""] })).toMatch(/--stop/);
  });

  it("turns prompt rows into records", () => {
    const chat = rowToPrompt({ conversations: [{ from: "human", value: "hi" }] }, "f.jsonl", 4);
    expect(typeof chat !== "string" && chat.record).toMatchObject({
      kind: "chat",
      messages: [{ role: "user", content: "hi" }],
      source: { path: "f.jsonl", line: 4 },
    });
    expect(rowToPrompt({ messages: [{ role: "robot", content: "x" }] }, "f", 1)).toMatch(
      /turn 1 needs/,
    );
    expect(rowToPrompt(42, "f", 1)).toMatch(/a string or an object/);
  });
});
