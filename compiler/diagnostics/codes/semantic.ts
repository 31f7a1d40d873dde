import type { DiagnosticEntry } from "./entry.js";

export const SEMANTIC_CODES = [] as const satisfies readonly DiagnosticEntry[];
