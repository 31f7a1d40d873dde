import type { DiagnosticEntry } from "./entry.js";

export const WORLD_CODES = [] as const satisfies readonly DiagnosticEntry[];
