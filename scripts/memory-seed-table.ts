/**
 * The comparison in docs/memory.md between our static estimate and the seed's hardware table
 * (section 1.2.3: 7B/13B/30B/70B × full / LoRA / QLoRA), including what the seed's own
 * `estimate_memory` function prints for the same cases. A test checks that docs/memory.md holds
 * exactly this output, so the document cannot drift from the code.
 *
 * Usage: npx tsx scripts/memory-seed-table.ts [--write]   (--write updates docs/memory.md)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseLlamaConfig, type LlamaArchitecture } from "../compiler/world/llama-config.js";
import { estimateTrainingMemory, type TrainingMemoryInput } from "../compiler/memory/estimate.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The seed's `estimate_memory` (section 1.2.3), transcribed; returns GB (1e9 bytes). */
export function seedEstimate(
  modelSizeB: number,
  precision: "fp32" | "fp16" | "bf16" | "int8" | "int4",
  batchSize: number,
  seqLength: number,
  useLora: boolean,
): { model: number; optimizer: number; gradient: number; activation: number; total: number } {
  const bytesPerParam = { fp32: 4, fp16: 2, bf16: 2, int8: 1, int4: 0.5 }[precision];
  const totalParams = modelSizeB * 1e9;
  const model = (totalParams * bytesPerParam) / 1e9;
  const trainable = totalParams * 0.005;
  const optimizer = useLora ? (trainable * 8) / 1e9 : (totalParams * 8) / 1e9;
  const gradient = useLora ? (trainable * bytesPerParam) / 1e9 : model;
  const hiddenDim = Math.trunc(Math.sqrt(totalParams / 12 / 32));
  const activation = (batchSize * seqLength * hiddenDim * 32 * 4) / 1e9;
  return {
    model,
    optimizer,
    gradient,
    activation,
    total: model + optimizer + gradient + activation,
  };
}

export const SEED_MODELS = [
  {
    label: "7B",
    dir: "llama-2-7b",
    sizeB: 7,
    table: { full: "80GB+", lora: "24GB", qlora: "8GB" },
  },
  {
    label: "13B",
    dir: "llama-2-13b",
    sizeB: 13,
    table: { full: "160GB+", lora: "40GB", qlora: "12GB" },
  },
  {
    label: "30B",
    dir: "llama-30b",
    sizeB: 30,
    table: { full: "400GB+", lora: "80GB", qlora: "24GB" },
  },
  {
    label: "70B",
    dir: "llama-2-70b",
    sizeB: 70,
    table: { full: "1TB+", lora: "200GB", qlora: "48GB" },
  },
] as const;

type Method = "full" | "full-amp" | "lora" | "qlora";

/** Our settings for each column of the seed's table (see docs/memory.md). */
export function seedCaseInput(arch: LlamaArchitecture, method: Method): TrainingMemoryInput {
  const common = { arch, seqLen: 2048, optimizer: "adamw" as const, gradientCheckpointing: false };
  const lora = { kind: "lora" as const, rank: 8, targets: ["q_proj", "v_proj"] };
  switch (method) {
    case "full":
      return {
        ...common,
        method: { kind: "full" },
        baseWeights: "bf16",
        compute: "bf16",
        batch: 1,
      };
    case "full-amp":
      return {
        ...common,
        method: { kind: "full" },
        baseWeights: "fp32",
        compute: "bf16",
        batch: 1,
      };
    case "lora":
      return { ...common, method: lora, baseWeights: "fp16", compute: "fp16", batch: 4 };
    case "qlora":
      return {
        ...common,
        method: lora,
        baseWeights: "nf4",
        doubleQuant: true,
        compute: "bf16",
        batch: 4,
      };
  }
}

export interface SeedRow {
  model: string;
  method: string;
  params: number;
  trainable: number;
  fixedGB: number;
  leanGB: number;
  worstGB: number;
  seedFunctionGB: number;
  seedTable: string;
}

export function seedComparisonRows(): SeedRow[] {
  const rows: SeedRow[] = [];
  for (const m of SEED_MODELS) {
    const json = JSON.parse(
      fs.readFileSync(path.join(ROOT, "test/fixtures/models", m.dir, "config.json"), "utf8"),
    );
    const arch = parseLlamaConfig(json).arch!;
    const methods: [Method, string, "full" | "lora" | "qlora"][] = [
      ["full", "full, bf16 weights+grads (12 B/param)", "full"],
      ["full-amp", "full, fp32 weights+grads, AMP (16 B/param)", "full"],
      ["lora", "LoRA r=8 q,v on fp16", "lora"],
      ["qlora", "QLoRA r=8 q,v on NF4+DQ", "qlora"],
    ];
    for (const [method, label, col] of methods) {
      const input = seedCaseInput(arch, method);
      const worst = estimateTrainingMemory(input);
      const lean = estimateTrainingMemory({
        ...input,
        gradientCheckpointing: true,
        attention: "fused",
      });
      const seedPrecision = col === "qlora" ? "int4" : "fp16";
      rows.push({
        model: m.label,
        method: label,
        params: worst.parameters.total,
        trainable: worst.parameters.trainable,
        fixedGB: worst.fixedBytes / 1e9,
        leanGB: lean.totalBytes / 1e9,
        worstGB: worst.totalBytes / 1e9,
        seedFunctionGB: seedEstimate(m.sizeB, seedPrecision, input.batch, 2048, col !== "full")
          .total,
        seedTable: method === "full-amp" ? "〃" : m.table[col],
      });
    }
  }
  return rows;
}

export function renderSeedComparison(): string {
  const f = (x: number): string => x.toFixed(1);
  const lines = [
    "| model | method | params | trainable | weights+grads+optimizer | ours: GC + fused attention | ours: no GC, materialised attention | seed's function | seed's table |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of seedComparisonRows()) {
    lines.push(
      `| ${r.model} | ${r.method} | ${r.params.toLocaleString("en-US")} | ${r.trainable.toLocaleString("en-US")} | ` +
        `${f(r.fixedGB)} | ${f(r.leanGB)} | ${f(r.worstGB)} | ${f(r.seedFunctionGB)} | ${r.seedTable} |`,
    );
  }
  return lines.join("\n");
}

/**
 * The worked activation example of docs/memory.md: Llama-2-7B, LoRA r=8 on q_proj and v_proj,
 * b=1, s=2048, bf16 activations — what one layer keeps, and the totals of each regime.
 */
export function renderActivationExample(): string {
  const json = JSON.parse(
    fs.readFileSync(path.join(ROOT, "test/fixtures/models/llama-2-7b/config.json"), "utf8"),
  );
  const arch = parseLlamaConfig(json).arch!;
  const input: TrainingMemoryInput = {
    arch,
    method: { kind: "lora", rank: 8, targets: ["q_proj", "v_proj"] },
    baseWeights: "bf16",
    compute: "bf16",
    optimizer: "adamw",
    batch: 1,
    seqLen: 2048,
    gradientCheckpointing: false,
  };
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
  const lines = ["| kept by one layer (materialised attention) | MiB |", "| --- | ---: |"];
  const e = estimateTrainingMemory(input);
  const mib2 = (b: number): string => (b / 2 ** 20).toFixed(2);
  for (const item of e.activations!.layer) lines.push(`| ${item.name} | ${mib2(item.bytes)} |`);
  lines.push(
    `| **one layer** | **${mib2(e.activations!.layer.reduce((n, i) => n + i.bytes, 0))}** |`,
  );
  lines.push(
    "",
    "| regime | layers kept (MiB) | logits etc. (MiB) | workspace (MiB) | activations total (MiB) |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: |");
  for (const [label, gc, attention] of [
    ["no checkpointing, materialised attention", false, "materialized"],
    ["no checkpointing, fused attention", false, "fused"],
    ["checkpointing, materialised attention", true, "materialized"],
    ["checkpointing, fused attention", true, "fused"],
  ] as const) {
    const a = estimateTrainingMemory({
      ...input,
      gradientCheckpointing: gc,
      attention,
    }).activations!;
    const head = a.head.reduce((n, i) => n + i.bytes, 0);
    lines.push(
      `| ${label} | ${mib(a.layersKept)} | ${mib(head)} | ${mib(a.workspace)} | ${mib(a.total)} |`,
    );
  }
  return lines.join("\n");
}

export const DOC_BLOCKS = {
  "seed-table": renderSeedComparison,
  "activation-example": renderActivationExample,
} as const;

/** The text between `<!-- name:begin -->` and `<!-- name:end -->` in a document. */
export function docBlock(doc: string, name: string): string | undefined {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
  return m?.[1].replace(/\n$/, "");
}

/** Rewrites the generated blocks of docs/memory.md. */
export function writeDocBlocks(file = path.join(ROOT, "docs/memory.md")): void {
  let doc = fs.readFileSync(file, "utf8");
  for (const [name, render] of Object.entries(DOC_BLOCKS)) {
    const re = new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    doc = doc.replace(re, (_m, a: string, b: string) => `${a}${render()}\n${b}`);
  }
  fs.writeFileSync(file, doc);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  if (process.argv.includes("--write")) {
    writeDocBlocks();
  } else {
    console.log(renderSeedComparison());
    console.log();
    console.log(renderActivationExample());
  }
}
