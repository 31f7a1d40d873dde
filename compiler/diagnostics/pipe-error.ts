/**
 * The error type for user mistakes found at run time (a missing file, a corrupt checkpoint,
 * a bad model directory). The CLI prints it as a diagnostic — code, place, message, hint —
 * without a stack trace. Anything else that is thrown is an internal error (a bug).
 */
export interface ErrorPlace {
  /** File path the problem is in. */
  path?: string;
  line?: number;
  column?: number;
  /** Row number in a data file (1-based), when not the same as `line`. */
  row?: number;
}

export class PipeError extends Error {
  readonly code: string;
  readonly place: ErrorPlace;
  readonly hint?: string;

  constructor(code: string, message: string, place: ErrorPlace = {}, hint?: string) {
    super(message);
    this.name = "PipeError";
    this.code = code;
    this.place = place;
    this.hint = hint;
  }

  /** "path:line:col" or "path (row 12)" or "" — the place as a user reads it. */
  where(): string {
    const { path, line, column, row } = this.place;
    if (!path) return "";
    if (line !== undefined) return `${path}:${line}${column !== undefined ? `:${column}` : ""}`;
    if (row !== undefined) return `${path} (row ${row})`;
    return path;
  }
}

export function isPipeError(err: unknown): err is PipeError {
  return err instanceof PipeError;
}
