/**
 * A finding of a real-world check (a model directory, a tokenizer, adapter targets). It has a
 * registered code and a default severity; it names the file it is about, but not a place in
 * the `.pipe` text: the semantic checker that called us adds the span of the setting it
 * checked (e.g. the `targets:` list) and turns the issue into a Diagnostic.
 */
import type { Severity } from "../diagnostics/diagnostic.js";
import { PipeError } from "../diagnostics/pipe-error.js";

export interface WorldIssue {
  code: string;
  severity: Severity;
  message: string;
  hint?: string;
  /** The file the finding is about (config.json, a shard, tokenizer.json), when there is one. */
  path?: string;
  /** The tensor, module or target the finding is about, when there is one. */
  subject?: string;
}

export function issueFromPipeError(err: PipeError, severity: Severity = "error"): WorldIssue {
  return {
    code: err.code,
    severity,
    message: err.message,
    ...(err.hint !== undefined ? { hint: err.hint } : {}),
    ...(err.place.path !== undefined ? { path: err.place.path } : {}),
  };
}

/** Runs `body`; a PipeError becomes an issue in `issues` and the result is undefined. */
export function collectPipeError<T>(issues: WorldIssue[], body: () => T): T | undefined {
  try {
    return body();
  } catch (err) {
    if (err instanceof PipeError) {
      issues.push(issueFromPipeError(err));
      return undefined;
    }
    throw err;
  }
}
