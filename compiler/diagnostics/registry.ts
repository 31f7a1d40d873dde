/**
 * The one catalogue of diagnostic codes, assembled from the per-area tables in ./codes.
 * Add a code by adding a row to the right table; never reuse or renumber a released code.
 */
import type { DiagnosticEntry } from "./codes/entry.js";
import { SYNTAX_CODES } from "./codes/syntax.js";
import { SEMANTIC_CODES } from "./codes/semantic.js";
import { WORLD_CODES } from "./codes/world.js";
import { MEMORY_CODES } from "./codes/memory.js";
import { LINT_CODES } from "./codes/lints.js";
import { DATA_CODES } from "./codes/data.js";
import { DETECTION_CODES } from "./codes/detection.js";
import { RUNTIME_CODES } from "./codes/runtime.js";

export type { DiagnosticEntry } from "./codes/entry.js";

export const ALL_DIAGNOSTICS: readonly DiagnosticEntry[] = [
  ...SYNTAX_CODES,
  ...SEMANTIC_CODES,
  ...WORLD_CODES,
  ...MEMORY_CODES,
  ...LINT_CODES,
  ...DATA_CODES,
  ...DETECTION_CODES,
  ...RUNTIME_CODES,
];

const byCode = new Map(ALL_DIAGNOSTICS.map((e) => [e.code, e]));
const byName = new Map(ALL_DIAGNOSTICS.map((e) => [e.name, e]));

export function diagnosticEntry(code: string): DiagnosticEntry {
  const entry = byCode.get(code);
  if (!entry) throw new Error(`internal: diagnostic code ${code} is not registered`);
  return entry;
}

export function diagnosticByName(name: string): DiagnosticEntry | undefined {
  return byName.get(name);
}
