import type { Severity } from "../diagnostic.js";

/** One row of the diagnostic catalogue. */
export interface DiagnosticEntry {
  /** "PW1001": stable forever once released. */
  code: string;
  /** kebab-case name; for lints, the name users configure (`--lint name=off`). */
  name: string;
  /** Default severity. Errors that are not lints cannot be downgraded. */
  severity: Severity;
  /** One-line description for docs and `pipe explain-code`. */
  summary: string;
  /** True for lints: severity is user-configurable. */
  lint?: boolean;
}
