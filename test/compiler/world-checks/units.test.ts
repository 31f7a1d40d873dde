/**
 * The pieces of the real-world phase on their own: token counting and the truncation
 * statistics, path display, lineage between stages, module names from safetensors headers.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DataRecord } from "../../../runtime/data/format/record.js";
import {
  displayPath,
  tidyPaths,
  type WorldContext,
} from "../../../compiler/world-checks/context.js";
import {
  baseModelOf,
  consumersOf,
  sequenceLength,
  trainingTarget,
} from "../../../compiler/world-checks/lineage.js";
import { modulesFromHeaders } from "../../../compiler/world-checks/models.js";
import {
  measureLengths,
  roughTokenCount,
  type Counter,
} from "../../../compiler/world-checks/token-lengths.js";
import { isJinja, placeholders } from "../../../compiler/world-checks/templates.js";
import { linearModules } from "../../../compiler/world/llama-config.js";
import { inspectModelDir } from "../../../compiler/world/model-dir.js";
import { checkWith, MODELS } from "./support.js";

const source = { path: "d.jsonl", line: 1, origin: "file" as const };
const instruction = (instruction: string, output: string): DataRecord => ({
  kind: "instruction",
  instruction,
  input: "",
  output,
  source,
});

describe("token counting", () => {
  it("rough: ~4 ASCII characters per token, one per other character", () => {
    expect(roughTokenCount("")).toBe(0);
    expect(roughTokenCount("abcd")).toBe(1);
    expect(roughTokenCount("abcde")).toBe(2);
    expect(roughTokenCount("你好世界")).toBe(4);
    expect(roughTokenCount("hi 你好")).toBe(1 + 2);
  });

  it("counts prompt, answer, BOS and EOS, and finds truncated rows and lost answers", async () => {
    const chars: Counter = { count: (t) => t.length, addBos: true, describe: "characters" };
    const records = [
      instruction("ab", "cdef"), // "ab\n\n" 4 + "cdef" 4 + BOS + EOS = 10
      instruction("a".repeat(20), "b"), // BOS + prompt 22 = 23 ≥ 16: answer lost; total 25
      instruction("x", "y".repeat(12)), // 3 + 12 + 2 = 17
    ];
    const s = await measureLengths(records, 16, "none", chars);
    expect(s).toMatchObject({ rows: 3, truncated: 2, answerLost: 1, p50: 17, max: 25 });
  });

  it("renders with the template (Alpaca: the prompt header counts)", async () => {
    const chars: Counter = { count: (t) => t.length, addBos: false, describe: "characters" };
    const [plain, zh] = await Promise.all([
      measureLengths([instruction("q", "a")], 512, "none", chars),
      measureLengths([instruction("q", "a")], 512, "alpaca_zh", chars),
    ]);
    expect(zh.max).toBeGreaterThan(plain.max + 10);
    const custom = await measureLengths(
      [instruction("q", "a")],
      512,
      "Q: {instruction}\nA: {output}",
      chars,
    );
    expect(custom.max).toBe("Q: q\nA: ".length + 1 + 1);
  });

  it("tells {field} templates from Jinja", () => {
    expect(placeholders("Q: {instruction} {input} {instruction}")).toEqual([
      "instruction",
      "input",
    ]);
    expect(isJinja("{% for m in messages %}{{ m.content }}{% endfor %}")).toBe(true);
    expect(isJinja("Q: {instruction}")).toBe(false);
  });
});

describe("paths in messages", () => {
  const ctx = { baseDir: "/work/project/pipes" } as WorldContext;
  it("are relative to the base folder unless far outside it", () => {
    expect(displayPath(ctx, "/work/project/pipes/data/a.jsonl")).toBe("data/a.jsonl");
    expect(displayPath(ctx, "/work/project/models/x")).toBe("../models/x");
    expect(displayPath(ctx, "/work/project/pipes")).toBe(".");
    expect(displayPath(ctx, "/a/b/c/d/e")).toBe("/a/b/c/d/e");
    expect(
      tidyPaths(
        ctx,
        "/work/project/models/x/config.json: not valid JSON (`/work/project/pipes/y`).",
      ),
    ).toBe("../models/x/config.json: not valid JSON (`y`).");
  });
});

describe("lineage", () => {
  it("follows adapters, pre-training and distillation to the model", async () => {
    const { pipeline } = await checkWith(
      [
        'pipeline "x" { seed: 1 }',
        'dataset corpus = text("c.txt") { max_length: 64 }',
        'dataset sft = alpaca("a.jsonl") { max_length: 96 }',
        "model base = llama { tokenizer: bpe { vocab_size: 300, train_on: corpus }, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4 }",
        "train pre = pretrain(base, corpus) { max_steps: 1, seq_len: 48 }",
        "adapter a = lora(pre) { rank: 4 }",
        "train run = sft(a, sft) { max_steps: 1 }",
        "train more = sft(run, sft) { max_steps: 1 }",
        "distill kd = distill(teacher: run, student: base, data: sft) { max_steps: 1 }",
      ].join("\n"),
      { "c.txt": "x\n", "a.jsonl": '{"instruction": "a", "output": "b"}\n' },
    );
    const stage = (n: string) => pipeline.stages.get(n)!;
    expect(baseModelOf(pipeline, "run")?.name).toBe("base");
    expect(baseModelOf(pipeline, "kd")?.name).toBe("base");
    expect(trainingTarget(pipeline, stage("pre"))).toMatchObject({ base: { name: "base" } });
    expect(trainingTarget(pipeline, stage("pre"))?.adapter).toBeUndefined();
    expect(trainingTarget(pipeline, stage("run"))?.adapter?.name).toBe("a");
    expect(trainingTarget(pipeline, stage("more"))?.adapter?.name).toBe("a");
    expect(sequenceLength(pipeline, stage("pre"))).toBe(48);
    expect(sequenceLength(pipeline, stage("run"))).toBe(96);
    expect(consumersOf(pipeline, "sft").map((s) => s.name)).toEqual(["run", "more", "kd"]);
  });
});

describe("module names from safetensors headers", () => {
  it("match the architecture's modules for tiny-llama, in model order", () => {
    const r = inspectModelDir(join(MODELS, "tiny-llama"));
    const fromHeaders = modulesFromHeaders(r.weights.tensors, false);
    expect(fromHeaders.map((m) => [m.name, m.outFeatures, m.inFeatures, m.layer, m.group])).toEqual(
      linearModules(r.arch!).map((m) => [m.name, m.outFeatures, m.inFeatures, m.layer, m.group]),
    );
  });

  it("leave out a tied lm_head", () => {
    const r = inspectModelDir(join(MODELS, "tiny-llama-student"));
    expect(r.arch!.tieWordEmbeddings).toBe(true);
    expect(modulesFromHeaders(r.weights.tensors, true).some((m) => m.module === "lm_head")).toBe(
      false,
    );
  });
});
