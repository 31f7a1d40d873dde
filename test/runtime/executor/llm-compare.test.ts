/**
 * Before / after evaluation through the executor (fixtures/tiny-llm-compare.pipe, CPU backend,
 * tiny sizes): the pre-trained base is evaluated, LoRA and QLoRA adapters are fine-tuned from it
 * (QLoRA with gradient checkpointing) and evaluated together, and the run ends with the
 * evaluation summary — printed as a report and written to `<output>/eval.json`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunSummary } from "../../../runtime/executor/types.js";
import type { EvalSummary } from "../../../runtime/executor/llm/eval-summary.js";
import { copyFixtures, runIn, statusOf, tempDir } from "./support/run-fixture.js";

let dir: string;
let first: { summary: RunSummary; events: RunEvent[] };

beforeAll(async () => {
  dir = tempDir("llm-compare");
  copyFixtures(dir, "tiny-llm-compare.pipe");
  first = await runIn(dir, "tiny-llm-compare.pipe");
}, 240_000);

const reports = (events: RunEvent[]) =>
  events.filter((e): e is Extract<RunEvent, { type: "report" }> => e.type === "report");

describe("before / after evaluation of LoRA and QLoRA", () => {
  it("runs every stage, evaluating the base before fine-tuning", () => {
    expect(first.summary.error?.error.message).toBeUndefined();
    expect(first.summary.status).toBe("ok");
    const s = statusOf(first.summary);
    expect(s["before/evaluate"]).toBe("ran");
    expect(s["after/evaluate"]).toBe("ran");
    const ids = first.summary.nodes.map((n) => n.id);
    expect(ids.indexOf("before/evaluate")).toBeLessThan(ids.indexOf("lora_sft/train"));
    const before = first.summary.nodes.find((n) => n.id === "before/evaluate")!.data!;
    const after = first.summary.nodes.find((n) => n.id === "after/evaluate")!.data!;
    expect(Object.keys(before)).toEqual(["pre"]);
    expect(Object.keys(after)).toEqual(["lora_sft", "qlora_sft"]);
  });

  it("honours gradient_checkpointing without a warning", () => {
    const warnings = first.events.filter((e) => e.type === "warning").map((e) => e.message);
    expect(warnings.filter((m) => /checkpointing/.test(m))).toEqual([]);
  });

  it("writes the evaluation summary to eval.json with deltas and the QLoRA − LoRA difference", () => {
    const s = JSON.parse(readFileSync(join(dir, "out", "eval.json"), "utf8")) as EvalSummary;
    expect(s.pipeline).toBe("tiny-llm-compare");
    expect(s.rows.map((r) => [r.evaluation, r.model, r.data])).toEqual([
      ["before", "pre", "sft.val"],
      ["after", "lora_sft", "sft.val"],
      ["after", "qlora_sft", "sft.val"],
    ]);
    const [pre, lora, qlora] = s.rows;
    expect(pre.description).toBe("pre-trained");
    expect(lora.description).toBe("sft · LoRA r4 of pre");
    expect(qlora.description).toBe("sft · QLoRA r4 (NF4, double quant) of pre");
    expect(pre.baseline).toBeUndefined();
    for (const r of [lora, qlora]) {
      expect(r.baseline?.model).toBe("pre");
      expect(r.baseline!.delta.exact_match).toBeCloseTo(
        r.metrics.exact_match - pre.metrics.exact_match,
        10,
      );
      expect(r.baseline!.delta.perplexity).toBeCloseTo(
        r.metrics.perplexity - pre.metrics.perplexity,
        8,
      );
    }
    expect(s.comparisons).toEqual([
      {
        model: "qlora_sft",
        reference: "lora_sft",
        data: "sft.val",
        delta: {
          exact_match: qlora.metrics.exact_match - lora.metrics.exact_match,
          perplexity: qlora.metrics.perplexity - lora.metrics.perplexity,
        },
      },
    ]);
  });

  it("prints the summary as the run's last report", () => {
    const r = reports(first.events).at(-1)!;
    expect(r.title).toMatch(/^Evaluation summary/);
    expect(r.text).toMatch(/before\s+pre\s+pre-trained/);
    expect(r.text).toMatch(/qlora_sft − lora_sft \(same base, same data\): exact_match [+−]/);
  });

  it("prints the same summary from the cache on the next run", { timeout: 60_000 }, async () => {
    const again = await runIn(dir, "tiny-llm-compare.pipe");
    expect(new Set(Object.values(statusOf(again.summary))).has("ran")).toBe(false);
    expect(reports(again.events).at(-1)!.text).toBe(reports(first.events).at(-1)!.text);
  });

  it(
    "still prints the summary, with the failing stage's results, when an `after` gate fails",
    {
      timeout: 60_000,
    },
    async () => {
      const pipe = join(dir, "tiny-llm-compare.pipe");
      writeFileSync(
        pipe,
        readFileSync(pipe, "utf8").replace(
          "evaluate after = eval([lora_sft, qlora_sft], sft.val) {",
          "evaluate after = eval([lora_sft, qlora_sft], sft.val) {\n  require exact_match >= 1.01",
        ),
      );
      const failed = await runIn(dir, "tiny-llm-compare.pipe");
      expect(failed.summary.status).toBe("failed");
      expect(failed.summary.error?.error.code).toBe("PW8007");
      const s = JSON.parse(readFileSync(join(dir, "out", "eval.json"), "utf8")) as EvalSummary;
      expect(s.rows.map((r) => r.model)).toEqual(["pre", "lora_sft", "qlora_sft"]);
      expect(reports(failed.events).at(-1)!.text).toMatch(/qlora_sft − lora_sft/);
    },
  );
});
