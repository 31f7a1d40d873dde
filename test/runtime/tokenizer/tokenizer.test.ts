import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "../../../runtime/tokenizer/tokenizer.js";
import { parseTokenizerConfig } from "../../../runtime/tokenizer/tokenizer-config.js";
import { fixturePath, readFixture } from "./support.js";

const gpt2 = () => readFixture<Record<string, unknown>>("bpe-gpt2.tokenizer.json");
const strings = readFixture<string[]>("test-strings.json");
const roundTrip = [
  "机器学习是人工智能的一个分支，深度学习是机器学习的子集。",
  "The quick brown fox jumps over the lazy dog.",
  "Emoji 😀🚀👍🏽👨‍👩‍👧‍👦🇨🇳 mixed with 中文 and English!",
  "罕见字：𠀀𪚥龘靐 and symbols ∮ ∯ ∰",
  "\ttabs\r\nand\u00a0odd\u2028spaces  ",
];

describe("Tokenizer (tokenizer.json)", () => {
  it.each(["bpe-gpt2", "bpe-llama3", "bpe-qwen2", "char"])(
    "round-trips Chinese, English and emoji losslessly (%s)",
    (name) => {
      const tok = new Tokenizer(readFixture(`${name}.tokenizer.json`));
      for (const text of [...roundTrip, ...strings]) {
        // Qwen's NFC normaliser folds "e\u0301" into "é": compare with the normalised text.
        const expected = name === "bpe-qwen2" ? text.normalize("NFC") : text;
        expect(tok.decode(tok.encode(text)), JSON.stringify(text)).toBe(expected);
      }
    },
  );

  it("compresses: BPE uses fewer tokens than bytes on the training language", () => {
    const tok = new Tokenizer(gpt2());
    const text = "机器学习是人工智能的一个分支";
    expect(tok.encode(text).length).toBeLessThan(Buffer.byteLength(text) / 2);
  });

  it("treats special tokens as single ids and never byte-encodes them", () => {
    const tok = new Tokenizer(gpt2());
    const ids = tok.encode("<|im_start|>user\n你好<|im_end|>");
    expect(ids[0]).toBe(tok.tokenToId("<|im_start|>"));
    expect(ids[ids.length - 1]).toBe(tok.tokenToId("<|im_end|>"));
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe("user\n你好");
  });

  it("resolves bos/eos/pad from tokenizer_config.json, from overrides, or by well-known names", () => {
    const guessed = new Tokenizer(gpt2());
    expect(guessed.eos).toEqual({ token: "<|endoftext|>", id: 0 });
    expect(guessed.bos).toBeUndefined();
    expect(guessed.padId).toBe(0); // pad falls back to EOS
    expect(guessed.addBos).toBe(false);

    const config = parseTokenizerConfig({ eos_token: "<|im_end|>", pad_token: "<|endoftext|>" });
    const fromConfig = new Tokenizer(gpt2(), { config });
    expect(fromConfig.eosId).toBe(fromConfig.tokenToId("<|im_end|>"));
    expect(fromConfig.pad?.token).toBe("<|endoftext|>");

    const llama = new Tokenizer(readFixture("bpe-llama3.tokenizer.json"));
    expect(llama.bos?.token).toBe("<|begin_of_text|>");
    expect(llama.addBos).toBe(true); // its TemplateProcessing adds BOS
    expect(
      new Tokenizer(readFixture("bpe-llama3.tokenizer.json"), { overrides: { bos: null } }).bos,
    ).toBeUndefined();

    expect(() => new Tokenizer(gpt2(), { overrides: { eos: "</s>" } })).toThrow(
      expect.objectContaining({ code: "PW6504" }),
    );
  });

  it("loads a model directory with tokenizer.json and tokenizer_config.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-tok-"));
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(gpt2()));
    writeFileSync(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ eos_token: "<|im_end|>", chat_template: "{{ messages }}" }),
    );
    const tok = Tokenizer.load(dir);
    expect(tok.eos?.token).toBe("<|im_end|>");
    expect(tok.config?.chatTemplate).toBe("{{ messages }}");
    expect(Tokenizer.load(fixturePath("bpe-gpt2.tokenizer.json")).vocabSize).toBe(700);
  });

  it("reports bad files (PW6501), unsupported components (PW6502) and unknown merge tokens (PW6504)", () => {
    expect(() => Tokenizer.load(join(tmpdir(), "no-such-dir-pw"))).toThrow(
      expect.objectContaining({ code: "PW6501" }),
    );
    const dir = mkdtempSync(join(tmpdir(), "pw-tok-"));
    writeFileSync(join(dir, "tokenizer.json"), "{ not json");
    expect(() => Tokenizer.load(dir)).toThrow(expect.objectContaining({ code: "PW6501" }));
    expect(() => new Tokenizer({ model: { type: "WordPiece", vocab: {} } })).toThrow(
      expect.objectContaining({
        code: "PW6502",
        message: 'model type "WordPiece" is not supported',
      }),
    );
    expect(
      () =>
        new Tokenizer({ ...gpt2(), normalizer: { type: "Precompiled", precompiled_charsmap: "" } }),
    ).toThrow(expect.objectContaining({ code: "PW6502" }));
    expect(
      () => new Tokenizer({ model: { type: "BPE", vocab: { a: 0, b: 1 }, merges: ["a b"] } }),
    ).toThrow(expect.objectContaining({ code: "PW6504" }));
    expect(
      () =>
        new Tokenizer({
          ...gpt2(),
          pre_tokenizer: { type: "Split", pattern: { Regex: "(?<=a" }, behavior: "Isolated" },
        }),
    ).toThrow(expect.objectContaining({ code: "PW6503" }));
  });

  it("handles SentencePiece-style BPE: Metaspace, byte fallback, unk fusing, merges as pairs", () => {
    const vocab: Record<string, number> = {
      "<unk>": 0,
      "▁": 1,
      h: 2,
      i: 3,
      "▁h": 4,
      "▁hi": 5,
      "<0xE2>": 6,
      "<0x98>": 7,
      "<0x83>": 8,
    };
    const tok = new Tokenizer({
      added_tokens: [{ id: 0, content: "<unk>", special: true }],
      pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
      decoder: {
        type: "Sequence",
        decoders: [
          { type: "Replace", pattern: { String: "▁" }, content: " " },
          { type: "ByteFallback" },
          { type: "Fuse" },
          { type: "Strip", content: " ", start: 1, stop: 0 },
        ],
      },
      model: {
        type: "BPE",
        unk_token: "<unk>",
        fuse_unk: true,
        byte_fallback: true,
        vocab,
        merges: [
          ["▁", "h"],
          ["▁h", "i"],
        ],
      },
    });
    expect(tok.encode("hi hi")).toEqual([5, 5]);
    expect(tok.encode("hi☃")).toEqual([5, 6, 7, 8]); // ☃ = E2 98 83 by byte fallback
    expect(tok.decode(tok.encode("hi hi☃"))).toBe("hi hi☃");
    const unk = new Tokenizer({
      model: {
        type: "BPE",
        unk_token: "<unk>",
        fuse_unk: true,
        vocab: { "<unk>": 0, a: 1 },
        merges: [],
      },
    });
    expect(unk.encode("axyza")).toEqual([1, 0, 1]);
  });
});
