/**
 * The diagnostic model shared by the grammar, the compiler, the runtime's data readers and the
 * CLI. Library code returns diagnostics; only cli/ renders them for a terminal.
 */

export type Severity = "error" | "warning" | "info" | "hint";

/** A region of a source file: byte offsets into the text, end-exclusive. */
export interface Span {
  file: string;
  start: number;
  end: number;
}

export interface RelatedInformation {
  span: Span;
  message: string;
}

export interface Diagnostic {
  /** Stable code from the registry, e.g. "PW1001". */
  code: string;
  severity: Severity;
  /** The tight subject of the diagnostic. */
  span: Span;
  /** One line: what is wrong. */
  message: string;
  /** What to do about it: "did you mean `rank`?". */
  hint?: string;
  related?: RelatedInformation[];
  /** For lints: the kebab-case lint name the user can configure. */
  lint?: string;
}

/**
 * A problem located in a data file rather than in `.pipe` text: a JSONL row, a label file,
 * an image. `line` is 1-based when known; `path` is always set.
 */
export interface DataIssue {
  code: string;
  path: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
