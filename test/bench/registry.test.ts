import { describe, expect, it } from "vitest";
import { SECTIONS } from "../../bench/run.js";
import { markdownTable } from "../../bench/section.js";

describe("bench registry", () => {
  it("registers the matmul, LoRA, NF4, NMS and decoder-step sections", () => {
    const titles = SECTIONS.map((s) => s.title.toLowerCase());
    for (const w of ["matmul", "lora", "nf4", "nms", "decoder"])
      expect(titles.some((t) => t.includes(w))).toBe(true);
  });

  it("formats markdown tables", () => {
    expect(markdownTable(["a", "b"], [[1, "x"]])).toBe("| a | b |\n| --- | --- |\n| 1 | x |");
  });
});
