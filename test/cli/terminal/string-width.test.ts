import { describe, expect, it } from "vitest";
import stringWidth from "../../../cli/terminal/string-width.js";

describe("stringWidth (the bundled CLI's stand-in for string-width)", () => {
  it("counts ASCII by length and ignores ANSI colours", () => {
    expect(stringWidth("")).toBe(0);
    expect(stringWidth("pipe check <files..>")).toBe(20);
    expect(stringWidth("\u001b[31mred\u001b[39m")).toBe(3);
  });
  it("counts CJK and full-width characters as two columns", () => {
    expect(stringWidth("指令")).toBe(4);
    expect(stringWidth("ＡＢ")).toBe(4);
    expect(stringWidth("a指b")).toBe(4);
  });
  it("gives combining marks, zero-width characters and controls no width", () => {
    expect(stringWidth("e\u0301")).toBe(1);
    expect(stringWidth("a\u200bb")).toBe(2);
    expect(stringWidth("a\u0007b")).toBe(2);
  });
  it("counts an emoji, and a joined emoji sequence, as two columns", () => {
    expect(stringWidth("✅")).toBe(2);
    expect(stringWidth("👩\u200d💻")).toBe(2);
  });
  it("treats ambiguous-width characters as narrow unless asked", () => {
    expect(stringWidth("±")).toBe(1);
    expect(stringWidth("±", { ambiguousIsNarrow: false })).toBe(2);
  });
});
