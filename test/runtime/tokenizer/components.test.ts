import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  BYTE_TO_CHAR,
  byteLevelAlphabet,
  fromByteLevel,
  toByteLevel,
} from "../../../runtime/tokenizer/byte-level.js";
import {
  GPT2_PATTERN,
  LLAMA3_PATTERN,
  compileTokenizerPattern,
  translateOnigPattern,
} from "../../../runtime/tokenizer/hf-regex.js";
import { splitWithBehavior } from "../../../runtime/tokenizer/pre-tokenizers.js";
import { buildNormalizer } from "../../../runtime/tokenizer/normalizers.js";
import { buildDecoder } from "../../../runtime/tokenizer/decoders.js";
import { buildPostProcessor } from "../../../runtime/tokenizer/post-processors.js";

const words = (pattern: string, text: string) =>
  [...text.matchAll(new RegExp(translateOnigPattern(pattern), "gu"))].map((m) => m[0]);

describe("tokenizer components", () => {
  it("maps bytes to GPT-2's printable characters and back", () => {
    expect(BYTE_TO_CHAR[0x20]).toBe("Ġ");
    expect(BYTE_TO_CHAR[0x0a]).toBe("Ċ");
    expect(BYTE_TO_CHAR[0x41]).toBe("A");
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(byteLevelAlphabet()).toHaveLength(256);
    expect(toByteLevel("a 你")).toBe("aĠä½ł");
    expect(fromByteLevel(["aĠ", "ä½", "ł"])).toBe("a 你");
    expect(fromByteLevel(["ä½"])).toBe("\ufffd"); // a cut UTF-8 sequence
  });

  it("encodes any string (lone surrogates too) exactly like TextEncoder + the byte table (property)", () => {
    const utf8 = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        expect(toByteLevel(s)).toBe(Array.from(utf8.encode(s), (b) => BYTE_TO_CHAR[b]).join(""));
      }),
      { numRuns: 300, seed: 12 },
    );
    expect(toByteLevel("\ud800x")).toBe("ï¿½x");
  });

  it("translates Oniguruma patterns: (?i:...), \\s, possessive quantifiers", () => {
    expect(words(GPT2_PATTERN, "Hello world's  12x")).toEqual([
      "Hello",
      " world",
      "'s",
      " ",
      " 12",
      "x",
    ]);
    expect(words(LLAMA3_PATTERN, "I'M 1234567 你好!\n\n")).toEqual([
      "I",
      "'M",
      " ",
      "123",
      "456",
      "7",
      " 你好",
      "!\n\n",
    ]);
    expect(translateOnigPattern("(?i:ab)[c]")).toBe("(?:[aA][bB])[c]");
    expect(translateOnigPattern("a++b{1,3}+c*?")).toBe("a+b{1,3}c*?");
    expect(words("\\s+", "a\u0085b\ufeffc")).toEqual(["\u0085"]); // Oniguruma's \s: NEL yes, BOM no
    expect(compileTokenizerPattern({ String: "a.b" }).test("a.b")).toBe(true);
  });

  it("splits with every Hugging Face behaviour", () => {
    const re = /-/gu;
    expect(splitWithBehavior("a-b--c", re, "Removed")).toEqual(["a", "b", "c"]);
    expect(splitWithBehavior("a-b--c", re, "Isolated")).toEqual(["a", "-", "b", "-", "-", "c"]);
    expect(splitWithBehavior("a-b--c", re, "MergedWithPrevious")).toEqual(["a-", "b-", "-", "c"]);
    expect(splitWithBehavior("a-b--c", re, "MergedWithNext")).toEqual(["a", "-b", "-", "-c"]);
    expect(splitWithBehavior("a-b--c", re, "Contiguous")).toEqual(["a", "-", "b", "--", "c"]);
    expect(splitWithBehavior("a-b", re, "Isolated", true)).toEqual(["a", "-", "b"]);
  });

  it("builds normalizers, decoders and post-processors from JSON", () => {
    const n = buildNormalizer(
      {
        type: "Sequence",
        normalizers: [
          { type: "NFKC" },
          { type: "Lowercase" },
          { type: "Replace", pattern: { String: " " }, content: "▁" },
          { type: "Prepend", prepend: "▁" },
        ],
      },
      "t",
    );
    expect(n?.("ＡＢ c")).toBe("▁ab▁c");
    expect(buildNormalizer({ type: "StripAccents" }, "t")?.("café")).toBe("cafe");
    expect(
      buildNormalizer({ type: "Strip", strip_left: false, strip_right: true }, "t")?.(" a "),
    ).toBe(" a");
    const d = buildDecoder(
      { type: "Sequence", decoders: [{ type: "ByteFallback" }, { type: "Fuse" }] },
      "t",
    );
    expect(d?.(["a", "<0xE4>", "<0xBD>", "<0xA0>", "b"])).toEqual(["a你b"]);
    // As in HF: a run of byte tokens that is not valid UTF-8 gives one U+FFFD per byte.
    expect(d?.(["a", "<0xE4>", "<0xBD>", "<0xA0>", "<0xFF>"])).toEqual([
      "a\ufffd\ufffd\ufffd\ufffd",
    ]);
    const bert = buildPostProcessor(
      { type: "BertProcessing", cls: ["[CLS]", 101], sep: ["[SEP]", 102] },
      "t",
    );
    expect(bert?.apply([5, 6])).toEqual([101, 5, 6, 102]);
    expect(bert?.apply([5], [7])).toEqual([101, 5, 102, 7, 102]);
    expect(() => buildDecoder({ type: "CTC" }, "t")).toThrow(
      expect.objectContaining({ code: "PW6502" }),
    );
    expect(() =>
      buildPostProcessor(
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: "<s>" } }],
          special_tokens: {},
        },
        "t",
      ),
    ).toThrow(expect.objectContaining({ code: "PW6504" }));
  });
});
