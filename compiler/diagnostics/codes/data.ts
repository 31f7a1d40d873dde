import type { DiagnosticEntry } from "./entry.js";

export const DATA_CODES = [] as const satisfies readonly DiagnosticEntry[];
