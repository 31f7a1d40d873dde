/** Lowering: which nodes a stage becomes, how they are wired, and the settings they carry. */
import { describe, expect, it } from "vitest";
import {
  TINY_LLAMA,
  alpacaRows,
  compileText,
  ids,
  node,
  tempProject,
  wiring,
} from "./compile-text.js";

const DATA = { "data.jsonl": alpacaRows(60) };

describe("dataset stages", () => {
  it("lower to load-dataset → clean → split, with splits as named outputs", async () => {
    const dir = tempProject(DATA);
    const ir = await compileText(
      `pipeline "t" { seed: 3 }
       dataset d = alpaca("data.jsonl") {
         clean {
           require output
           normalize: [whitespace]
           dedupe: instruction
           require output.length >= 2
         }
         split { train: 80%, val: 10%, test: 10% }
         write { format: jsonl }
       }`,
      { cwd: dir },
    );
    expect(ids(ir)).toEqual(["d/load-dataset", "d/clean", "d/split", "d/write"]);
    expect(wiring(node(ir, "d/clean"))).toEqual(["data <- d/load-dataset"]);
    expect(wiring(node(ir, "d/split"))).toEqual(["data <- d/clean"]);
    const clean = node(ir, "d/clean").settings as Record<string, unknown>;
    expect(clean.steps).toEqual(["require", "normalize", "dedupe", "require"]);
    expect(clean.require).toEqual([
      { op: "present", arg: { field: "output" } },
      { op: ">=", left: { field: "output", property: "length" }, right: 2 },
    ]);
    expect(clean.seed).toBe(3);
    expect(node(ir, "d/split").settings).toEqual({
      parts: [
        { name: "train", fraction: 0.8 },
        { name: "val", fraction: 0.1 },
        { name: "test", fraction: 0.1 },
      ],
      seed: 3,
    });
    expect(node(ir, "d/split").outputs).toEqual(["train", "val", "test"]);
    expect(node(ir, "d/write").settings).toMatchObject({
      what: "cleaned-splits",
      destination: "out",
      format: "jsonl",
      report: "clean-report.json",
    });
    expect(node(ir, "d/load-dataset").files).toEqual([
      expect.objectContaining({ path: "data.jsonl", size: Buffer.byteLength(DATA["data.jsonl"]) }),
    ]);
  });

  it("tells row counts from fractions as the checker does", async () => {
    const dir = tempProject(DATA);
    const ir = await compileText(
      `dataset d = alpaca("data.jsonl") { split { train: 50, val: 10 } write {} }`,
      { cwd: dir },
    );
    expect(node(ir, "d/split").settings).toMatchObject({
      parts: [
        { name: "train", rows: 50 },
        { name: "val", rows: 10 },
      ],
      seed: 0,
    });
  });

  it("generated data gets a generate-data node before loading", async () => {
    const ir = await compileText(
      `dataset d = alpaca("data/none/x.jsonl") {
         generate: arithmetic_zh { rows: 10, format: alpaca }
         write {}
       }`,
      { cwd: tempProject({}) },
    );
    expect(ids(ir)).toEqual(["d/generate-data", "d/load-dataset", "d/write"]);
    expect(node(ir, "d/generate-data").settings).toEqual({
      generator: "arithmetic_zh",
      path: "data/none/x.jsonl",
      rows: 10,
      seed: 0,
      format: "alpaca",
    });
    expect(node(ir, "d/load-dataset").files).toEqual([
      { path: "data/none/x.jsonl", missing: true },
    ]);
  });
});

describe("models and adapters", () => {
  const qlora = `pipeline "q" { seed: 9 }
    dataset d = alpaca("data.jsonl") { split { train: 90%, val: 10% } }
    model base = llama("${TINY_LLAMA}") { dtype: f32 }
    adapter q = lora(base) { rank: 4, alpha: 8, targets: [q_proj, v_proj], quantize_base: nf4 }
    train run = sft(q, d.train) { max_steps: 10, eval { data: d.val, every: 5 } }
    evaluate ev = eval(run, d.val) { metrics: [perplexity] }
    export run to "out/a"`;

  it("a QLoRA adapter lowers to load-model → quantize → attach-adapter", async () => {
    const ir = await compileText(qlora, { cwd: tempProject(DATA) });
    expect(wiring(node(ir, "q/quantize"))).toEqual(["model <- base/load-model"]);
    expect(wiring(node(ir, "q/attach-adapter"))).toEqual(["model <- q/quantize"]);
    expect(node(ir, "q/quantize").settings).toEqual({
      format: "nf4",
      block: 64,
      double_quant: false,
    });
    expect(node(ir, "q/attach-adapter").settings).toEqual({
      method: "lora",
      rank: 4,
      alpha: 8,
      scale: 2,
      dropout: 0,
      targets: ["q_proj", "v_proj"],
      init: "kaiming",
      quantized_base: true,
      seed: 9,
    });
  });

  it("a loaded model carries only the config it sets, and fingerprints its directory", async () => {
    const ir = await compileText(qlora, { cwd: tempProject(DATA) });
    const load = node(ir, "base/load-model");
    expect(load.settings).toEqual({
      architecture: "llama",
      path: TINY_LLAMA,
      dtype: "f32",
      config: {},
    });
    expect(load.outputs).toEqual(["tokenizer"]);
    const files = load.files.map((f) => f.path.slice(TINY_LLAMA.length + 1));
    expect(files).toEqual(
      expect.arrayContaining(["config.json", "model.safetensors", "tokenizer.json"]),
    );
  });

  it("training data is tokenized with the model's tokenizer, once per split", async () => {
    const ir = await compileText(qlora, { cwd: tempProject(DATA) });
    expect(wiring(node(ir, "run/train"))).toEqual([
      "model <- q/attach-adapter",
      "data <- d.train/tokenize@base",
      "eval.data <- d.val/tokenize@base",
    ]);
    expect(wiring(node(ir, "d.train/tokenize@base"))).toEqual([
      "data <- d/split.train",
      "tokenizer <- base/load-model.tokenizer",
    ]);
    // The evaluation reuses the tokenized validation split of the periodic eval.
    expect(wiring(node(ir, "ev/evaluate"))).toEqual([
      "model[0] <- run/train",
      "data[0] <- d.val/tokenize@base",
    ]);
    expect(ir.nodes.filter((n) => n.op === "tokenize")).toHaveLength(2);
    expect(node(ir, "run/train").settings).toMatchObject({
      eval: { data: { $input: "eval.data" }, every: 5 },
    });
  });

  it("fills defaults: optimizer and schedule expanded, seeds from the pipeline", async () => {
    const ir = await compileText(qlora, { cwd: tempProject(DATA) });
    expect(node(ir, "run/train").settings).toMatchObject({
      mode: "sft",
      max_steps: 10,
      batch: 8,
      grad_accum: 1,
      optimizer: {
        kind: "adamw",
        lr: 2e-4,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        max_grad_norm: 1,
      },
      schedule: { kind: "linear", min_lr_ratio: 0 },
      precision: "f32",
      gradient_checkpointing: false,
      seed: 9,
    });
    expect(node(ir, "run/export").settings).toEqual({
      what: "trained-model",
      destination: "out/a",
      format: "peft",
      merged: false,
      dtype: "f32",
    });
  });

  it("an inline model trains its tokenizer; a student shares the teacher's", async () => {
    const ir = await compileText(
      `pipeline "kd" { seed: 1 }
       dataset qa = alpaca("data.jsonl") { split { train: 90%, val: 10% } }
       model t = llama {
         tokenizer: bpe { vocab_size: 300, train_on: qa.train }
         hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1
         num_attention_heads: 2, num_key_value_heads: 2
       }
       model s = llama {
         tokenizer: t
         hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1
         num_attention_heads: 2, num_key_value_heads: 2
       }
       train teacher = sft(t, qa.train) { max_steps: 5 }
       distill synth = teacher_answers(teacher: teacher, prompts: qa.train) {
         student: s
         max_steps: 5
       }
       export synth to "out/s"`,
      { cwd: tempProject(DATA) },
    );
    expect(wiring(node(ir, "t/train-tokenizer"))).toEqual(["data <- qa/split.train"]);
    expect(node(ir, "t/train-tokenizer").settings).toEqual({ kind: "bpe", vocab_size: 300 });
    expect(wiring(node(ir, "s/init-model"))).toEqual(["tokenizer <- t/train-tokenizer"]);
    expect(wiring(node(ir, "synth/teacher-generate"))).toEqual([
      "teacher <- teacher/train",
      "prompts <- qa.train/tokenize@t",
    ]);
    expect(wiring(node(ir, "synth/train"))).toEqual([
      "model <- s/init-model",
      "data <- synth/tokenize@t",
    ]);
    expect(wiring(node(ir, "synth/tokenize@t"))).toEqual([
      "data <- synth/teacher-generate",
      "tokenizer <- t/train-tokenizer",
    ]);
    expect(node(ir, "s/init-model").settings).toMatchObject({
      architecture: "llama",
      config: { hidden_size: 16, max_position_embeddings: 2048, tie_word_embeddings: false },
      init_std: 0.02,
      seed: 1,
    });
    // A full model (no adapter) is exported as a Hugging Face directory.
    expect(node(ir, "synth/export").settings).toMatchObject({ format: "hf" });
  });
});

describe("detection and inspection", () => {
  const yaml = "path: .\ntrain: images/train\nval: images/val\nnames: [scratch, crack]\n";
  const files = {
    "d/dataset.yaml": yaml,
    "d/images/train/a.png": "",
    "d/images/val/b.png": "",
    "d/labels/train/a.txt": "",
    "d/labels/val/b.txt": "",
  };
  const text = `pipeline "det" { seed: 5 }
    dataset parts = yolo("d/dataset.yaml")
    model det = yolo_detector { classes: parts.names, imgsz: 64 }
    train tr = detect_train(det, parts.train) {
      epochs: 2
      optimizer: adamw { lr0: 1e-3, lrf: 0.01 }
    }
    detect preds = detect(tr, parts.val) { conf: 0.3 }
    inspect qc = inspect(preds) { severity { scratch: low, crack: high } }`;

  it("wires class names and splits from the YOLO dataset, with slots in settings", async () => {
    const ir = await compileText(text, { cwd: tempProject(files) });
    expect(node(ir, "parts/load-dataset").outputs).toEqual(["train", "val", "test", "names"]);
    expect(wiring(node(ir, "det/init-model"))).toEqual(["classes <- parts/load-dataset.names"]);
    expect(node(ir, "det/init-model").settings).toMatchObject({ classes: { $input: "classes" } });
    expect(wiring(node(ir, "tr/detect-train"))).toEqual([
      "model <- det/init-model",
      "data <- parts/load-dataset.train",
    ]);
    expect(wiring(node(ir, "preds/detect"))).toEqual([
      "model <- tr/detect-train",
      "images <- parts/load-dataset.val",
    ]);
  });

  it("drops the default `lr` when the file sets `lr0` (they are exclusive)", async () => {
    const ir = await compileText(text, { cwd: tempProject(files) });
    const optimizer = (
      node(ir, "tr/detect-train").settings as { optimizer: Record<string, unknown> }
    ).optimizer;
    expect(optimizer).toMatchObject({ kind: "adamw", lr0: 1e-3, lrf: 0.01 });
    expect(optimizer).not.toHaveProperty("lr");
  });

  it("fills the default verdict rules of an inspection", async () => {
    const ir = await compileText(text, { cwd: tempProject(files) });
    expect(node(ir, "qc/inspect").settings).toMatchObject({
      verdict: [
        { outcome: "PASS", when: { op: "==", left: { call: "count", args: ["all"] }, right: 0 } },
        { outcome: "FAIL", when: { call: "any", args: ["high"] } },
        { outcome: "WARNING", when: null },
      ],
      vlm_analysis: "off",
      annotate: true,
      report: "inspection.json",
    });
  });
});
