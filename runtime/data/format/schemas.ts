/**
 * JSON Schemas of the row formats (draft-07, checked with ajv). Exported so the compiler can
 * validate the first rows of a dataset at compile time; `validateRow` turns ajv's errors into
 * one-line messages that name the field.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { DatasetFormat } from "./record.js";

export const SHAREGPT_ROLES = ["human", "gpt", "system", "user", "assistant"] as const;

export const ALPACA_SCHEMA = {
  $id: "pipewright/dataset/alpaca",
  title: "Alpaca row",
  type: "object",
  required: ["instruction", "output"],
  properties: {
    instruction: { type: "string" },
    input: { type: ["string", "null"] },
    output: { type: "string" },
  },
} as const;

export const SHAREGPT_SCHEMA = {
  $id: "pipewright/dataset/sharegpt",
  title: "ShareGPT row",
  type: "object",
  required: ["conversations"],
  properties: {
    conversations: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["from", "value"],
        properties: {
          from: { enum: [...SHAREGPT_ROLES] },
          value: { type: "string" },
        },
      },
    },
    system: { type: ["string", "null"] },
  },
} as const;

export const PREFERENCE_SCHEMA = {
  $id: "pipewright/dataset/preference",
  title: "Preference row",
  type: "object",
  required: ["chosen", "rejected"],
  anyOf: [{ required: ["prompt"] }, { required: ["instruction"] }],
  properties: {
    prompt: { type: "string" },
    instruction: { type: "string" },
    input: { type: ["string", "null"] },
    chosen: { type: "string" },
    rejected: { type: "string" },
  },
} as const;

export const TEXT_SCHEMA = {
  $id: "pipewright/dataset/text",
  title: "Plain-text row",
  type: "object",
  required: ["text"],
  properties: { text: { type: "string" } },
} as const;

export const DATASET_SCHEMAS: Record<DatasetFormat, object> = {
  alpaca: ALPACA_SCHEMA,
  sharegpt: SHAREGPT_SCHEMA,
  preference: PREFERENCE_SCHEMA,
  text: TEXT_SCHEMA,
};

let ajv: Ajv | undefined;
const compiled = new Map<DatasetFormat, ValidateFunction>();

function validatorFor(format: DatasetFormat): ValidateFunction {
  let v = compiled.get(format);
  if (!v) {
    // strictRequired would reject `anyOf: [{ required: ["prompt"] }]` for naming a property
    // declared at the top level; everything else stays strict.
    ajv ??= new Ajv({ allErrors: true, strict: true, strictRequired: false });
    v = ajv.compile(DATASET_SCHEMAS[format]);
    compiled.set(format, v);
  }
  return v;
}

export interface RowProblem {
  /** `missing_field` or `invalid_field`. */
  reason: "missing_field" | "invalid_field";
  message: string;
}

function fieldPath(instancePath: string): string {
  // "/conversations/2/from" → "conversations[2].from"
  return instancePath
    .split("/")
    .filter(Boolean)
    .map((seg, k) => (/^\d+$/.test(seg) ? `[${seg}]` : k === 0 ? seg : `.${seg}`))
    .join("");
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let v: unknown = root;
  for (const seg of instancePath.split("/").filter(Boolean)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

function describe(err: ErrorObject, root: unknown): RowProblem | undefined {
  const at = fieldPath(err.instancePath);
  const prefix = at ? `\`${at}\` ` : "";
  switch (err.keyword) {
    case "required": {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      const full = at ? `${at}.${missing}` : missing;
      return { reason: "missing_field", message: `missing field \`${full}\`` };
    }
    case "type":
      if (!at)
        return {
          reason: "invalid_field",
          message: `row must be a JSON object, got ${typeName(root)}`,
        };
      return {
        reason: "invalid_field",
        message: `${prefix}must be ${(err.params as { type: string | string[] }).type.toString().replace(",", " or ")}, got ${typeName(valueAt(root, err.instancePath))}`,
      };
    case "enum":
      return {
        reason: "invalid_field",
        message: `${prefix}must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(", ")}; got ${JSON.stringify(valueAt(root, err.instancePath))}`,
      };
    case "minItems":
      return { reason: "invalid_field", message: `${prefix}must not be empty` };
    default:
      return { reason: "invalid_field", message: `${prefix}${err.message ?? "is invalid"}` };
  }
}

/** Problems of one row against its format's schema; empty when the row is valid. */
export function validateRow(format: DatasetFormat, value: unknown): RowProblem[] {
  const validate = validatorFor(format);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const problems: RowProblem[] = [];
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  for (const err of errors) {
    if (err.keyword === "anyOf") {
      problems.push({
        reason: "missing_field",
        message: "missing field `prompt` (or `instruction`)",
      });
      continue;
    }
    // The branches of an anyOf report their own `required` errors; the anyOf line says it once.
    if (
      err.keyword === "required" &&
      anyOfAt.has(err.instancePath) &&
      err.schemaPath.includes("anyOf")
    )
      continue;
    const p = describe(err, value);
    if (p && !problems.some((q) => q.message === p.message)) problems.push(p);
  }
  return problems;
}
