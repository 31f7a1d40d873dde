/**
 * Shared helpers for building tokenizer components from tokenizer.json: a typed view of a JSON
 * object and the "unsupported component" error.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export type Json = Record<string, unknown>;

export function asObject(v: unknown, what: string, path: string): Json {
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    throw new PipeError("PW6501", `${what} must be an object`, { path });
  }
  return v as Json;
}

export function unsupported(
  kind: string,
  type: unknown,
  path: string,
  supported: readonly string[],
): PipeError {
  return new PipeError(
    "PW6502",
    `${kind} type ${JSON.stringify(type)} is not supported`,
    { path },
    `supported ${kind} types: ${supported.join(", ")}`,
  );
}
