/**
 * Row validation against the format schemas (row-schemas.ts), with validators precompiled by
 * ajv (row-validators.generated.ts). `validateRow` turns ajv's errors into one-line messages
 * that name the field.
 */
import type { ErrorObject } from "ajv";
import type { DatasetFormat } from "./record.js";
import * as ROW_VALIDATORS from "./row-validators.generated.js";

export {
  ALPACA_SCHEMA,
  DATASET_SCHEMAS,
  PREFERENCE_SCHEMA,
  SHAREGPT_ROLES,
  SHAREGPT_SCHEMA,
  TEXT_SCHEMA,
} from "./row-schemas.js";

/** An ajv validate function as compiled into row-validators.generated.ts. */
interface RowValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function validatorFor(format: DatasetFormat): RowValidator {
  return (ROW_VALIDATORS as Record<DatasetFormat, RowValidator>)[format];
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
