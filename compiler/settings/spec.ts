/**
 * The vocabulary for describing what a block accepts: every setting's type, unit, range,
 * default and documentation. The stage catalogue (catalogue.ts) is written in it, the checker
 * (check-block.ts) enforces it, `pipe explain` and docs/settings.md print it.
 */
import type { UnitKind } from "./units.js";

/** What a stage (or one of its named outputs) produces, for checking references. */
export type OutputType =
  | "data" // instruction/chat/preference records (a dataset or one split of it)
  | "text-data" // plain text for pre-training or tokenizer training
  | "detection-data" // a YOLO dataset split
  | "class-names"
  | "model" // a language model (loaded or declared)
  | "adapter" // a model with an attached adapter, not yet trained
  | "trained-model" // the result of training or distillation
  | "detector" // a detection model (declared)
  | "trained-detector"
  | "detections"
  | "inspection"
  | "evaluation"
  | "generations";

const OUTPUT_TYPE_NAMES: Record<OutputType, string> = {
  data: "a dataset",
  "text-data": "a text dataset",
  "detection-data": "a detection dataset",
  "class-names": "a list of class names",
  model: "a model",
  adapter: "an adapter",
  "trained-model": "a trained model",
  detector: "a detector",
  "trained-detector": "a trained detector",
  detections: "detections",
  inspection: "an inspection",
  evaluation: "an evaluation",
  generations: "generations",
};

/** "a dataset", "a trained model": how people name what a stage produces. */
export function describeOutputType(type: OutputType): string {
  return OUTPUT_TYPE_NAMES[type];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Spec =
  | {
      kind: "number";
      integer?: boolean;
      min?: number;
      max?: number;
      /** Bounds that the value may not equal. */
      minExclusive?: boolean;
      maxExclusive?: boolean;
      /** A unit the value may (or must) carry; the value is converted to the kind's base. */
      unit?: UnitKind;
      unitRequired?: boolean;
    }
  | { kind: "fraction" }
  | { kind: "string" }
  | { kind: "path" }
  | { kind: "boolean" }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "identifier" }
  | { kind: "field" }
  | { kind: "list"; item: Spec; minItems?: number }
  | { kind: "range"; item: Spec }
  | { kind: "ref"; accepts: readonly OutputType[] }
  | { kind: "block"; block: BlockSpec }
  | { kind: "variant"; variants: Readonly<Record<string, BlockSpec>> }
  | { kind: "map"; value: Spec; keyKind?: "class" | "outcome" | "lint" | "free" }
  | { kind: "anyOf"; options: readonly Spec[]; describe: string };

export interface Field {
  spec: Spec;
  doc: string;
  default?: Json;
  required?: boolean;
  /** May appear more than once (`dedupe: instruction` and `dedupe: near {...}`). */
  repeatable?: boolean;
}

export interface BlockSpec {
  fields: Readonly<Record<string, Field>>;
  /** `require …` entries allowed here: data rules or metric gates. */
  requirements?: "data" | "metric";
  /** `OUTCOME when …` rules allowed here, with these outcomes. */
  rules?: readonly string[];
  /** Keys not in `fields` are allowed and hold values of this spec (split names). */
  otherKeys?: { spec: Spec; doc: string };
  /** Pairs of settings that may not both be set. */
  exclusive?: readonly (readonly [string, string])[];
  doc?: string;
}

export interface ArgumentSpec {
  name: string;
  spec: Spec;
  doc: string;
  required?: boolean;
}

/** A stage source: `alpaca("x.jsonl")`, `lora(base)`, `llama` (inline). */
export interface SourceSpec {
  stageKind: string;
  name: string;
  doc: string;
  /** Positional arguments in order; each may also be passed by name. */
  args: readonly ArgumentSpec[];
  /** Written without parentheses (`llama { … }`) as an inline declaration. */
  inline?: "allowed" | "only";
  body: BlockSpec;
  produces: OutputType;
  /** Named outputs (`sft.train`); computed from the resolved settings. */
  outputs?: (settings: Record<string, Json>) => Record<string, OutputType>;
}

// Small constructors keep the catalogue readable.
export const int = (min?: number, max?: number): Spec => ({
  kind: "number",
  integer: true,
  min,
  max,
});
export const num = (
  min?: number,
  max?: number,
  extra: Partial<Extract<Spec, { kind: "number" }>> = {},
): Spec => ({
  kind: "number",
  min,
  max,
  ...extra,
});
export const positive: Spec = { kind: "number", min: 0, minExclusive: true };
export const fraction: Spec = { kind: "fraction" };
export const memory: Spec = { kind: "number", min: 0, unit: "memory", unitRequired: true };
export const duration: Spec = { kind: "number", min: 0, unit: "duration", unitRequired: true };
export const str: Spec = { kind: "string" };
export const path: Spec = { kind: "path" };
export const bool: Spec = { kind: "boolean" };
export const oneOf = (...values: string[]): Spec => ({ kind: "enum", values });
export const listOf = (item: Spec, minItems?: number): Spec => ({ kind: "list", item, minItems });
export const ref = (...accepts: OutputType[]): Spec => ({ kind: "ref", accepts });
export const block = (fields: Record<string, Field>, extra: Partial<BlockSpec> = {}): Spec => ({
  kind: "block",
  block: { fields, ...extra },
});
export const variant = (variants: Record<string, BlockSpec>): Spec => ({
  kind: "variant",
  variants,
});
export const anyOf = (describe: string, ...options: Spec[]): Spec => ({
  kind: "anyOf",
  options,
  describe,
});

export function field(spec: Spec, doc: string, options: Omit<Field, "spec" | "doc"> = {}): Field {
  return { spec, doc, ...options };
}
