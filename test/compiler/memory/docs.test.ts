import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DOC_BLOCKS,
  docBlock,
  seedComparisonRows,
  seedEstimate,
} from "../../../scripts/memory-seed-table.js";

const DOC = fs.readFileSync(path.resolve(import.meta.dirname, "../../../docs/memory.md"), "utf8");

describe("docs/memory.md", () => {
  it("holds the generated tables exactly (run `npx tsx scripts/memory-seed-table.ts --write`)", () => {
    for (const [name, render] of Object.entries(DOC_BLOCKS)) {
      expect(docBlock(DOC, name), name).toBe(render());
    }
  });

  it("states the acceptance figures", () => {
    expect(DOC).toContain("**6,738,415,616**");
    expect(DOC).toContain("**4,194,304**");
  });
});

describe("the seed's estimate_memory, transcribed", () => {
  it("prints what the seed's examples print", () => {
    // 7B full fp16 b=1: 14 + 56 + 14 + 1.119 GB; hidden_dim = int(sqrt(7e9/12/32)) = 4269
    const full = seedEstimate(7, "fp16", 1, 2048, false);
    expect(full.model).toBe(14);
    expect(full.optimizer).toBe(56);
    expect(full.gradient).toBe(14);
    expect(full.activation).toBeCloseTo((2048 * 4269 * 32 * 4) / 1e9, 12);
    const qlora = seedEstimate(7, "int4", 4, 2048, true);
    expect(qlora.model).toBe(3.5);
    expect(qlora.gradient).toBeCloseTo(0.0175, 12);
  });

  it("covers 4 sizes × 4 methods, with our parameter counts", () => {
    const rows = seedComparisonRows();
    expect(rows).toHaveLength(16);
    expect(rows.filter((r) => r.model === "7B").every((r) => r.params === 6_738_415_616)).toBe(
      true,
    );
    expect(rows.find((r) => r.model === "7B" && r.method.startsWith("LoRA"))!.trainable).toBe(
      4_194_304,
    );
  });
});
