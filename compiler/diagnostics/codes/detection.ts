import type { DiagnosticEntry } from "./entry.js";

export const DETECTION_CODES = [] as const satisfies readonly DiagnosticEntry[];
