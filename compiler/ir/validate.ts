/**
 * Validation of IR against its JSON Schema with ajv. The compiler validates what it emits
 * (a failure there is a compiler bug); the runtime validates what it loads with the same
 * schema (runtime/ir/load-ir.ts).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { irJsonSchema, type PipelineIr } from "./schema.js";

export interface IrValidationError {
  /** JSON pointer into the IR: `/nodes/3/settings/rank`. */
  path: string;
  message: string;
}

export type IrValidation =
  { ok: true; ir: PipelineIr } | { ok: false; errors: IrValidationError[] };

/**
 * Compiles a validator for an IR JSON Schema (the TypeBox one, or schema.json as read).
 * `discriminator` makes a bad node report the errors of its own operation only; ajv's code
 * optimiser is off because it tripled compile time (~1.2 s → ~0.4 s CPU) for no measurable
 * gain on graphs of tens of nodes.
 */
export function compileIrValidator(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    discriminator: true,
    code: { optimize: false },
  });
  return ajv.compile(schema);
}

let validator: ValidateFunction | undefined;

export function validateIr(value: unknown): IrValidation {
  validator ??= compileIrValidator(irJsonSchema());
  return runValidator(validator, value);
}

export function runValidator(validate: ValidateFunction, value: unknown): IrValidation {
  if (validate(value)) return { ok: true, ir: value as PipelineIr };
  return { ok: false, errors: simplifyErrors(validate.errors ?? []) };
}

/**
 * ajv reports every branch of every union that failed; keep the errors of the deepest paths
 * (the branch that got furthest is the one that was meant), without duplicates.
 */
export function simplifyErrors(errors: readonly ErrorObject[]): IrValidationError[] {
  const depth = (e: ErrorObject) => e.instancePath.split("/").length;
  const deepest = Math.max(0, ...errors.map(depth));
  const seen = new Set<string>();
  const out: IrValidationError[] = [];
  for (const e of errors) {
    if (e.keyword === "anyOf" && errors.length > 1) continue;
    if (depth(e) < deepest - 1) continue;
    const extra =
      e.keyword === "additionalProperties"
        ? ` (\`${(e.params as { additionalProperty: string }).additionalProperty}\`)`
        : e.keyword === "const"
          ? ` (${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)})`
          : "";
    const message = `${e.message ?? e.keyword}${extra}`;
    const key = `${e.instancePath}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: e.instancePath || "/", message });
  }
  return out;
}

/** A compiler-side check: throws (an internal error, a bug) when emitted IR is invalid. */
export function assertValidIr(value: unknown): PipelineIr {
  const result = validateIr(value);
  if (result.ok) return result.ir;
  const lines = result.errors.slice(0, 10).map((e) => `  ${e.path}: ${e.message}`);
  throw new Error(`the compiler produced IR that its own schema rejects:\n${lines.join("\n")}`);
}
