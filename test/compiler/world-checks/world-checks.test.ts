/**
 * The real-world phase end to end: the examples stay clean, reads stay bounded, bad rows are
 * named by line in every source format, and models, adapters and distillation are checked
 * against the fixture directories.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import { EXAMPLES_DIR, exampleFiles } from "../../support/examples.js";
import { checkWith, codes, DATA, MODELS, q } from "./support.js";

const ROOT = join(import.meta.dirname, "../../..");

describe("the examples", () => {
  it.each(exampleFiles().map((e) => [e.name, e] as const))(
    "%s checks clean",
    async (_, example) => {
      const r = await checkSource(example.text, example.path, { cwd: EXAMPLES_DIR });
      const problems = r.diagnostics.filter(
        (d) => d.severity === "error" || d.severity === "warning",
      );
      expect(problems.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      // Their data is generated at run time: said as info, never an error.
      expect(r.diagnostics.every((d) => d.code === "PW3102")).toBe(true);
      for (const m of r.world!.memory) expect(m.unavailable, m.stage.name).toBeUndefined();
    },
  );

  it("knows the defect classes before the data is generated", async () => {
    const e = exampleFiles().find((x) => x.name === "defect-inspection.pipe")!;
    const r = await checkSource(e.text, e.path, { cwd: EXAMPLES_DIR });
    expect(r.world!.detection.get("parts")?.classes).toEqual(["scratch", "crack", "stain", "dent"]);
    expect(r.world!.memory.map((m) => m.stage.name)).toEqual(["detector"]);
  });

  it("reads the tiny-llama directory of the chat example from its headers", async () => {
    const e = exampleFiles().find((x) => x.name === "sharegpt-chat-lora.pipe")!;
    const r = await checkSource(e.text, e.path, { cwd: EXAMPLES_DIR });
    const base = r.world!.models.get("base")!;
    expect(base.modulesFrom).toBe("headers");
    expect(base.arch?.vocabSize).toBe(272);
    const run = r.world!.memory.find((m) => m.stage.name === "run")!;
    expect(run.training).toMatchObject({
      optimizer: "adamw-8bit",
      compute: "fp16",
      batch: 4,
      seqLen: 256,
    });
    // q_proj 32×32 and v_proj 16×32 in each of 2 layers: r·(d + k) each.
    expect(run.parameters?.trainable).toBe(2 * (8 * (32 + 32) + 8 * (16 + 32)));
  });
});

describe("bounded reads", () => {
  it("reads only the first sample_rows rows of a large file", async () => {
    const good = JSON.stringify({ instruction: "a", output: "b" });
    const bad = JSON.stringify({ instruction: "no output" });
    const text = `${good}\n`.repeat(200) + `${bad}\n`.repeat(100_000);
    const pipe = `pipeline "x" { seed: 1 }\ndataset d = alpaca("big.jsonl")\n`;
    const r = await checkWith(pipe, { "big.jsonl": text });
    expect(codes(r)).toEqual([]);
    const sample = r.world!.datasets.get("d")!.sample!;
    expect(sample).toMatchObject({ checked: 200, truncated: true });
    const more = await checkWith(
      pipe.replace('("big.jsonl")', '("big.jsonl") { sample_rows: 203 }'),
      {
        "big.jsonl": text,
      },
    );
    expect(codes(more)).toEqual(["PW3105", "PW3105", "PW3105"]);
    expect(more.diagnostics[0].message).toBe("big.jsonl:201: alpaca row: missing field `output`");
  });
});

describe("bad rows in every source format", () => {
  it("CSV: a short record, by line and row", async () => {
    const csv = 'instruction,input,output\nhello,,world\n"multi\nline",,ok\nonly one field\n';
    const r = await checkWith(`pipeline "x" { seed: 1 }\ndataset d = alpaca("a.csv")\n`, {
      "a.csv": csv,
    });
    // Line 5 is the third record (the second spans lines 3-4).
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "a.csv:5 (row 3): record has 1 field, the header has 3",
    ]);
    expect(codes(r)).toEqual(["PW3104"]);
  });

  it("JSON arrays: a bad element names the line it starts on", async () => {
    const json =
      '[\n  {"instruction": "a", "output": "b"},\n  {"instruction": 3, "output": "c"}\n]\n';
    const r = await checkWith(`pipeline "x" { seed: 1 }\ndataset d = alpaca("a.json")\n`, {
      "a.json": json,
    });
    expect(codes(r)).toEqual(["PW3105"]);
    expect(r.diagnostics[0].message).toBe(
      "a.json:3 (row 2): alpaca row: `instruction` must be string, got number 3",
    );
  });

  it("ShareGPT: an unknown role", async () => {
    const row = {
      conversations: [
        { from: "bot", value: "hi" },
        { from: "gpt", value: "x" },
      ],
    };
    const r = await checkWith(`pipeline "x" { seed: 1 }\ndataset d = sharegpt("c.jsonl")\n`, {
      "c.jsonl": JSON.stringify(row) + "\n",
    });
    expect(codes(r)).toEqual(["PW3105"]);
    expect(r.diagnostics[0].message).toContain("`conversations[0].from` must be one of");
  });

  it("checks an existing file even when a generator could create it", async () => {
    const r = await checkWith(
      `pipeline "x" { seed: 1 }\ndataset d = alpaca("a.jsonl") { generate: noisy_instructions { rows: 10 } }\n`,
      { "a.jsonl": '{"instruction": "x"}\n' },
    );
    expect(codes(r)).toEqual(["PW3105"]);
  });

  it("a path that cannot name a file is an error, not a crash", async () => {
    const r = await checkWith(
      'pipeline "x" { seed: 1 }\ndataset d = alpaca("a\\0b")\nmodel m = llama("m\\0")\n',
    );
    expect(codes(r)).toEqual(["PW3101", "PW3001"]);
  });
});

describe("models, adapters and distillation", () => {
  it("a sharded directory checks clean; a missing shard is an error at the path", async () => {
    const ok = await checkWith(
      `pipeline "x" { seed: 1 }\nmodel m = llama(${q(join(MODELS, "tiny-llama-sharded"))})\n`,
    );
    expect(codes(ok)).toEqual([]);
    expect(ok.world!.models.get("m")!.modulesFrom).toBe("headers");
    const bad = await checkWith(
      `pipeline "x" { seed: 1 }\nmodel m = llama(${q(join(MODELS, "tiny-llama-missing-shard"))})\n`,
    );
    expect(codes(bad)).toContain("PW3015");
  });

  it("targets of an adapter on a pre-trained inline model are checked against its settings", async () => {
    const r = await checkWith(
      [
        'pipeline "x" { seed: 1 }',
        'dataset corpus = text("c.txt")',
        "model base = llama { tokenizer: bpe { vocab_size: 300, train_on: corpus }, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4 }",
        "train pre = pretrain(base, corpus) { max_steps: 1 }",
        "adapter a = lora(pre) { rank: 4, targets: [qkv_proj] }",
        "adapter b = ia3(pre) { targets: [k_proj, v_proj, down_proj] }",
      ].join("\n"),
      { "c.txt": "hello\n" },
    );
    expect(codes(r)).toEqual(["PW3020"]);
    expect(r.diagnostics[0].hint).toContain("did you mean `q_proj, k_proj, v_proj`?");
  });

  it("an inline student that shares the teacher's tokenizer may distil from it", async () => {
    const inline = (name: string, tok: string) =>
      `model ${name} = llama { tokenizer: ${tok}, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2 }`;
    const text = (studentTok: string) =>
      [
        'pipeline "x" { seed: 1 }',
        `dataset qa = alpaca(${q(join(DATA, "alpaca-good.jsonl"))})`,
        `model teacher = llama(${q(join(MODELS, "tiny-llama"))})`,
        inline("student", studentTok),
        "distill kd = distill(teacher: teacher, student: student, data: qa) { max_steps: 1 }",
      ].join("\n");
    const ok = await checkWith(text("teacher"));
    expect(codes(ok)).toEqual([]);
    expect(ok.world!.models.get("student")!.arch?.vocabSize).toBe(272);
    const kd = ok.world!.memory.find((m) => m.stage.name === "kd")!;
    expect(kd.rows.map((r) => r.component)).toContain("teacher weights (frozen)");
    const bad = await checkWith(text("bpe { vocab_size: 272, train_on: qa }"));
    expect(codes(bad)).toEqual(["PW3034"]);
  });

  it("a directory student with the same tokenizer as the teacher is compatible", async () => {
    const r = await checkWith(
      [
        'pipeline "x" { seed: 1 }',
        `dataset qa = alpaca(${q(join(DATA, "alpaca-good.jsonl"))})`,
        `model teacher = llama(${q(join(MODELS, "tiny-llama"))})`,
        `model student = llama(${q(join(MODELS, "tiny-llama-student"))})`,
        "distill kd = distill(teacher: teacher, student: student, data: qa) { max_steps: 1 }",
      ].join("\n"),
    );
    expect(codes(r)).toEqual([]);
  });

  it("passes a real adapter's limits through to the buffer check", async () => {
    const text = readFileSync(
      join(DATA, "../diagnostics/world/PW4003-buffer-over-default-limit.pipe"),
      "utf8",
    );
    const cwd = join(DATA, "../diagnostics/world");
    const big = { maxBufferSize: 2 ** 34, maxStorageBufferBindingSize: 2 ** 33 };
    const r = await checkSource(text, "x.pipe", {
      cwd,
      lints: false,
      deviceLimits: big,
      adapterName: "big",
    });
    expect(codes(r)).toEqual(["PW3008"]);
    expect(r.world!.limits).toMatchObject({ fromAdapter: true, limits: big });
  });

  it("can be turned off", async () => {
    const r = await checkWith(
      'pipeline "x" { seed: 1 }\ndataset d = alpaca("missing.jsonl")\n',
      {},
      { world: false },
    );
    expect(codes(r)).toEqual([]);
    expect(r.world).toBeUndefined();
  });
});
