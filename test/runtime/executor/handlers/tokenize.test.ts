import { describe, expect, it } from "vitest";
import { templateTexts } from "../../../../runtime/executor/handlers/tokenize.js";
import { trainCharTokenizer } from "../../../../runtime/tokenizer/char-tokenizer.js";

describe("train-tokenizer: prompt templates", () => {
  it("gives the fixed text of an Alpaca template, placeholders removed", () => {
    const [withInput, withoutInput] = templateTexts("alpaca_zh");
    expect(withoutInput).toBe("### 指令:\n\n\n### 回答:\n");
    expect(withInput).toContain("### 输入:");
    expect(withInput).not.toMatch(/\{\w+\}/);
  });

  it("reads a custom template; chat templates add nothing", () => {
    expect(templateTexts("Q: {instruction} {input}\nA: {output}")).toContain("Q:  \nA: ");
    expect(templateTexts("chat")).toEqual([]);
  });

  it("a char tokenizer without byte fallback knows the template's characters", async () => {
    const corpus = ["3加4等于7。", ...templateTexts("alpaca_zh")];
    const { tokenizer } = await trainCharTokenizer(corpus, {
      byteFallback: false,
      specialTokens: ["<pad>", "<s>", "</s>"],
      roles: { pad: "<pad>", bos: "<s>", eos: "</s>" },
    });
    const vocab = (tokenizer as { model: { vocab: Record<string, number> } }).model.vocab;
    for (const ch of ["指", "令", "回", "答", "#", "加"]) expect(vocab[ch], ch).toBeDefined();
    expect(Object.keys(vocab).some((t) => /^<0x[0-9A-F]{2}>$/.test(t))).toBe(false);
  });
});
