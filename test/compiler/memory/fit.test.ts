import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseLlamaConfig, type LlamaArchitecture } from "../../../compiler/world/llama-config.js";
import {
  estimateTrainingMemory,
  type TrainingMemoryInput,
} from "../../../compiler/memory/estimate.js";
import {
  checkDeviceLimits,
  fitBudget,
  WEBGPU_DEFAULT_LIMITS,
} from "../../../compiler/memory/fit.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const arch = (name: string): LlamaArchitecture =>
  parseLlamaConfig(JSON.parse(fs.readFileSync(path.join(MODELS, name, "config.json"), "utf8")))
    .arch!;
const GiB = 2 ** 30;

const qlora7b: TrainingMemoryInput = {
  arch: arch("llama-2-7b"),
  method: { kind: "lora", rank: 16, targets: ["all-linear"] },
  baseWeights: "nf4",
  doubleQuant: true,
  compute: "bf16",
  optimizer: "adamw-8bit",
  batch: 2,
  seqLen: 512,
  gradientCheckpointing: true,
};

const total = (input: TrainingMemoryInput, batch: number, seqLen: number): number =>
  estimateTrainingMemory({ ...input, batch, seqLen }).totalBytes;

describe("fitBudget", () => {
  it("finds the largest batch and sequence length that fit (and one more does not)", () => {
    const r = fitBudget(qlora7b, 8 * GiB);
    expect(r.fits).toBe(true);
    expect(r.declared.totalBytes).toBe(total(qlora7b, 2, 512));
    expect(r.maxBatchAtSeqLen).toBeGreaterThan(2);
    expect(total(qlora7b, r.maxBatchAtSeqLen, 512)).toBeLessThanOrEqual(8 * GiB);
    expect(total(qlora7b, r.maxBatchAtSeqLen + 1, 512)).toBeGreaterThan(8 * GiB);
    expect(total(qlora7b, 2, r.maxSeqLenAtBatch)).toBeLessThanOrEqual(8 * GiB);
    expect(total(qlora7b, 2, r.maxSeqLenAtBatch + 1)).toBeGreaterThan(8 * GiB);
    for (const p of r.frontier) {
      expect(p.totalBytes).toBe(total(qlora7b, p.batch, p.seqLen));
      expect(p.totalBytes).toBeLessThanOrEqual(8 * GiB);
    }
    expect(r.frontier.map((p) => p.batch).slice(0, 3)).toEqual([1, 2, 4]);
    // longer sequences need smaller batches
    for (let i = 1; i < r.frontier.length; i++)
      expect(r.frontier[i].seqLen).toBeLessThanOrEqual(r.frontier[i - 1].seqLen);
  });

  it("the sequence search stops at max_position_embeddings", () => {
    const r = fitBudget(qlora7b, 1000 * GiB);
    expect(r.maxSeqLenAtBatch).toBe(4096);
  });

  it("nothing fits when the fixed part alone exceeds the budget", () => {
    const full: TrainingMemoryInput = {
      ...qlora7b,
      method: { kind: "full" },
      baseWeights: "bf16",
      optimizer: "adamw",
    };
    const r = fitBudget(full, 24 * GiB);
    expect(r.fixedBytes).toBeGreaterThan(24 * GiB);
    expect(r).toMatchObject({
      fits: false,
      maxBatchAtSeqLen: 0,
      maxSeqLenAtBatch: 0,
      frontier: [],
    });
  });
});

describe("checkDeviceLimits", () => {
  it("flags buffers over the default storage binding size (the 7B embedding in bf16)", () => {
    const e = estimateTrainingMemory(qlora7b);
    const r = checkDeviceLimits(e, WEBGPU_DEFAULT_LIMITS);
    expect(r.ok).toBe(false);
    expect(r.violations.map((v) => [v.buffer, v.limit])).toContainEqual([
      "weight embed_tokens (bf16)",
      "maxStorageBufferBindingSize",
    ]);
    expect(r.violations.find((v) => v.buffer === "weight embed_tokens (bf16)")!.bytes).toBe(
      32000 * 4096 * 2,
    );
  });

  it("flags logits larger than maxBufferSize", () => {
    const e = estimateTrainingMemory({ ...qlora7b, batch: 8, seqLen: 1024 });
    const r = checkDeviceLimits(e, WEBGPU_DEFAULT_LIMITS);
    expect(r.violations.find((v) => v.buffer === "logits (f32)")).toMatchObject({
      bytes: 8 * 1024 * 32000 * 4,
      limit: "maxBufferSize",
    });
  });

  it("passes with a large adapter's limits", () => {
    const e = estimateTrainingMemory(qlora7b);
    expect(
      checkDeviceLimits(e, { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 2 * GiB }).ok,
    ).toBe(true);
  });
});
