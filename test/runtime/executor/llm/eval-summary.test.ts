/**
 * The run's evaluation summary from IR + node results (no model runs): rows in pipeline order,
 * model descriptions from the graph, Δ against the first model on the same data, fine-tunes of
 * one base compared, the table text.
 */
import { describe, expect, it } from "vitest";
import {
  evaluationSummary,
  formatEvalSummary,
} from "../../../../runtime/executor/llm/eval-summary.js";
import { compileIn, copyFixtures, tempDir } from "../support/run-fixture.js";

async function fixtureIr() {
  const dir = tempDir("eval-summary");
  copyFixtures(dir, "tiny-llm-compare.pipe");
  return compileIn(dir, "tiny-llm-compare.pipe");
}

describe("evaluation summary", () => {
  it("lines up before / after with deltas and the QLoRA − LoRA difference", async () => {
    const ir = await fixtureIr();
    const node = (id: string) => ir.nodes.find((n) => n.id === id)!;
    const s = evaluationSummary(ir, [
      { node: node("pre/train"), data: { steps: 3 } },
      { node: node("before/evaluate"), data: { pre: { perplexity: 300, exact_match: 0 } } },
      {
        node: node("after/evaluate"),
        data: {
          lora_sft: { perplexity: 1.5, exact_match: 0.9 },
          qlora_sft: { perplexity: 1.6, exact_match: 0.875 },
        },
      },
    ])!;
    expect(s.rows.map((r) => [r.model, r.description])).toEqual([
      ["pre", "pre-trained"],
      ["lora_sft", "sft · LoRA r4 of pre"],
      ["qlora_sft", "sft · QLoRA r4 (NF4, double quant) of pre"],
    ]);
    // Metrics in the order the stage lists them.
    expect(Object.keys(s.rows[1].metrics)).toEqual(["exact_match", "perplexity"]);
    expect(s.rows[1].baseline).toEqual({
      model: "pre",
      delta: { exact_match: 0.9, perplexity: 1.5 - 300 },
    });
    expect(s.comparisons).toHaveLength(1);
    expect(s.comparisons[0].model).toBe("qlora_sft");
    expect(s.comparisons[0].delta.exact_match).toBeCloseTo(-0.025, 12);
    const text = formatEvalSummary(s);
    expect(text.split("\n")[0]).toBe("on sft.val:");
    expect(text).toContain("qlora_sft − lora_sft (same base, same data): exact_match −0.0250");
    expect(text).toMatch(
      /lora_sft\s+sft · LoRA r4 of pre\s+0\.9000\s+\+0\.9000\s+1\.5000\s+−298\.5/,
    );
  });

  it("is null without language-model evaluations; a single row has no Δ columns", async () => {
    const ir = await fixtureIr();
    const node = (id: string) => ir.nodes.find((n) => n.id === id)!;
    expect(evaluationSummary(ir, [{ node: node("pre/train"), data: { steps: 3 } }])).toBeNull();
    const one = evaluationSummary(ir, [
      { node: node("before/evaluate"), data: { pre: { exact_match: 0.25, perplexity: 9 } } },
    ])!;
    expect(one.rows).toHaveLength(1);
    expect(one.comparisons).toEqual([]);
    expect(formatEvalSummary(one)).not.toContain("Δ");
  });
});
