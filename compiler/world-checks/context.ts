/**
 * What every real-world check shares: the analysed pipeline, where relative paths resolve,
 * the diagnostic sink, and the conversion of a WorldIssue (which names a file, not a place in
 * the `.pipe` text) into a Diagnostic at the span of the setting that was checked.
 */
import * as path from "node:path";
import type { Diagnostic, RelatedInformation, Severity, Span } from "../diagnostics/diagnostic.js";
import type { AnalyzedPipeline } from "../semantic/analyze.js";
import type { WorldIssue } from "../world/world-issue.js";

export interface WorldContext {
  pipeline: AnalyzedPipeline;
  /** Absolute directory that relative paths in the file resolve against. */
  baseDir: string;
  report(d: Diagnostic): void;
}

/** An absolute path for a path written in the file (relative ones from `baseDir`). */
export function resolvePath(ctx: WorldContext, written: string): string {
  return path.resolve(ctx.baseDir, written);
}

/**
 * The path as people read it in a message: relative to the base dir (`data/a.jsonl`,
 * `../models/x`), or absolute when it is far outside it.
 */
export function displayPath(ctx: WorldContext, absolute: string): string {
  const rel = path.relative(ctx.baseDir, absolute);
  if (rel === "") return ".";
  if (path.isAbsolute(rel)) return absolute;
  const ups = rel.split(path.sep).filter((p) => p === "..").length;
  return ups > 2 ? absolute : rel;
}

/** Node's way of saying a path string cannot name a file (a NUL byte). */
export function isUsablePath(p: string): boolean {
  return p.length > 0 && !p.includes("\0");
}

export function diagnostic(
  code: string,
  severity: Severity,
  span: Span,
  message: string,
  hint?: string,
  related?: RelatedInformation[],
): Diagnostic {
  return {
    code,
    severity,
    span,
    message,
    ...(hint ? { hint } : {}),
    ...(related && related.length ? { related } : {}),
  };
}

/** A WorldIssue as a Diagnostic at `span`; absolute paths in its text are shown relative. */
export function fromIssue(
  ctx: WorldContext,
  issue: WorldIssue,
  span: Span,
  options: { severity?: Severity; related?: RelatedInformation[] } = {},
): Diagnostic {
  const tidy = (s: string): string => tidyPaths(ctx, s);
  return diagnostic(
    issue.code,
    options.severity ?? issue.severity,
    span,
    tidy(issue.message),
    issue.hint === undefined ? undefined : tidy(issue.hint),
    options.related,
  );
}

/** Shows every absolute path in a message (from a file-level check) as `displayPath` does. */
export function tidyPaths(ctx: WorldContext, text: string): string {
  if (path.sep !== "/") return text;
  return text.replace(/(^|[\s(`'"])(\/[^\s:,;()`'"]+)/g, (_, before: string, p: string) => {
    const trailing = /[.]+$/.exec(p)?.[0] ?? "";
    const bare = trailing ? p.slice(0, -trailing.length) : p;
    return before + displayPath(ctx, bare) + trailing;
  });
}
