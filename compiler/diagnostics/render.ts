/**
 * Renders diagnostics rustc-style:
 *
 *   error[PW1011]: expected `:` after `rank`
 *     --> examples/qlora.pipe:12:5
 *      |
 *   12 |     rank 16
 *      |     ^^^^ write `rank: value`
 *      = hint: ...
 *
 * and as JSON for tools. Colour is the caller's choice (the CLI decides from the TTY/NO_COLOR).
 */
import type { Diagnostic, Severity } from "./diagnostic.js";
import { LineIndex } from "./source-map.js";

export interface RenderOptions {
  color?: boolean;
}

const COLORS: Record<Severity | "gutter" | "bold" | "reset", string> = {
  error: "\x1b[1;31m",
  warning: "\x1b[1;33m",
  info: "\x1b[1;36m",
  hint: "\x1b[1;32m",
  gutter: "\x1b[1;34m",
  bold: "\x1b[1m",
  reset: "\x1b[0m",
};

/** Source texts by file name, so diagnostics from several files render with their excerpts. */
export type SourceLookup = (file: string) => string | undefined;

/** The line index of the last text rendered: many diagnostics of one file share it. */
let cachedIndex: LineIndex | undefined;
function lineIndexFor(text: string): LineIndex {
  if (cachedIndex?.text !== text) cachedIndex = new LineIndex(text);
  return cachedIndex;
}

export function renderDiagnostic(
  d: Diagnostic,
  sources: SourceLookup,
  options: RenderOptions = {},
): string {
  const c = (kind: keyof typeof COLORS, s: string) =>
    options.color ? `${COLORS[kind]}${s}${COLORS.reset}` : s;
  const text = sources(d.span.file);
  const header = `${c(d.severity, `${d.severity}[${d.code}]`)}${c("bold", `: ${d.message}`)}`;
  if (text === undefined) {
    const lines = [header, `  --> ${d.span.file}`];
    if (d.hint) lines.push(`  = hint: ${d.hint}`);
    return lines.join("\n");
  }
  const index = lineIndexFor(text);
  const start = index.position(d.span.start);
  const end = index.position(Math.max(d.span.start, d.span.end));
  const gutterWidth = String(end.line).length;
  const pad = " ".repeat(gutterWidth);
  const out = [
    header,
    `${pad}${c("gutter", "-->")} ${d.span.file}:${start.line}:${start.column}`,
    `${pad} ${c("gutter", "|")}`,
  ];
  const lastLine = Math.min(end.line, start.line + 3);
  for (let line = start.line; line <= lastLine; line++) {
    const source = index.lineText(line).replace(/\t/g, " ");
    out.push(`${c("gutter", String(line).padStart(gutterWidth))} ${c("gutter", "|")} ${source}`);
    const from = line === start.line ? start.column - 1 : source.length - source.trimStart().length;
    const to = line === end.line ? end.column - 1 : source.length;
    const width = Math.max(1, to - from);
    const label = line === lastLine && d.lint ? ` ${d.lint}` : "";
    out.push(
      `${pad} ${c("gutter", "|")} ${" ".repeat(Math.max(0, from))}${c(d.severity, "^".repeat(width) + label)}`,
    );
  }
  if (end.line > lastLine) out.push(`${pad} ${c("gutter", "|")} ...`);
  for (const r of d.related ?? []) {
    const rText = sources(r.span.file);
    const where =
      rText === undefined
        ? r.span.file
        : `${r.span.file}:${posString(lineIndexFor(rText), r.span.start)}`;
    out.push(`${pad} ${c("gutter", "=")} note: ${r.message} (${where})`);
  }
  if (d.hint) out.push(`${pad} ${c("gutter", "=")} hint: ${d.hint}`);
  return out.join("\n");
}

function posString(index: LineIndex, offset: number): string {
  const p = index.position(offset);
  return `${p.line}:${p.column}`;
}

/** A JSON-friendly form: spans also carry line/column (1-based) for tools. */
export function diagnosticToJson(d: Diagnostic, sources: SourceLookup) {
  const text = sources(d.span.file);
  const index = text === undefined ? undefined : lineIndexFor(text);
  const pos = (o: number) => (index ? index.position(o) : undefined);
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.lint ? { lint: d.lint } : {}),
    file: d.span.file,
    start: { offset: d.span.start, ...pos(d.span.start) },
    end: { offset: d.span.end, ...pos(d.span.end) },
    related: (d.related ?? []).map((r) => ({
      message: r.message,
      file: r.span.file,
      start: r.span.start,
      end: r.span.end,
    })),
  };
}

export function summaryLine(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.length ? parts.join(", ") : "no problems";
}
