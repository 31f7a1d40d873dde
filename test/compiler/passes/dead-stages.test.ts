/** Dead-stage elimination: what reaches no output does not run, and the IR says so. */
import { describe, expect, it } from "vitest";
import { DEAD_STAGE_REASON } from "../../../compiler/passes/dead-stages.js";
import { TINY_LLAMA, alpacaRows, compileText, ids, tempProject } from "../ir/compile-text.js";

const DATA = { "data.jsonl": alpacaRows(60) };

describe("dead-stage elimination", () => {
  it("drops a training stage whose result reaches no output, and the data only it reads", async () => {
    const ir = await compileText(
      `pipeline "t" { seed: 1, lint { unused-stage: off } }
       dataset d = alpaca("data.jsonl") { split { train: 90%, val: 10% } }
       dataset other = alpaca("data.jsonl")
       model base = llama("${TINY_LLAMA}")
       adapter a = lora(base) { rank: 4, targets: [q_proj, v_proj] }
       train run = sft(a, d.train) { max_steps: 5 }
       train wasted = sft(base, other) { max_steps: 5 }
       evaluate ev = eval(run, d.val) { metrics: [perplexity] }`,
      { cwd: tempProject(DATA) },
    );
    expect(ids(ir)).not.toContain("wasted/train");
    expect(ids(ir)).not.toContain("other/load-dataset");
    expect(ids(ir)).toContain("run/train");
    expect(ir.metadata.eliminated).toEqual([
      {
        stage: "other",
        nodes: ["other/load-dataset", "other/tokenize@base"],
        whole: true,
        reason: DEAD_STAGE_REASON,
      },
      { stage: "wasted", nodes: ["wasted/train"], whole: true, reason: DEAD_STAGE_REASON },
    ]);
    // Nothing left refers to a removed node.
    const present = new Set(ids(ir));
    for (const e of ir.edges) expect(present.has(e.from) && present.has(e.to)).toBe(true);
  });

  it("keeps the live part of a stage and reports the removed part", async () => {
    const ir = await compileText(
      `pipeline "t" { lint { unused-stage: off } }
       dataset d = alpaca("data.jsonl") { split { train: 90%, val: 10% } }
       model base = llama("${TINY_LLAMA}")
       train run = sft(base, d.train) { max_steps: 5 }
       train wasted = sft(base, d.val) { max_steps: 5 }
       export run to "out/m"`,
      { cwd: tempProject(DATA) },
    );
    const d = ir.metadata.eliminated.find((e) => e.stage === "d");
    expect(d).toEqual({
      stage: "d",
      nodes: ["d.val/tokenize@base"],
      whole: false,
      reason: DEAD_STAGE_REASON,
    });
    expect(ids(ir)).toContain("d.train/tokenize@base");
  });

  it("evaluations, inspections, generations, detections and exports are outputs", async () => {
    const ir = await compileText(
      `dataset d = alpaca("data.jsonl")
       model base = llama("${TINY_LLAMA}")
       generate g = generate(base) { prompts: ["hi"] }`,
      { cwd: tempProject(DATA) },
    );
    // The dataset feeds nothing that reaches an output.
    expect(ids(ir)).toEqual(["base/load-model", "g/generate"]);
    expect(ir.metadata.eliminated.map((e) => e.stage)).toEqual(["d"]);
  });
});
