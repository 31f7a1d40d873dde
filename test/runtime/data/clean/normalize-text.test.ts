import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  normalizeKey,
  normalizePunctuation,
  normalizeWhitespace,
  removeControlChars,
} from "../../../../runtime/data/clean/normalize-text.js";

describe("text normalisation", () => {
  it("collapses whitespace like the seed's re.sub(r'\\s+', ' ', text).strip()", () => {
    expect(normalizeWhitespace("  a \t b\n\n c\u3000d\u00a0e  ")).toBe("a b c d e");
  });

  it("keeps line structure in keep_newlines mode", () => {
    expect(normalizeWhitespace("  def f():\r\n    return  1  \n\n\n\nend ", "keep_newlines")).toBe(
      "def f():\nreturn 1\n\nend",
    );
  });

  it("removes C0/C1 controls, zero-width space and BOM, keeps tab/newline and emoji joiners", () => {
    expect(removeControlChars("a\u0000b\u0007c\u007fd\u0085e\u009ff\u200bg\ufeffh\ti\nj")).toBe(
      "abcdefgh\ti\nj",
    );
    expect(removeControlChars("👨\u200d👩")).toBe("👨\u200d👩");
  });

  it("maps full-width forms to half width", () => {
    expect(
      normalizePunctuation("ＡＢＣ１２３，．！？（）\u3000：；", { direction: "to_half" }),
    ).toBe("ABC123,.!?() :;");
    expect(normalizePunctuation("他说：“好。”【注】", { direction: "to_half" })).toBe(
      "他说:“好。”【注】",
    );
    expect(
      normalizePunctuation("他说：“好。”【注】《书》、", { direction: "to_half", cjk: true }),
    ).toBe('他说:"好."[注]<书>,');
  });

  it("maps ASCII punctuation after Chinese to full width, leaving English and numbers alone", () => {
    expect(
      normalizePunctuation("你好,世界!今天几号?答:3.5号;(注意)", { direction: "to_full" }),
    ).toBe("你好，世界！今天几号？答：3.5号；（注意）");
    expect(normalizePunctuation("Hello, world! pi=3.14. 你好.", { direction: "to_full" })).toBe(
      "Hello, world! pi=3.14. 你好。",
    );
    expect(normalizePunctuation("版本ＧＰＴ４", { direction: "to_full" })).toBe("版本GPT4");
  });

  it("to_half is idempotent and leaves ASCII alone (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const once = normalizePunctuation(s, { direction: "to_half" });
        expect(normalizePunctuation(once, { direction: "to_half" })).toBe(once);
      }),
      { numRuns: 200, seed: 3 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii" }), (s) => {
        expect(normalizePunctuation(s, { direction: "to_half" })).toBe(s);
      }),
      { numRuns: 100, seed: 4 },
    );
  });

  it("builds a de-duplication key that ignores case, width, spaces and punctuation", () => {
    expect(normalizeKey("  Hello, World! ")).toBe(normalizeKey("hello world"));
    expect(normalizeKey("你好，世界")).toBe(normalizeKey("你好,世界"));
    expect(normalizeKey("ＧＰＴ")).toBe("gpt");
    expect(normalizeKey("1+1")).not.toBe(normalizeKey("1-1"));
  });
});
