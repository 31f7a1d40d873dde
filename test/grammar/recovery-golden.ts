/**
 * The recovery corpus (`test/fixtures/grammar/recovery.json`): syntax-error inputs and what `parse` returned
 * for them, in a compact form (spans as `[start, end]`, keys in the order the parser writes
 * them). Recorded from the CST parser + AST builder that the embedded-actions parser replaced,
 * so it pins down its recovery behaviour: partial nodes, placeholders and their anchors,
 * `recovered` marks, and the diagnostics with their order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ParseResult } from "../../grammar/parse.js";

export const RECOVERY_CORPUS = join(import.meta.dirname, "../fixtures/grammar/recovery.json");

export interface RecoveryCase {
  text: string;
  expected: unknown;
}

export function readRecoveryCorpus(): RecoveryCase[] {
  return JSON.parse(readFileSync(RECOVERY_CORPUS, "utf8")) as RecoveryCase[];
}

/** The parse result with every span as `[start, end]` (the file name is the same everywhere). */
export function compactParse(result: ParseResult): unknown {
  return {
    ast: compact(result.ast),
    diagnostics: result.diagnostics.map((d) => compact(d)),
  };
}

function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (key === "span" || key === "keywordSpan") {
      const span = v as { start: number; end: number };
      out[key] = [span.start, span.end];
    } else out[key] = compact(v);
  }
  return out;
}
