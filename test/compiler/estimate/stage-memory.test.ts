/**
 * From declared stages to the memory estimator's inputs: weights by dtype and QLoRA, the
 * optimizer, precision, batch and sequence length, each PEFT method, the frozen teacher of
 * logit distillation, the two phases of simplified distillation, and the detector.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scaledDetectorConfig } from "../../../compiler/estimate/detector-config.js";
import { fitStage } from "../../../compiler/estimate/fit-stage.js";
import { renderEstimate } from "../../../compiler/estimate/render-table.js";
import { buildEstimateReport } from "../../../compiler/estimate/report.js";
import { describeDetector, yoloV8Config } from "../../../compiler/memory/detector.js";
import { estimateTrainingMemory } from "../../../compiler/memory/estimate.js";
import { checkWith, DATA, MODELS, q } from "../world-checks/support.js";

const LLAMA_7B = q(join(MODELS, "llama-2-7b"));
const GOOD = q(join(DATA, "alpaca-good.jsonl"));

async function memoryOf(body: string) {
  const r = await checkWith(
    `pipeline "x" { seed: 1 }\ndataset sft = alpaca(${GOOD}) { max_length: 256 }\n${body}\n`,
  );
  return { result: r, memory: r.world!.memory };
}

describe("stage → estimator input", () => {
  it("QLoRA with double quantisation: NF4 linear weights, the rest in the model's dtype", async () => {
    const { memory } = await memoryOf(
      [
        `model base = llama(${LLAMA_7B}) { dtype: bf16 }`,
        "adapter q = lora(base) { rank: 8, targets: [q_proj, v_proj], quantize_base: nf4, double_quant: true }",
        "train run = sft(q, sft) { epochs: 1, batch: 4, optimizer: adamw8bit { lr: 1e-4 }, precision: f16, gradient_checkpointing: true }",
      ].join("\n"),
    );
    const [run] = memory;
    expect(run.training).toMatchObject({
      baseWeights: "nf4",
      doubleQuant: true,
      otherWeights: "bf16",
      compute: "fp16",
      optimizer: "adamw-8bit",
      batch: 4,
      seqLen: 256,
      gradientCheckpointing: true,
      method: { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] },
    });
    // docs/memory.md §2: Llama-2-7B in NF4 with double quantisation.
    expect(run.rows.find((r) => r.component === "base weights")?.bytes).toBe(3_865_592_704);
    expect(run.parameters).toEqual({ total: 6_738_415_616, trainable: 4_194_304 });
    expect(run.totalBytes).toBe(estimateTrainingMemory(run.training!).totalBytes);
    expect(run.rows.reduce((n, r) => n + r.bytes, 0)).toBe(run.totalBytes);
  });

  it("`seq_len` wins over the data's max_length; full fine-tuning without an adapter", async () => {
    const { memory } = await memoryOf(
      [
        `model base = llama(${LLAMA_7B}) { dtype: f16 }`,
        "train run = sft(base, sft) { epochs: 1, batch: 1, seq_len: 128 }",
      ].join("\n"),
    );
    expect(memory[0].training).toMatchObject({
      method: { kind: "full" },
      baseWeights: "fp16",
      seqLen: 128,
    });
    expect(memory[0].parameters?.trainable).toBe(6_738_415_616);
  });

  it("maps every PEFT method", async () => {
    const { memory } = await memoryOf(
      [
        `model base = llama(${LLAMA_7B}) { dtype: bf16 }`,
        "adapter i = ia3(base) { targets: [k_proj, v_proj, down_proj] }",
        "adapter p = prompt_tuning(base) { virtual_tokens: 20 }",
        "adapter x = prefix_tuning(base) { virtual_tokens: 10, projection: true }",
        "adapter b = bottleneck(base) { bottleneck_size: 64, placement: both }",
        "train ti = sft(i, sft) { epochs: 1 }",
        "train tp = sft(p, sft) { epochs: 1 }",
        "train tx = sft(x, sft) { epochs: 1 }",
        "train tb = sft(b, sft) { epochs: 1 }",
      ].join("\n"),
    );
    const methods = Object.fromEntries(memory.map((m) => [m.stage.name, m.training!.method]));
    expect(methods).toEqual({
      ti: { kind: "ia3", targets: ["k_proj", "v_proj", "down_proj"], feedforward: ["down_proj"] },
      tp: { kind: "prompt-tuning", virtualTokens: 20 },
      tx: { kind: "prefix-tuning", virtualTokens: 10, projectionHidden: 4096 },
      tb: { kind: "bottleneck", size: 64, placement: "houlsby" },
    });
    // IA3 on Llama-2-7B: per layer k and v outputs (4096 each) and down_proj's input (11008).
    expect(memory[0].parameters?.trainable).toBe(32 * (4096 + 4096 + 11008));
    expect(memory[1].parameters?.trainable).toBe(20 * 4096);
  });

  it("logit distillation adds the frozen teacher's weights, logits and forward workspace", async () => {
    const { memory } = await memoryOf(
      [
        `model teacher = llama(${q(join(MODELS, "tiny-llama"))})`,
        `model student = llama(${q(join(MODELS, "tiny-llama-student"))})`,
        "distill kd = distill(teacher: teacher, student: student, data: sft) { max_steps: 1, batch: 2 }",
      ].join("\n"),
    );
    const [kd] = memory;
    const own = estimateTrainingMemory(kd.training!).totalBytes;
    const teacherRows = kd.rows.filter((r) => r.component.startsWith("teacher"));
    expect(teacherRows.map((r) => r.component)).toEqual([
      "teacher weights (frozen)",
      "teacher logits (f32)",
      "teacher forward workspace",
    ]);
    expect(teacherRows[1].bytes).toBe(2 * 256 * 272 * 4);
    expect(kd.totalBytes).toBe(own + teacherRows.reduce((n, r) => n + r.bytes, 0));
    expect(kd.extraBytes).toBe(kd.totalBytes - own);
    // The budget search counts the teacher's logits growing with the batch.
    const budget = kd.totalBytes * 3;
    const fit = fitStage(kd, budget);
    const at = (batch: number) =>
      estimateTrainingMemory({ ...kd.training!, batch }).totalBytes + kd.extraAt!(batch, 256);
    expect(at(fit.maxBatchAtSeqLen!)).toBeLessThanOrEqual(budget);
    expect(at(fit.maxBatchAtSeqLen! + 1)).toBeGreaterThan(budget);
    expect(kd.extraAt!(2, 256)).toBe(kd.extraBytes);
  });

  it("simplified distillation: teacher generation and student training are separate phases", async () => {
    const { memory } = await memoryOf(
      [
        `model teacher = llama(${q(join(MODELS, "tiny-llama"))})`,
        `model student = llama(${q(join(MODELS, "tiny-llama-student"))})`,
        "distill synth = teacher_answers(teacher: teacher, prompts: sft) { student: student, max_new_tokens: 32, max_steps: 1 }",
      ].join("\n"),
    );
    const [synth] = memory;
    expect(synth.otherPhases).toHaveLength(1);
    const training = synth.rows.reduce((n, r) => n + r.bytes, 0);
    expect(synth.totalBytes).toBe(Math.max(training, synth.otherPhases[0].totalBytes));
  });

  it("the detector: YOLOv8 layout scaled by width and depth", async () => {
    // width 0.25 / depth 0.33 at 80 classes is YOLOv8n: 3,157,200 parameters.
    expect(describeDetector(scaledDetectorConfig(0.25, 0.33, 80), 640).params).toBe(3_157_200);
    expect(scaledDetectorConfig(0.5, 0.33, 80)).toEqual(yoloV8Config("s", 80));
    const { memory } = await checkWith(
      [
        'pipeline "x" { seed: 1 }',
        `dataset parts = yolo(${q(join(DATA, "yolo/dataset.yaml"))})`,
        "model det = yolo_detector { classes: parts.names, width: 0.25, depth: 0.33, imgsz: 320 }",
        "train d = detect_train(det, parts.train) { epochs: 1, batch: 8, imgsz: 160 }",
      ].join("\n"),
    ).then((r) => ({ memory: r.world!.memory }));
    expect(memory[0].detector).toMatchObject({ imgsz: 160, batch: 8, config: { numClasses: 4 } });
    expect(memory[0].description[0]).toContain("4 classes");
  });
});

describe("the estimate report", () => {
  it("renders a table per stage whose total is the sum of its rows, and fits a budget", async () => {
    const { result } = await memoryOf(
      [
        `model base = llama(${LLAMA_7B}) { dtype: bf16 }`,
        "adapter q = lora(base) { rank: 8, targets: [q_proj, v_proj], quantize_base: nf4 }",
        "train run = sft(q, sft) { epochs: 1, batch: 2, gradient_checkpointing: true }",
      ].join("\n"),
    );
    const report = buildEstimateReport("x.pipe", "x", result.world!, 8e9);
    const [stage] = report.stages;
    expect(stage.fit).toMatchObject({ budgetBytes: 8e9, fits: true });
    expect(stage.fit!.maxBatchAtSeqLen).toBeGreaterThanOrEqual(2);
    const text = renderEstimate(report);
    expect(text).toContain("train run (sft)");
    expect(text).toContain("parameters: 6,738,415,616 total, 4,194,304 trainable");
    expect(text).toMatch(
      new RegExp(`\\n\\s+total\\s+${stage.totalBytes.toLocaleString("en-US")}\\s`),
    );
    expect(text).toMatch(/component\s+count\s+bytes\s+size/);
    expect(report.peak).toEqual({ stage: "run", bytes: stage.totalBytes });
  });
});
