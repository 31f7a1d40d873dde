import type { DiagnosticEntry } from "./entry.js";

export const MEMORY_CODES = [] as const satisfies readonly DiagnosticEntry[];
