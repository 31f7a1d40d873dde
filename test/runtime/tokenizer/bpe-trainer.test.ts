import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainBpeTokenizer } from "../../../runtime/tokenizer/bpe-trainer.js";
import { trainCharTokenizer } from "../../../runtime/tokenizer/char-tokenizer.js";
import { saveTokenizerFiles } from "../../../runtime/tokenizer/tokenizer-files.js";
import { Tokenizer } from "../../../runtime/tokenizer/tokenizer.js";
import { readFixture } from "./support.js";

const corpus = readFixture<string[]>("corpus.json");

describe("byte-level BPE trainer", () => {
  it("learns exactly the merges Hugging Face's BpeTrainer learns on the same corpus", async () => {
    // hf-trained.json: HF tokenizers 0.23.2, BpeTrainer defaults (vocab 30000, min_frequency 0,
    // alphabet from the corpus), ByteLevel pre-tokenizer, first 60 corpus lines.
    const hf = readFixture<{
      lines: number;
      vocabSize: number;
      merges: ([string, string] | string)[];
    }>("hf-trained.json");
    const ours = await trainBpeTokenizer(corpus.slice(0, hf.lines), {
      vocabSize: 30000,
      minFrequency: 0,
      initialAlphabet: "corpus",
    });
    const model = ours.tokenizer.model as {
      merges: [string, string][];
      vocab: Record<string, number>;
    };
    expect(model.merges).toEqual(hf.merges.map((m) => (typeof m === "string" ? m.split(" ") : m)));
    expect(Object.keys(model.vocab)).toHaveLength(hf.vocabSize);
  });

  it("is deterministic and reaches the requested vocabulary size with specials first", async () => {
    const opts = {
      vocabSize: 400,
      specialTokens: ["<|endoftext|>", "<pad>"],
      roles: { eos: "<|endoftext|>", pad: "<pad>" },
    };
    const a = await trainBpeTokenizer(corpus, opts);
    const b = await trainBpeTokenizer(corpus, opts);
    expect(JSON.stringify(a.tokenizer)).toBe(JSON.stringify(b.tokenizer));
    const tok = new Tokenizer(a.tokenizer, { overrides: { eos: "<|endoftext|>", pad: "<pad>" } });
    expect(tok.vocabSize).toBe(400);
    expect(tok.tokenToId("<|endoftext|>")).toBe(0);
    expect(tok.tokenToId("<pad>")).toBe(1);
    // The 256-byte alphabet follows in code-point order: 188 printable Latin-1 characters, then
    // U+0100.. for the other bytes; "Ġ" (U+0120, the space byte) is the 33rd of those.
    expect(tok.tokenToId("Ġ")).toBe(2 + 188 + 32);
    expect(a.config).toMatchObject({
      eos_token: "<|endoftext|>",
      pad_token: "<pad>",
      add_bos_token: false,
    });
  });

  it("stops at min_frequency and samples a large corpus with a seed", async () => {
    const small = await trainBpeTokenizer(["aaab aaab aaab", "xyz"], {
      vocabSize: 1000,
      minFrequency: 3,
    });
    const merges = (small.tokenizer.model as { merges: [string, string][] }).merges;
    expect(merges.every(([a, b]) => !`${a}${b}`.includes("x"))).toBe(true);
    const s1 = await trainBpeTokenizer(corpus, {
      vocabSize: 300,
      sample: { maxSequences: 50, seed: 1 },
    });
    const s2 = await trainBpeTokenizer(corpus, {
      vocabSize: 300,
      sample: { maxSequences: 50, seed: 1 },
    });
    const s3 = await trainBpeTokenizer(corpus, {
      vocabSize: 300,
      sample: { maxSequences: 50, seed: 2 },
    });
    expect(s1.tokenizer).toEqual(s2.tokenizer);
    expect(s1.tokenizer).not.toEqual(s3.tokenizer);
  });

  it("saves tokenizer.json + tokenizer_config.json that our loader reads back, BOS added for Llama-style", async () => {
    const { tokenizer, config } = await trainBpeTokenizer(corpus, {
      vocabSize: 500,
      pattern: "llama3",
      specialTokens: ["<|begin_of_text|>", "<|end_of_text|>"],
      roles: { bos: "<|begin_of_text|>", eos: "<|end_of_text|>" },
    });
    const dir = mkdtempSync(join(tmpdir(), "pw-train-"));
    await saveTokenizerFiles(dir, tokenizer, config);
    const tok = Tokenizer.load(dir);
    expect(tok.bos?.token).toBe("<|begin_of_text|>");
    expect(tok.addBos).toBe(true);
    const text = "LoRA微调：低秩矩阵 B·A，rank r = 8 🚀";
    expect(tok.encode(text, { addSpecialTokens: true })[0]).toBe(tok.bosId);
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it("refuses impossible options (PW6505)", async () => {
    await expect(trainBpeTokenizer(corpus, { vocabSize: 100 })).rejects.toMatchObject({
      code: "PW6505",
    });
    await expect(trainBpeTokenizer([], { vocabSize: 300 })).rejects.toMatchObject({
      code: "PW6505",
      message: "the training corpus is empty",
    });
    await expect(
      trainBpeTokenizer(corpus, { vocabSize: 300, roles: { eos: "</s>" } }),
    ).rejects.toMatchObject({ code: "PW6505" });
  });
});

describe("character tokenizer", () => {
  it("gives one id per character, most frequent first, and round-trips unseen characters by bytes", async () => {
    const { tokenizer, config } = await trainCharTokenizer(["你好你好，世界", "你"], {
      specialTokens: ["<s>", "</s>"],
      roles: { bos: "<s>", eos: "</s>" },
    });
    const tok = new Tokenizer(tokenizer, { config: { ...configOf(config) } });
    const vocab = (tokenizer.model as { vocab: Record<string, number> }).vocab;
    expect(vocab["你"]).toBe(2 + 256); // after <s>, </s> and the byte tokens
    expect(tok.encode("你好")).toEqual([vocab["你"], vocab["好"]]);
    expect(tok.encode("你好", { addSpecialTokens: true })[0]).toBe(tok.bosId);
    expect(tok.tokenize("猫")).toEqual(["<0xE7>", "<0x8C>", "<0xAB>"]);
    expect(tok.decode(tok.encode("你好猫🐱，世界"))).toBe("你好猫🐱，世界");
  });

  it("maps unseen characters to <unk> without byte fallback, and honours vocab_size", async () => {
    const { tokenizer } = await trainCharTokenizer(["aaabbc"], {
      byteFallback: false,
      vocabSize: 3,
    });
    const tok = new Tokenizer(tokenizer);
    expect(Object.keys((tokenizer.model as { vocab: object }).vocab)).toEqual(["<unk>", "a", "b"]);
    expect(tok.encode("abcc")).toEqual([1, 2, 0]);
    await expect(trainCharTokenizer([""], {})).rejects.toMatchObject({ code: "PW6505" });
  });
});

function configOf(raw: Record<string, unknown>) {
  return {
    bosToken: raw.bos_token as string,
    eosToken: raw.eos_token as string,
    addBosToken: raw.add_bos_token as boolean,
    chatTemplates: {},
    raw,
  };
}
