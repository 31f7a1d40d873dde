/**
 * The lints' edges: what each one must report and, as important, what it must leave alone.
 * The fixtures show each lint's output; these cases pin the boundaries.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import { LineIndex } from "../../../compiler/diagnostics/source-map.js";

const HEADER = 'pipeline "t" { seed: 1 }\n';
const MODEL = 'model base = llama("models/base")\n';
const DATA = (rows = 2000) =>
  `dataset sft = alpaca("data/a.jsonl") {\n  generate: arithmetic_zh { rows: ${rows}, format: alpaca }\n  split { train: 90%, val: 10% }\n}\n`;

/** Lint diagnostics as `CODE@line`, plus their messages for the assertions that need them. */
async function lint(body: string, header = HEADER) {
  const text = header + body;
  const { diagnostics } = await checkSource(text, "t.pipe", { world: false });
  const index = new LineIndex(text);
  const lints = diagnostics.filter((d) => d.code.startsWith("PW5"));
  const errors = diagnostics.filter((d) => d.severity === "error");
  expect(
    errors.map((d) => `${d.code} ${d.message}`),
    "test pipelines are valid",
  ).toEqual([]);
  return {
    codes: lints.map((d) => `${d.code}@${index.position(d.span.start).line}`),
    messages: lints.map((d) => d.message),
    hints: lints.map((d) => d.hint ?? ""),
  };
}

describe("lora-alpha-scale", () => {
  it("accepts the ends of 0.5–4 and the defaults", async () => {
    const { codes } = await lint(
      MODEL +
        "adapter a = lora(base) { rank: 8, alpha: 4 }\n" +
        "adapter b = lora(base) { rank: 8, alpha: 32 }\n" +
        "adapter c = lora(base)\n" +
        "adapter d = lora(base) { rank: 32 }\n" +
        'export a to "o/a"\nexport b to "o/b"\nexport c to "o/c"\nexport d to "o/d"\n',
    );
    expect(codes).toEqual([]);
  });

  it("reports on `rank` when alpha is the default", async () => {
    const { codes, messages } = await lint(
      MODEL + "adapter a = lora(base) {\n  rank: 64\n}\n" + 'export a to "o/a"\n',
    );
    expect(codes).toEqual(["PW5001@4"]);
    expect(messages[0]).toBe("LoRA scale α/r = 16/64 = 0.25 is far below common practice (0.5–4)");
  });

  it("ignores adapters other than LoRA", async () => {
    const { codes } = await lint(MODEL + "adapter i = ia3(base)\n" + 'export i to "o/i"\n');
    expect(codes).toEqual([]);
  });
});

describe("unused-stage", () => {
  it("does not report the inputs of a stage whose source is unknown", async () => {
    const text =
      HEADER +
      MODEL +
      "adapter a = lora(base)\ntrain run = sfft(a, sft.train) { max_steps: 1 }\n" +
      DATA();
    const { diagnostics } = await checkSource(text, "t.pipe", { world: false });
    expect(diagnostics.map((d) => d.code)).toEqual(["PW2017"]);
  });

  it("reports only the end of an unused chain", async () => {
    const { codes } = await lint(MODEL + "adapter a = lora(base)\n");
    expect(codes).toEqual(["PW5002@3"]);
  });

  it("counts references from tokenizers and exports of a split", async () => {
    const { codes } = await lint(
      `dataset corpus = text("c.txt")\nmodel tiny = llama {\n  tokenizer: bpe { vocab_size: 300, train_on: corpus }\n}\n` +
        'export tiny to "o/tiny"\n' +
        DATA() +
        'export sft.train to "o/train.jsonl"\n',
    );
    expect(codes).toEqual([]);
  });
});

describe("split-leakage", () => {
  it("accepts splits keyed on the prompt, or a prompt dedupe of any kind", async () => {
    const { codes } = await lint(
      `dataset a = alpaca("a.jsonl") {\n  split { train: 90%, val: 10%, by: instruction }\n  write { format: jsonl }\n}\n` +
        `dataset b = alpaca("b.jsonl") {\n  clean {\n    dedupe: output\n    dedupe: near { key: instruction }\n  }\n  split { train: 90%, val: 10% }\n  write { format: jsonl }\n}\n` +
        `dataset c = sharegpt("c.json") {\n  clean { dedupe: near { key: conversations } }\n  split { train: 90%, val: 10% }\n  write { format: jsonl }\n}\n` +
        `dataset d = preference("d.jsonl") {\n  split { train: 90%, val: 10%, by: prompt }\n  write { format: jsonl }\n}\n` +
        `dataset e = text("e.txt") {\n  split { train: 90%, val: 10%, by: text }\n  write { format: jsonl }\n}\n`,
    );
    expect(codes).toEqual([]);
  });

  it("reports preference data split by the chosen answer", async () => {
    const { codes, messages } = await lint(
      `dataset d = preference("d.jsonl") {\n  split { train: 90%, val: 10%, by: chosen }\n  write { format: jsonl }\n}\n`,
    );
    expect(codes).toEqual(["PW5003@3"]);
    expect(messages[0]).toContain("no `dedupe` covers `prompt`");
  });

  it("stays quiet for separate files when neither is de-duplicated", async () => {
    const { codes } = await lint(
      MODEL +
        'adapter a = lora(base)\ndataset tr = alpaca("tr.jsonl")\ndataset va = alpaca("va.jsonl")\n' +
        "train run = sft(a, tr) { max_steps: 10 }\nevaluate ev = eval(run, va)\n",
    );
    expect(codes).toEqual([]);
  });

  it("does not blame a pre-training corpus further up the lineage", async () => {
    const { codes } = await lint(
      `dataset corpus = text("c.txt")\nmodel tiny = llama { hidden_size: 32 }\n` +
        "train pre = pretrain(tiny, corpus) { max_steps: 10 }\n" +
        `dataset sft = alpaca("a.jsonl") {\n  generate: arithmetic_zh { rows: 2000, format: alpaca }\n  clean { dedupe: instruction }\n  split { train: 90%, val: 10% }\n}\n` +
        "adapter q = lora(pre)\ntrain run = sft(q, sft.train) { max_steps: 10 }\nevaluate ev = eval(run, sft.val)\n",
    );
    expect(codes).toEqual([]);
  });
});

describe("eval-on-train", () => {
  it("follows the weight lineage to a pre-training stage", async () => {
    const { codes, messages } = await lint(
      `dataset corpus = text("c.txt")\nmodel tiny = llama { hidden_size: 32 }\n` +
        "train pre = pretrain(tiny, corpus) { max_steps: 10 }\n" +
        DATA() +
        "adapter q = lora(pre)\ntrain run = sft(q, sft.train) { max_steps: 10 }\n" +
        "evaluate ev = eval(run, corpus) { metrics: [perplexity] }\n",
    );
    expect(codes).toEqual(["PW5004@11"]);
    expect(messages[0]).toBe(
      "`ev` evaluates `run` on `corpus`, the data `pre` (which `run` builds on) was trained on (`corpus`)",
    );
  });

  it("accepts other splits of an identically configured dataset reading the same file", async () => {
    const twin = DATA().replace("dataset sft", "dataset twin");
    const { codes } = await lint(
      MODEL +
        DATA() +
        twin +
        "adapter a = lora(base)\ntrain run = sft(a, sft.train) { max_steps: 10 }\nevaluate ev = eval(run, twin.val)\n",
    );
    expect(codes).toEqual([]);
  });

  it("reports a training split evaluated through another dataset that splits differently", async () => {
    const other = DATA()
      .replace("dataset sft", "dataset other")
      .replace("90%, val: 10%", "80%, val: 20%");
    const { codes } = await lint(
      MODEL +
        DATA() +
        other +
        "adapter a = lora(base)\ntrain run = sft(a, sft.train) { max_steps: 10 }\nevaluate ev = eval(run, other.val)\n",
    );
    expect(codes).toEqual(["PW5004@13"]);
  });

  it("checks each model of a list and detection splits", async () => {
    const { codes, hints } = await lint(
      'dataset parts = yolo("d/dataset.yaml")\nmodel det = yolo_detector { classes: parts.names }\n' +
        "train detector = detect_train(det, parts.train) { epochs: 1 }\n" +
        "evaluate bad = eval(detector, parts.train) { metrics: [mAP50] }\n" +
        "evaluate good = eval(detector, parts.val) { metrics: [mAP50] }\n",
    );
    expect(codes).toEqual(["PW5004@5"]);
    expect(hints[0]).toBe("evaluate on a held-out split instead (`parts.val`, `parts.test`)");
  });

  it("suggests a split when the training data has none", async () => {
    const { hints } = await lint(
      MODEL +
        'dataset d = alpaca("d.jsonl")\nadapter a = lora(base)\ntrain run = sft(a, d) { max_steps: 10 }\nevaluate ev = eval([run], d)\n',
    );
    expect(hints).toEqual([
      "give `d` a `split { train: 90%, val: 10% }`, train on `d.train` and evaluate on `d.val`",
    ]);
  });
});

describe("dataset-too-small", () => {
  it("cannot see the size of a file-only dataset", async () => {
    const { codes } = await lint(
      MODEL +
        'dataset d = alpaca("d.jsonl") { split { train: 90%, val: 10% } }\n' +
        "adapter a = lora(base)\ntrain run = sft(a, d.train) { max_steps: 10 }\nevaluate ev = eval(run, d.val)\n",
    );
    expect(codes).toEqual([]);
  });

  it("uses 1,000 rows as the minimum, inclusive, and the generator's default rows", async () => {
    const { codes } = await lint(
      MODEL +
        'dataset d = alpaca("d.jsonl") { split { train: 1000, val: 10 } }\n' +
        'dataset g = sharegpt("g.json") { generate: chat_zh_en }\n' +
        "adapter a = lora(base)\ntrain run = sft(a, d.train) { max_steps: 10 }\nevaluate ev = eval(run, d.val)\n" +
        "train chat = sft(a, g) { max_steps: 10 }\nevaluate ev2 = eval(chat, d.val)\n",
    );
    expect(codes).toEqual([]);
  });

  it("asks more of preference data, checks teacher_answers prompts, reports a dataset once", async () => {
    const { codes, messages } = await lint(
      MODEL +
        'dataset p = preference("p.jsonl") { split { train: 5000, val: 100 } }\n' +
        "adapter a = lora(base)\ntrain run = sft(a, p.train) { max_steps: 10 }\ntrain again = sft(a, p.train) { max_steps: 10 }\n" +
        "evaluate ev = eval([run, again], p.val)\n" +
        DATA(600) +
        "distill synth = teacher_answers(teacher: run, prompts: sft.train) { student: base, max_steps: 10 }\n" +
        "evaluate ev2 = eval(synth, sft.val)\n",
    );
    expect(codes).toEqual(["PW5005@3", "PW5005@10"]);
    expect(messages[0]).toContain("below the seed's minimum of 10,000");
    expect(messages[1]).toBe(
      "`sft.train` declares about 540 rows (600 generated × 90%), below the seed's minimum of 1,000 for fine-tuning data",
    );
  });

  it("does not apply to pre-training text", async () => {
    const { codes } = await lint(
      'dataset corpus = text("c.txt") { generate: arithmetic_zh { rows: 50 } }\nmodel tiny = llama { hidden_size: 32 }\n' +
        'train pre = pretrain(tiny, corpus) { max_steps: 10 }\nexport pre to "o/pre"\nevaluate ev = eval(pre, corpus)\n',
    );
    expect(codes).toEqual(["PW5004@6"]);
  });
});

describe("qlora-merge-precision", () => {
  it("reports only QLoRA merged into bf16, including the adapter itself", async () => {
    const { codes } = await lint(
      MODEL +
        "adapter q = lora(base) { quantize_base: nf4 }\nadapter l = lora(base)\n" +
        'export q to "o/q" { merged: true, dtype: bf16 }\n' +
        'export q to "o/q32" { merged: true }\n' +
        'export q to "o/qpeft" { format: peft, dtype: bf16 }\n' +
        'export l to "o/l" { merged: true, dtype: bf16 }\n',
    );
    expect(codes).toEqual(["PW5006@5"]);
  });

  it("finds the adapter through a distilled student", async () => {
    const { codes } = await lint(
      MODEL +
        DATA() +
        "adapter q = lora(base) { quantize_base: nf4 }\n" +
        "distill kd = distill(teacher: base, student: q, data: sft.train) { max_steps: 10 }\n" +
        'evaluate ev = eval(kd, sft.val)\nexport kd to "o/kd" { merged: true, dtype: bf16 }\n',
    );
    expect(codes).toEqual(["PW5006@10"]);
  });
});

describe("no-seed", () => {
  it("is quiet with a seed and reports a pipeline without one", async () => {
    expect((await lint(MODEL + 'export base to "o/b"\n')).codes).toEqual([]);
    expect((await lint(MODEL + 'export base to "o/b"\n', 'pipeline "t" {}\n')).codes).toEqual([
      "PW5007@1",
    ]);
  });
});

describe("epochs-and-max-steps", () => {
  it("needs both set in the file; without declared rows it says less", async () => {
    const { codes, messages } = await lint(
      MODEL +
        'dataset d = alpaca("d.jsonl") { split { train: 90%, val: 10% } }\nadapter a = lora(base)\n' +
        "train one = sft(a, d.train) { epochs: 2, eval { data: d.val, every: 5 } }\n" +
        "train both = sft(a, d.train) { epochs: 2, max_steps: 10, eval { data: d.val, every: 5 } }\n" +
        'export one to "o/1"\nexport both to "o/2"\n',
    );
    expect(codes).toEqual(["PW5008@6"]);
    expect(messages[0]).toBe(
      "`both` sets both `epochs` and `max_steps`: training stops at whichever comes first",
    );
  });
});

describe("high-learning-rate", () => {
  it("leaves defaults, inline models, pre-training and prefix tuning alone", async () => {
    const { codes } = await lint(
      DATA() +
        "model tiny = llama { hidden_size: 32 }\n" +
        "train scratch = sft(tiny, sft.train) { max_steps: 10, optimizer: adamw { lr: 5e-3 } }\n" +
        "train pre = pretrain(tiny, sft.train) { max_steps: 10, optimizer: adamw { lr: 1e-1 } }\n" +
        MODEL +
        "adapter x = prefix_tuning(base)\n" +
        "train px = sft(x, sft.train) { max_steps: 10, optimizer: adamw { lr: 5e-2 } }\n" +
        "adapter l = lora(base)\ntrain dflt = sft(l, sft.train) { max_steps: 10, optimizer: adamw }\n" +
        "train ok = sft(l, sft.train) { max_steps: 10, optimizer: adamw { lr: 1e-2 } }\n" +
        "evaluate ev = eval([scratch, pre, px, dflt, ok], sft.val)\n",
    );
    expect(codes).toEqual([]);
  });

  it("checks a distilled LoRA student and full fine-tuning of a directory model", async () => {
    const { codes, messages } = await lint(
      MODEL +
        DATA() +
        "adapter s = lora(base)\n" +
        "distill kd = distill(teacher: base, student: s, data: sft.train) { max_steps: 10, optimizer: adamw { lr: 0.5 } }\n" +
        "train full = sft(base, sft.train) { max_steps: 10, optimizer: adamw8bit { lr: 2e-3 } }\n" +
        "evaluate ev = eval([kd, full], sft.val)\n",
    );
    expect(codes).toEqual(["PW5009@8", "PW5009@9"]);
    expect(messages).toEqual([
      "learning rate 0.5 is high for LoRA training (above 1e-2)",
      "learning rate 2e-3 is high for full fine-tuning of a pre-trained model (above 1e-3)",
    ]);
  });
});

describe("warmup-exceeds-steps and batch-exceeds-data", () => {
  it("stay quiet when the run length or the rows are unknown", async () => {
    const { codes } = await lint(
      MODEL +
        'dataset d = alpaca("d.jsonl") { split { train: 90%, val: 10% } }\nadapter a = lora(base)\n' +
        "train run = sft(a, d.train) { epochs: 1, batch: 64, grad_accum: 64, schedule: linear { warmup: 100000 }, eval { data: d.val, every: 5 } }\n" +
        'export run to "o/r"\n',
    );
    expect(codes).toEqual([]);
  });

  it("take the shorter of epochs and max_steps, and skip packed data", async () => {
    const { codes, messages } = await lint(
      MODEL +
        "adapter a = lora(base)\n" +
        DATA() +
        "train run = sft(a, sft.train) { epochs: 1, max_steps: 1000, batch: 100, schedule: cosine { warmup: 18 }, eval { data: sft.val, every: 5 } }\n" +
        `dataset packed = alpaca("p.jsonl") {\n  generate: arithmetic_zh { rows: 2000, format: alpaca }\n  packing: true\n  split { train: 90%, val: 10% }\n}\n` +
        "train p = sft(a, packed.train) { epochs: 1, batch: 100, schedule: cosine { warmup: 18 }, eval { data: packed.val, every: 5 } }\n" +
        'export run to "o/r"\nexport p to "o/p"\n',
    );
    expect(codes).toEqual(["PW5008@8", "PW5010@8"]);
    expect(messages[1]).toBe(
      "warmup of 18 steps is not shorter than the 18 optimizer steps of `run` (1 epoch × ⌈1,800 rows / 100⌉): the learning rate never reaches its peak",
    );
  });

  it("reports a batch larger than the data on `batch` when there is no accumulation", async () => {
    const { codes } = await lint(
      MODEL +
        'dataset d = alpaca("d.jsonl") { split { train: 1000, val: 10 } }\nadapter a = lora(base)\n' +
        "train run = sft(a, d.train) {\n  epochs: 1\n  batch: 1024\n  eval { data: d.val, every: 5 }\n}\n" +
        'export run to "o/r"\n',
    );
    expect(codes).toEqual(["PW5011@7"]);
  });
});

describe("early-stopping-without-eval, no-evaluation, distill-teacher-unused", () => {
  it("accept early stopping on a training metric", async () => {
    const { codes } = await lint(
      MODEL +
        DATA() +
        "adapter a = lora(base)\ntrain run = sft(a, sft.train) {\n  max_steps: 10\n  early_stopping { metric: train_loss }\n}\n" +
        "evaluate ev = eval(run, sft.val)\n",
    );
    expect(codes).toEqual([]);
  });

  it("do not ask internal models to be evaluated", async () => {
    const { codes } = await lint(
      MODEL +
        DATA() +
        "train teacher = sft(base, sft.train) { max_steps: 10 }\n" +
        'model small = llama("models/small")\n' +
        "distill kd = distill(teacher: teacher, student: small, data: sft.train) { max_steps: 10 }\n" +
        'evaluate ev = eval([kd], sft.val)\nexport kd to "o/kd"\n',
    );
    expect(codes).toEqual([]);
  });

  it("report a detector used for inference without evaluation", async () => {
    const { codes } = await lint(
      'dataset parts = yolo("d/dataset.yaml")\nmodel det = yolo_detector { classes: parts.names }\n' +
        "train detector = detect_train(det, parts.train) { epochs: 1 }\n" +
        "detect preds = detect(detector, parts.val)\n",
    );
    expect(codes).toEqual(["PW5013@4"]);
  });

  it("accept distillation with a soft term", async () => {
    const { codes } = await lint(
      MODEL +
        DATA() +
        'model small = llama("models/small")\n' +
        "distill kd = distill(teacher: base, student: small, data: sft.train) { alpha: 0.99, max_steps: 10 }\n" +
        "evaluate ev = eval(kd, sft.val)\n",
    );
    expect(codes).toEqual([]);
  });
});
