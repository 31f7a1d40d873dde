import type { DiagnosticEntry } from "./entry.js";

export const LINT_CODES = [] as const satisfies readonly DiagnosticEntry[];
