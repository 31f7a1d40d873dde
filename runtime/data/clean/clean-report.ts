/**
 * The cleaning report (`clean-report.json`): how many rows were read, kept and dropped, each
 * drop counted by reason with example places (path:line) and a detail, the structural warnings
 * that lost no row, how many rows normalisation changed, and what hooks added. Plus a plain-text
 * table for the terminal. Every row read is either kept or dropped for a named reason:
 * `read = kept(file) + dropped(file)`.
 */
import type { SourceReport } from "../format/read-records.js";
import type { RecordOrigin, RecordSource } from "../format/record.js";
import { formatPlace, type ReadIssue } from "../read/row.js";

export interface ReasonExample {
  at: string;
  detail?: string;
}

export interface ReasonCount {
  /** The diagnostic code behind the reason, when it has one (PW6010 for malformed JSON...). */
  code?: string;
  count: number;
  examples: ReasonExample[];
  /** Drops of this reason not listed in `examples`. */
  more: number;
}

export interface CleanReport {
  version: 1;
  seed: number;
  sources: {
    path: string;
    format: string;
    dataset: string;
    rows: number;
    records: number;
    malformed: number;
    invalid: number;
    blankLines: number;
  }[];
  totals: {
    /** Rows read from files: good, malformed and invalid alike. */
    read: number;
    kept: number;
    dropped: number;
    /** Records kept, by origin. */
    keptByOrigin: Record<RecordOrigin, number>;
    /** Records made by hooks (before their own checks). */
    generated: { synthetic: number; augmented: number };
  };
  dropped: Record<string, ReasonCount>;
  /** Problems that lost no row (a missing comma in a JSON array). */
  warnings: { at: string; code: string; message: string }[];
  /** Records changed by each normalisation step. */
  modified: { whitespace: number; controlChars: number; punctuation: number };
  /** Filled by the split step. */
  splits?: Record<string, number>;
  /** Filled by the tokenization step. */
  tokenization?: {
    examples: number;
    truncated: number;
    droppedTokens: number;
    droppedTrainedTokens: number;
    truncatedExamples: string[];
  };
}

export function emptyCleanReport(seed: number): CleanReport {
  return {
    version: 1,
    seed,
    sources: [],
    totals: {
      read: 0,
      kept: 0,
      dropped: 0,
      keptByOrigin: { file: 0, synthetic: 0, augmented: 0 },
      generated: { synthetic: 0, augmented: 0 },
    },
    dropped: {},
    warnings: [],
    modified: { whitespace: 0, controlChars: 0, punctuation: 0 },
  };
}

/** Counts one dropped row; keeps at most `maxExamples` examples per reason. */
export function addDrop(
  report: CleanReport,
  reason: string,
  at: string,
  detail: string | undefined,
  maxExamples: number,
  code?: string,
): void {
  const entry = (report.dropped[reason] ??= code
    ? { code, count: 0, examples: [], more: 0 }
    : { count: 0, examples: [], more: 0 });
  entry.count++;
  if (entry.examples.length < maxExamples)
    entry.examples.push(detail === undefined ? { at } : { at, detail });
  else entry.more++;
  report.totals.dropped++;
}

export function placeOf(source: RecordSource): string {
  return formatPlace(source);
}

/** Folds a source's read/record issues into the report (drops by reason, warnings). */
export function addSourceReport(
  report: CleanReport,
  source: SourceReport,
  maxExamples: number,
): void {
  report.sources.push({
    path: source.path,
    format: source.format,
    dataset: source.dataset,
    rows: source.rows + source.malformed,
    records: source.records,
    malformed: source.malformed,
    invalid: source.invalid,
    blankLines: source.blankLines,
  });
  report.totals.read += source.rows + source.malformed;
  let listedDrops = 0;
  for (const issue of source.issues as ReadIssue[]) {
    const at = formatPlace(issue.place) + (issue.column ? `:${issue.column}` : "");
    if (issue.dropsRow) {
      addDrop(report, issue.reason, at, issue.message, maxExamples, issue.code);
      listedDrops++;
    } else report.warnings.push({ at, code: issue.code, message: issue.message });
  }
  // Issues beyond the reader's maxIssues are counted, not listed.
  const unlisted = source.malformed + source.invalid - listedDrops;
  if (unlisted > 0) {
    const entry = (report.dropped.unlisted_read_issues ??= { count: 0, examples: [], more: 0 });
    entry.count += unlisted;
    entry.more += unlisted;
    report.totals.dropped += unlisted;
  }
}

function pad(s: string, n: number, right = false): string {
  const width = Array.from(s).reduce(
    (w, ch) =>
      w +
      (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        ch,
      )
        ? 2
        : 1),
    0,
  );
  const fill = " ".repeat(Math.max(0, n - width));
  return right ? fill + s : s + fill;
}

/** The report as a plain-text table (no colours: only cli/ knows about terminals). */
export function renderCleanReport(report: CleanReport, maxExamplesShown = 3): string {
  const lines: string[] = [];
  lines.push(`Cleaning report (seed ${report.seed})`);
  for (const s of report.sources) {
    lines.push(
      `  ${s.path} [${s.format}, ${s.dataset}]: ${s.rows} rows, ${s.records} records, ${s.malformed} malformed, ${s.invalid} invalid` +
        (s.blankLines ? `, ${s.blankLines} blank lines` : ""),
    );
  }
  lines.push("");
  // With one source file, examples show just "line" or "line:column".
  const only = report.sources.length === 1 ? `${report.sources[0].path}:` : undefined;
  const short = (at: string) => (only && at.startsWith(only) ? at.slice(only.length) : at);
  const reasons = Object.entries(report.dropped).sort(
    (a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]),
  );
  const w = Math.max(12, ...reasons.map(([r]) => r.length));
  lines.push(`${pad("reason", w)}  ${pad("count", 7, true)}  ${only ? "lines" : "examples"}`);
  lines.push(`${"-".repeat(w)}  ${"-".repeat(7)}  ${"-".repeat(40)}`);
  for (const [reason, c] of reasons) {
    const shown = c.examples.slice(0, maxExamplesShown).map((e) => short(e.at));
    const rest = c.count - shown.length;
    lines.push(
      `${pad(reason, w)}  ${pad(String(c.count), 7, true)}  ${shown.join(", ")}${rest > 0 ? ` (+${rest} more)` : ""}`,
    );
  }
  lines.push(`${"-".repeat(w)}  ${"-".repeat(7)}`);
  lines.push(`${pad("dropped", w)}  ${pad(String(report.totals.dropped), 7, true)}`);
  const k = report.totals.keptByOrigin;
  const extra = [
    k.synthetic ? `${k.synthetic} synthetic` : "",
    k.augmented ? `${k.augmented} augmented` : "",
  ].filter(Boolean);
  lines.push(
    `${pad("kept", w)}  ${pad(String(report.totals.kept), 7, true)}${extra.length ? `  (${extra.join(", ")})` : ""}`,
  );
  lines.push(`${pad("read", w)}  ${pad(String(report.totals.read), 7, true)}`);
  const details = reasons.flatMap(([reason, c]) =>
    c.examples
      .slice(0, maxExamplesShown)
      .filter((e) => e.detail)
      .map((e) => `  ${e.at}  ${reason}: ${e.detail}`),
  );
  if (details.length > 0) {
    lines.push("");
    lines.push("why:");
    lines.push(...details);
  }
  const m = report.modified;
  if (m.whitespace + m.controlChars + m.punctuation > 0) {
    lines.push("");
    lines.push(
      `normalised: whitespace ${m.whitespace}, control characters ${m.controlChars}, punctuation ${m.punctuation}`,
    );
  }
  if (report.warnings.length > 0) {
    lines.push("");
    lines.push(`warnings (no row lost):`);
    for (const wn of report.warnings.slice(0, 10))
      lines.push(`  ${wn.at}: ${wn.message} [${wn.code}]`);
    if (report.warnings.length > 10) lines.push(`  (+${report.warnings.length - 10} more)`);
  }
  if (report.splits) {
    lines.push("");
    lines.push(
      `splits: ${Object.entries(report.splits)
        .map(([n, c]) => `${n} ${c}`)
        .join(", ")}`,
    );
  }
  if (report.tokenization && report.tokenization.truncated > 0) {
    const t = report.tokenization;
    lines.push(
      `truncated to max_length: ${t.truncated} of ${t.examples} examples (${t.droppedTokens} tokens, ${t.droppedTrainedTokens} of them answer tokens)`,
    );
  }
  return lines.join("\n");
}
