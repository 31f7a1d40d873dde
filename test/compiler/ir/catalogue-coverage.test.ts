/**
 * The catalogue says what a file may write; the IR schema says what the runtime receives.
 * This test fails when a catalogue setting (at any depth) has no home in the IR — a new
 * setting must be carried to the runtime, or be listed here with the reason it is not.
 */
import { describe, expect, it } from "vitest";
import { EXPORT_BLOCK, PIPELINE_BLOCK, SOURCES } from "../../../compiler/settings/catalogue.js";
import type { BlockSpec, Spec } from "../../../compiler/settings/spec.js";
import { irJsonSchema, type IrOp } from "../../../compiler/ir/schema.js";

type JsonSchema = Record<string, unknown>;
const ROOT = irJsonSchema() as JsonSchema & { $defs: Record<string, JsonSchema> };
const DEFS = new Map(Object.values(ROOT.$defs).map((d) => [d.$id as string, d]));

/** Property schemas of an object schema, through `$ref`, `oneOf` and `anyOf`. */
function propertiesOf(schema: JsonSchema | undefined): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  if (!schema) return out;
  if (typeof schema.$ref === "string") return propertiesOf(DEFS.get(schema.$ref));
  for (const key of ["oneOf", "anyOf"] as const) {
    for (const branch of (schema[key] as JsonSchema[] | undefined) ?? []) {
      for (const [k, v] of propertiesOf(branch)) if (!out.has(k)) out.set(k, v);
    }
  }
  if (schema.type === "array") return propertiesOf(schema.items as JsonSchema);
  for (const [k, v] of Object.entries((schema.properties as Record<string, JsonSchema>) ?? {})) {
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

function settingsSchema(op: IrOp): JsonSchema {
  const nodes = (ROOT.properties as { nodes: { items: { oneOf: JsonSchema[] } } }).nodes.items
    .oneOf;
  const n = nodes.find((x) => (x.properties as { op: { const: string } }).op.const === op)!;
  return (n.properties as { settings: JsonSchema }).settings;
}

/** Nested blocks of a spec (a block, the variants of a variant, options of an anyOf). */
function nestedBlocks(spec: Spec): BlockSpec[] {
  switch (spec.kind) {
    case "block":
      return [spec.block];
    case "variant":
      return Object.values(spec.variants);
    case "anyOf":
      return spec.options.flatMap(nestedBlocks);
    case "list":
      return nestedBlocks(spec.item);
    default:
      return [];
  }
}

/** Every field of `block` (recursively) is a property of `schema`; returns what is missing. */
function missingFields(
  block: BlockSpec,
  schema: JsonSchema,
  where: string,
  skip: Set<string>,
): string[] {
  const props = propertiesOf(schema);
  const missing: string[] = [];
  for (const [name, field] of Object.entries(block.fields)) {
    if (skip.has(`${where}.${name}`)) continue;
    const target = props.get(name);
    if (!target) {
      missing.push(`${where}.${name}`);
      continue;
    }
    for (const nested of nestedBlocks(field.spec)) {
      missing.push(...missingFields(nested, target, `${where}.${name}`, skip));
    }
  }
  return missing;
}

/** Where each source's settings land: the ops it lowers to. */
const SOURCE_OPS: Record<string, IrOp[]> = {
  alpaca: ["load-dataset", "tokenize"],
  sharegpt: ["load-dataset", "tokenize"],
  preference: ["load-dataset", "tokenize"],
  text: ["load-dataset", "tokenize"],
  yolo: ["load-dataset"],
  voc: ["load-dataset"],
  llama: ["init-model"],
  yolo_detector: ["init-model"],
  lora: ["attach-adapter"],
  ia3: ["attach-adapter"],
  prompt_tuning: ["attach-adapter"],
  prefix_tuning: ["attach-adapter"],
  bottleneck: ["attach-adapter"],
  sft: ["train"],
  pretrain: ["train"],
  detect_train: ["detect-train"],
  distill: ["distill"],
  teacher_answers: ["teacher-generate", "train"],
  eval: ["evaluate"],
  generate: ["generate"],
  detect: ["detect"],
  inspect: ["inspect"],
};

/** Settings that become a node of their own (checked against that node's settings). */
const OWN_NODE: Record<string, IrOp> = {
  generate: "generate-data",
  clean: "clean",
  split: "split",
  write: "export",
};

/** Settings that are not carried as a property of the same name, and why. */
const ELSEWHERE: Record<string, string> = {
  "dataset.sample_rows": "compile time only: rows the compiler reads to check the data",
  "llama.tokenizer": "a train-tokenizer node (bpe/char) or the tokenizer input",
  "llama.tokenizer.train_on": "the train-tokenizer node's `data` input",
  "lora.quantize_base": "the quantize node exists (quantized_base on attach-adapter)",
  "lora.double_quant": "quantize.double_quant",
  "lora.quant_block": "quantize.block",
  "teacher_answers.student": "the train node's `model` input",
};

/** Llama architecture settings live in `config`. */
const LLAMA_CONFIG = new Set([
  "vocab_size",
  "hidden_size",
  "intermediate_size",
  "num_hidden_layers",
  "num_attention_heads",
  "num_key_value_heads",
  "head_dim",
  "max_position_embeddings",
  "rope_theta",
  "rms_norm_eps",
  "tie_word_embeddings",
]);

describe("every catalogue setting reaches the IR", () => {
  it.each(SOURCES.map((s) => [s.name, s] as const))("%s", (name, source) => {
    const ops = SOURCE_OPS[name];
    expect(ops, `add ${name} to SOURCE_OPS`).toBeDefined();
    const skip = new Set(Object.keys(ELSEWHERE).map((k) => k.replace(/^dataset\./, `${name}.`)));
    const missing: string[] = [];
    for (const [field, spec] of Object.entries(source.body.fields)) {
      const key = `${name}.${field}`;
      if (ELSEWHERE[key] || ELSEWHERE[`${source.stageKind}.${field}`]) {
        // Still check what is inside it (e.g. the bpe tokenizer's vocab_size).
        if (field === "tokenizer") {
          const t = nestedBlocks(spec.spec).flatMap((b) =>
            missingFields(b, settingsSchema("train-tokenizer"), key, skip),
          );
          missing.push(...t);
        }
        continue;
      }
      if (OWN_NODE[field]) {
        const schema = settingsSchema(OWN_NODE[field]);
        for (const b of nestedBlocks(spec.spec))
          missing.push(...missingFields(b, schema, key, skip));
        continue;
      }
      if (name === "llama" && LLAMA_CONFIG.has(field)) {
        const config = propertiesOf(settingsSchema("init-model")).get("config");
        const loadConfig = propertiesOf(settingsSchema("load-model")).get("config");
        if (!propertiesOf(config).has(field) || !propertiesOf(loadConfig).has(field))
          missing.push(key);
        continue;
      }
      const holder = ops.map(settingsSchema).find((s) => propertiesOf(s).has(field));
      if (!holder) {
        missing.push(key);
        continue;
      }
      const target = propertiesOf(holder).get(field)!;
      for (const b of nestedBlocks(spec.spec)) missing.push(...missingFields(b, target, key, skip));
    }
    expect(missing).toEqual([]);
  });

  it("the pipeline block and export options", () => {
    const pipeline = (ROOT.properties as { pipeline: JsonSchema }).pipeline;
    const settings = propertiesOf(pipeline).get("settings")!;
    expect(missingFields(PIPELINE_BLOCK, settings, "pipeline", new Set())).toEqual([]);
    expect(missingFields(EXPORT_BLOCK, settingsSchema("export"), "export", new Set())).toEqual([]);
  });

  it("the quantize node carries the NF4 settings of lora", () => {
    expect([...propertiesOf(settingsSchema("quantize")).keys()]).toEqual([
      "format",
      "block",
      "double_quant",
    ]);
  });
});
