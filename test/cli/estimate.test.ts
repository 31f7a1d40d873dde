/**
 * `pipe estimate`: the acceptance figures for Llama-2-7B from its config.json alone
 * (6,738,415,616 parameters; LoRA r=8 on q_proj, v_proj: 4,194,304 trainable), the table,
 * `--budget` (largest micro-batch and sequence that fit), `--format json`, and exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { parseBudget } from "../../cli/commands/estimate.js";
import { estimateTrainingMemory } from "../../compiler/memory/estimate.js";
import { parseLlamaConfig } from "../../compiler/world/llama-config.js";
import { EXAMPLES_DIR } from "../support/examples.js";

const WORLD = join(import.meta.dirname, "../fixtures/diagnostics/world");
const LLAMA_7B = "llama-2-7b-lora-estimate.pipe";

async function run(argv: string[], cwd = process.cwd()) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("pipe estimate", () => {
  it("reports Llama-2-7B's 6,738,415,616 parameters and 4,194,304 LoRA parameters", async () => {
    const r = await run(["estimate", LLAMA_7B], WORLD);
    expect(r.code).toBe(0);
    expect(r.out).toContain("parameters: 6,738,415,616 total, 4,194,304 trainable (0.062%)");
    expect(r.out).toMatch(/base weights\s+6,738,415,616 params\s+13,476,831,232\s+12\.55 GiB/);
    expect(r.out).toMatch(/lora parameters\s+4,194,304 params\s+16,777,216/);
    expect(r.out).toMatch(/\n\s+total\s+[\d,]+\s+[\d.]+ GiB\n/);
    // Planning from config.json alone is a warning, not an error.
    expect(r.err).toContain("warning[PW3008]");
    expect(r.err).not.toContain("error[");
  });

  it("prints one table per stage whose rows add up to the total (JSON)", async () => {
    const r = await run(["estimate", LLAMA_7B, "--format", "json"], WORLD);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.pipeline).toBe("llama-2-7b-lora");
    expect(report.stages).toHaveLength(1);
    const [stage] = report.stages;
    expect(stage).toMatchObject({
      name: "run",
      kind: "train",
      parameters: { total: 6_738_415_616, trainable: 4_194_304 },
      batch: 1,
      seqLen: 512,
    });
    const sum = stage.rows.reduce((n: number, row: { bytes: number }) => n + row.bytes, 0);
    expect(sum).toBe(stage.totalBytes);
    expect(report.limits.source).toBe("WebGPU's default");
    expect(report.diagnostics.map((d: { code: string }) => d.code)).toContain("PW4003");
  });

  it("--budget finds the largest micro-batch and sequence length that fit", async () => {
    const r = await run(["estimate", LLAMA_7B, "--budget", "16GB", "--format", "json"], WORLD);
    expect(r.code).toBe(0);
    const { stages, budget } = JSON.parse(r.out);
    expect(budget).toEqual({ bytes: 16e9, from: "option" });
    const fit = stages[0].fit;
    expect(fit.fits).toBe(true);
    expect(fit.maxBatchAtSeqLen).toBeGreaterThan(1);
    expect(fit.maxSeqLenAtBatch).toBeGreaterThan(512);
    // The answers are the boundary: one more does not fit.
    const config = JSON.parse(
      readFileSync(join(import.meta.dirname, "../fixtures/models/llama-2-7b/config.json"), "utf8"),
    );
    const arch = parseLlamaConfig(config).arch!;
    const at = (batch: number, seqLen: number) =>
      estimateTrainingMemory({
        arch,
        method: { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"], dropout: 0 },
        baseWeights: "fp16",
        otherWeights: "fp16",
        compute: "fp32",
        optimizer: "adamw",
        batch,
        seqLen,
        gradientCheckpointing: true,
      }).totalBytes;
    expect(at(fit.maxBatchAtSeqLen, 512)).toBeLessThanOrEqual(16e9);
    expect(at(fit.maxBatchAtSeqLen + 1, 512)).toBeGreaterThan(16e9);
    expect(at(1, fit.maxSeqLenAtBatch)).toBeLessThanOrEqual(16e9);
    expect(at(1, fit.maxSeqLenAtBatch + 1)).toBeGreaterThan(16e9);
    expect(fit.frontier[0]).toMatchObject({ batch: 1, seqLen: fit.maxSeqLenAtBatch });

    const text = await run(["estimate", LLAMA_7B, "--budget", "16GB"], WORLD);
    expect(text.out).toContain("budget 16 GB (14.90 GiB): fits");
    expect(text.out).toContain(`largest micro-batch at sequence 512: ${fit.maxBatchAtSeqLen}`);
    expect(text.out).toContain(
      `longest sequence at batch 1: ${fit.maxSeqLenAtBatch.toLocaleString("en-US")}`,
    );
  });

  it("says when nothing fits a budget", async () => {
    const r = await run(["estimate", LLAMA_7B, "--budget", "8GiB"], WORLD);
    expect(r.code).toBe(0);
    expect(r.out).toContain("does not fit");
    expect(r.out).toContain("weights, gradients and optimizer states alone need");
  });

  it("exits 1 and shows the table when the pipeline is over its memory_budget", async () => {
    const r = await run(["estimate", "PW4001-memory-over-budget.pipe"], WORLD);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW4001]");
    expect(r.out).toContain("budget: 8 GB (7.45 GiB) (memory_budget)");
    expect(r.out).toContain("does not fit");
  });

  it("estimates every example", async () => {
    for (const name of [
      "alpaca-zh-qlora.pipe",
      "defect-inspection.pipe",
      "distill-kd.pipe",
      "sharegpt-chat-lora.pipe",
    ]) {
      const r = await run(["estimate", join(EXAMPLES_DIR, name)]);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      expect(r.out).toContain("peak:");
      expect(r.out).not.toContain("no estimate");
    }
    const clean = await run(["estimate", join(EXAMPLES_DIR, "clean-only.pipe")]);
    expect(clean.out).toContain("nothing to estimate");
  });

  it("rejects a bad budget and a missing file with exit 2", async () => {
    const bad = await run(["estimate", LLAMA_7B, "--budget", "lots"], WORLD);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("is not a memory size");
    const missing = await run(["estimate", "nope.pipe"], mkdtempSync(join(tmpdir(), "pipe-est-")));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("cannot read nope.pipe");
  });

  it("explains a stage it cannot estimate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-est-"));
    writeFileSync(join(dir, "corpus.txt"), "one\ntwo\n");
    writeFileSync(
      join(dir, "char.pipe"),
      [
        'pipeline "c" { seed: 1 }',
        'dataset corpus = text("corpus.txt")',
        "model m = llama { tokenizer: char { train_on: corpus }, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2 }",
        "train pre = pretrain(m, corpus) { max_steps: 1 }",
        "",
      ].join("\n"),
    );
    const r = await run(["estimate", "char.pipe"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "no estimate: the vocabulary of `m` only exists once its tokenizer is trained",
    );
  });

  it("is listed in --help", async () => {
    const help = await run(["--help"]);
    expect(help.out).toContain("pipe estimate <file>");
  });
});

describe("parseBudget", () => {
  it("reads memory sizes with units", () => {
    expect(parseBudget("8GB")).toBe(8e9);
    expect(parseBudget("24GiB")).toBe(24 * 2 ** 30);
    expect(parseBudget("512 MiB")).toBe(512 * 2 ** 20);
    expect(parseBudget("1.5GB")).toBe(1.5e9);
    expect(parseBudget("8")).toBeUndefined();
    expect(parseBudget("90%")).toBeUndefined();
    expect(parseBudget("0GB")).toBeUndefined();
  });
});
