/**
 * Constructs the examples do not use (VOC data, IA3 / prompt / prefix / bottleneck adapters,
 * a char tokenizer, pre-training, judges, prompts from a dataset, data exports) lower to IR
 * that both sides accept; with the examples, every IR operation is exercised.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IR_OPS } from "../../../compiler/ir/schema.js";
import { loadIr } from "../../../runtime/ir/load-ir.js";
import { exampleFiles } from "../../support/examples.js";
import { compileText, node, wiring } from "./compile-text.js";

const DIR = join(import.meta.dirname, "fixtures/constructs");
const TEXT = readFileSync(join(DIR, "constructs.pipe"), "utf8");

describe("constructs.pipe", () => {
  it("compiles to IR the runtime accepts", async () => {
    const ir = await compileText(TEXT, { cwd: DIR, file: "constructs.pipe" });
    expect(loadIr(JSON.parse(JSON.stringify(ir))).nodes).toHaveLength(ir.nodes.length);
    expect(node(ir, "legacy/load-dataset").settings).toEqual({
      format: "voc",
      path: "voc",
      classes: ["scratch", "crack"],
      convert_to: { kind: "yolo", out: "voc-yolo", val: 0.2 },
      include_difficult: false,
    });
    // A char tokenizer learning from two datasets also learns the Alpaca template's characters.
    expect(node(ir, "tiny/train-tokenizer").settings).toEqual({
      kind: "char",
      byte_fallback: false,
      templates: ["alpaca_zh"],
    });
    expect(wiring(node(ir, "tiny/train-tokenizer"))).toEqual([
      "data[0] <- corpus/load-dataset",
      "data[1] <- d/clean",
    ]);
    expect(node(ir, "corpus/tokenize@tiny").settings).toMatchObject({
      max_length: 32,
      packing: true,
      train_on: "all",
    });
    expect(wiring(node(ir, "d/clean"))).toEqual([
      "data <- d/load-dataset",
      "quality.judge <- base/load-model",
      "synthesize.teacher <- base/load-model",
    ]);
    expect(node(ir, "d/clean").settings).toMatchObject({
      quality: { judge: { $input: "quality.judge" } },
      synthesize: { teacher: { $input: "synthesize.teacher" }, count: 5 },
    });
    expect(node(ir, "d/split").settings).toMatchObject({ by: "instruction" });
    expect(node(ir, "g/generate").settings).toMatchObject({ prompts: { $input: "prompts" } });
    expect(node(ir, "d/export").settings).toMatchObject({ what: "data", format: "jsonl" });
    expect(node(ir, "pre/export").settings).toMatchObject({ format: "hf", dtype: "f16" });
    expect(
      ir.nodes
        .filter((n) => n.op === "attach-adapter")
        .map((n) => (n.settings as { method: string }).method),
    ).toEqual(["ia3", "prompt_tuning", "prefix_tuning", "bottleneck"]);
  });

  it("together with the examples, uses every IR operation", async () => {
    const ops = new Set<string>();
    for (const ex of exampleFiles()) {
      for (const n of (await compileText(ex.text, { file: ex.path })).nodes) ops.add(n.op);
    }
    for (const n of (await compileText(TEXT, { cwd: DIR })).nodes) ops.add(n.op);
    expect([...IR_OPS].filter((op) => !ops.has(op))).toEqual([]);
  });
});
