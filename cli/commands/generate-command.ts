import type { PipeCommand } from "../command.js";

export const generateCommand: PipeCommand = {
  command: "generate <model-dir>",
  describe: "generate text with a Hugging Face Llama-style model (optionally with a PEFT adapter)",
  builder: (y) =>
    y
      .positional("model-dir", {
        type: "string",
        demandOption: true,
        describe: "a Hugging Face directory: config.json, *.safetensors, tokenizer.json",
      })
      .option("prompt", {
        type: "string",
        array: true,
        nargs: 1,
        default: [],
        describe: "a prompt (an instruction when a template is used); repeat for several",
      })
      .option("prompts", {
        type: "string",
        describe:
          "a file of prompts: .jsonl/.json rows (instruction[+input], prompt, messages, conversations, text) or one per line",
      })
      .option("max-new-tokens", {
        type: "number",
        default: 64,
        describe: "tokens to generate at most",
      })
      .option("temperature", {
        type: "number",
        default: 0,
        describe: "0: greedy; above 0: sample (seeded)",
      })
      .option("top-k", { type: "number", describe: "sample from the k most likely tokens" })
      .option("top-p", { type: "number", describe: "sample from the smallest set reaching p" })
      .option("seed", { type: "number", default: 0, describe: "seed of the sampling stream" })
      .option("stop", {
        type: "string",
        array: true,
        nargs: 1,
        default: [],
        describe:
          "stop when the output contains this text (cut before it); repeatable; write --stop=-x for a text starting with -",
      })
      .option("adapter", {
        type: "string",
        describe: "a PEFT adapter directory (adapter_config.json)",
      })
      .option("template", {
        choices: ["none", "alpaca_zh", "alpaca_en", "chat"],
        default: "none",
        describe:
          "prompt template: the one the model was fine-tuned with (chat: tokenizer_config.json's)",
      })
      .option("format", {
        choices: ["text", "json"],
        default: "text",
        describe:
          "text, or one JSON line per prompt (id, prompt, prompt_tokens, prediction, tokens, finish_reason)",
      }),
  run: async (io, args) => {
    const { runGenerate } = await import("./generate.js");
    const num = (v: unknown) => (v === undefined ? undefined : Number(v));
    return runGenerate(io, {
      modelDir: String(args.modelDir),
      prompt: (args.prompt as unknown[]).map(String),
      ...(args.prompts !== undefined ? { prompts: String(args.prompts) } : {}),
      maxNewTokens: Number(args.maxNewTokens),
      temperature: Number(args.temperature),
      ...(args.topK !== undefined ? { topK: num(args.topK) } : {}),
      ...(args.topP !== undefined ? { topP: num(args.topP) } : {}),
      seed: Number(args.seed),
      stop: (args.stop as unknown[]).map(String),
      ...(args.adapter !== undefined ? { adapter: String(args.adapter) } : {}),
      template: args.template as "none" | "alpaca_zh" | "alpaca_en" | "chat",
      format: args.format as "text" | "json",
    });
  },
};
