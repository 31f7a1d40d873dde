/** `pipe explain`: every setting with provenance, human units, order, what does not run. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explainPipeline } from "../../../compiler/explain/explain.js";
import { formatDuration, formatValue } from "../../../compiler/explain/format-value.js";
import { expectMatchesFile } from "../../support/expect-file.js";
import { exampleFiles } from "../../support/examples.js";
import { TINY_LLAMA, alpacaRows, compileTextWithResult, tempProject } from "../ir/compile-text.js";

const BASELINES = join(import.meta.dirname, "baselines");

async function explain(text: string, options: { file?: string; cwd?: string } = {}) {
  const { ir, result } = await compileTextWithResult(text, options);
  return explainPipeline(result.pipeline, ir);
}

describe.each(exampleFiles())("$name", ({ name, text }) => {
  it("matches its baseline", async () => {
    const out = await explain(text, { file: `examples/${name}` });
    expectMatchesFile(out, join(BASELINES, name.replace(/\.pipe$/, ".txt")));
  });
});

describe("explain", () => {
  const dir = tempProject({ "data.jsonl": alpacaRows(40) });
  const text = `pipeline "e" {
      seed: 5
      memory_budget: 8GB
      time_limit: 2h
      lint { unused-stage: off }
    }
    dataset d = alpaca("data.jsonl") { split { train: 90%, val: 10% } }
    model base = llama("${TINY_LLAMA}") { max_position_embeddings: 256 }
    adapter a = lora(base) { rank: 4, targets: [q_proj, v_proj] }
    train run = sft(a, d.train) {
      max_steps: 5
      schedule: cosine { warmup_ratio: 5% }
    }
    train idle = sft(base, d.val) { max_steps: 5 }
    export run to "out/a"`;

  it("shows each setting's provenance and humanised units", async () => {
    const out = await explain(text, { cwd: dir });
    expect(out).toMatch(/memory_budget +7\.45 GiB \(8,000,000,000 B\) +set in file/);
    expect(out).toMatch(/time_limit +2 h +set in file/);
    expect(out).toMatch(/device +auto +default/);
    expect(out).toMatch(/warmup_ratio +5% +set in file/);
    expect(out).toMatch(/ {4}lr +2e-4 +default/);
    expect(out).toMatch(/seed +5 +default \(the pipeline seed\)/);
    expect(out).toMatch(/train +90% +set in file/);
  });

  it("shows a loaded model's architecture as coming from config.json", async () => {
    const out = await explain(text, { cwd: dir });
    expect(out).toMatch(/max_position_embeddings +256 +set in file/);
    expect(out).toMatch(/rope_theta +from config\.json +model directory/);
    expect(out).not.toMatch(/init_std/);
  });

  it("gives the order of execution and the stages that will not run", async () => {
    const out = await explain(text, { cwd: dir });
    expect(out).toContain("train run = sft(model: a, data: d.train)\n  runs as: run/train\n");
    expect(out).toMatch(/order of execution \(\d+ steps\)\n {2,3}1\. d\/load-dataset/);
    expect(out).toContain(
      "train idle = sft(model: base, data: d.val)\n  does not run — its result reaches no export",
    );
    expect(out).toMatch(/not run\n {2}d \(d\.val\/tokenize@base\): its result/);
    expect(out).toMatch(/format +peft +default \(from what is exported\)/);
  });

  it("formats values by their spec", () => {
    expect(formatDuration(90)).toBe("90 s");
    expect(formatDuration(300)).toBe("5 min");
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatValue(512 * 2 ** 20, { kind: "number", unit: "memory" })).toBe(
      "512.00 MiB (536,870,912 B)",
    );
    expect(formatValue(0.1, { kind: "fraction" })).toBe("10%");
    expect(formatValue({ $ref: "sft.val", type: "data" }, { kind: "ref", accepts: ["data"] })).toBe(
      "sft.val",
    );
    expect(formatValue({ range: [5, 500] }, { kind: "range", item: { kind: "number" } })).toBe(
      "5..500",
    );
    expect(formatValue("line one\nline two", { kind: "string" })).toBe('"line one" … (2 lines)');
  });
});
