/**
 * Our tokenizer against Hugging Face `tokenizers` (Rust, v0.23.2 through its Node binding), on
 * tokenizer.json files written by our trainers: same ids, with and without special tokens, and
 * the same decoded text. Golden values: scripts/fixtures/tokenizer-golden.mjs.
 */
import { describe, expect, it } from "vitest";
import { Tokenizer } from "../../../runtime/tokenizer/tokenizer.js";
import { readFixture } from "./support.js";

interface GoldenCase {
  text: string;
  ids: number[];
  tokens: string[];
  idsWithSpecial: number[];
  decoded: string;
  decodedWithSpecial: string;
  decodedSkipSpecial: string;
}
const golden = readFixture<{ cases: Record<string, GoldenCase[]> }>("golden-encodings.json");

describe.each(Object.keys(golden.cases))("%s tokenizer matches Hugging Face tokenizers", (name) => {
  const tok = new Tokenizer(readFixture(`${name}.tokenizer.json`));
  const cases = golden.cases[name];

  it("encodes every test string to the same ids and tokens", () => {
    for (const c of cases) {
      expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
      expect(tok.tokenize(c.text)).toEqual(c.tokens);
    }
  });

  it("adds the same special tokens", () => {
    for (const c of cases)
      expect(tok.encode(c.text, { addSpecialTokens: true }), JSON.stringify(c.text)).toEqual(
        c.idsWithSpecial,
      );
  });

  it("decodes to the same text, with and without special tokens", () => {
    for (const c of cases) {
      expect(tok.decode(c.ids)).toBe(c.decoded);
      expect(tok.decode(c.idsWithSpecial)).toBe(c.decodedWithSpecial);
      expect(tok.decode(c.idsWithSpecial, { skipSpecialTokens: true })).toBe(c.decodedSkipSpecial);
    }
  });
});
