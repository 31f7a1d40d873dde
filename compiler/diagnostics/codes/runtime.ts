import type { DiagnosticEntry } from "./entry.js";

export const RUNTIME_CODES = [] as const satisfies readonly DiagnosticEntry[];
