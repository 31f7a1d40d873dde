import { describe, expect, it } from "vitest";
import { detectLanguage, scriptCounts } from "../../../../runtime/data/clean/language.js";

describe("language by script ratio", () => {
  it("counts letters by script, ignoring digits, punctuation and spaces", () => {
    expect(scriptCounts("用Python写2个函数！")).toEqual({
      han: 5,
      latin: 6,
      kana: 0,
      hangul: 0,
      other: 0,
    });
  });

  it("tells Chinese, English, Japanese and Korean apart", () => {
    expect(detectLanguage("机器学习是人工智能的一个分支").language).toBe("zh");
    expect(detectLanguage("Machine learning is a branch of AI").language).toBe("en");
    expect(detectLanguage("これは日本語の文章です").language).toBe("ja");
    expect(detectLanguage("이것은 한국어 문장입니다").language).toBe("ko");
    expect(detectLanguage("12345 !!!").language).toBe("unknown");
    expect(detectLanguage("Привет мир").language).toBe("other");
  });

  it("uses the ratio threshold on mixed text", () => {
    const mixed = "请用Python实现快速排序"; // 8 Han, 6 Latin
    expect(detectLanguage(mixed).language).toBe("zh");
    expect(detectLanguage(mixed).ratio).toBeCloseTo(8 / 14);
    expect(detectLanguage(mixed, 0.7).language).toBe("other");
  });
});
