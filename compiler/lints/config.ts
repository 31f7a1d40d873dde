/**
 * Lint severities. Three layers, later ones win:
 *
 *   1. the registry's default severity for the lint (compiler/diagnostics/codes/lints.ts),
 *   2. the file's `pipeline { lint { name: off | warning | error } }` block,
 *   3. the command line: `pipe check --lint name=off|warning|error` (repeatable).
 *
 * `off` removes the diagnostic. Only lints (PW5xxx, `lint: true` in the registry) are
 * configurable: an error that is not a lint keeps its severity whatever is configured, so a
 * configuration can never hide a real error (esbuild's rule).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { ALL_DIAGNOSTICS, type DiagnosticEntry } from "../diagnostics/registry.js";
import { closestMatch } from "../diagnostics/suggest.js";
import type { AnalyzedPipeline } from "../semantic/analyze.js";
import { compareText } from "../text/compare-text.js";

export const LINT_LEVELS = ["off", "warning", "error"] as const;
export type LintLevel = (typeof LINT_LEVELS)[number];

/** Lint name → level. */
export type LintLevels = Readonly<Record<string, LintLevel>>;

/** Every lint in the registry, in code order. */
export function lintEntries(): DiagnosticEntry[] {
  return ALL_DIAGNOSTICS.filter((e) => e.lint).sort((a, b) => compareText(a.code, b.code));
}

const lintByCode = new Map(lintEntries().map((e) => [e.code, e]));

export function isLintLevel(value: unknown): value is LintLevel {
  return typeof value === "string" && (LINT_LEVELS as readonly string[]).includes(value);
}

/**
 * Levels from the file's `lint` block. Unknown names are reported by the semantic checker
 * (PW2028) and ignored here.
 */
export function fileLintLevels(pipeline: AnalyzedPipeline | undefined): LintLevels {
  const value = pipeline?.settings.lint?.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const names = new Set(lintEntries().map((e) => e.name));
  const out: Record<string, LintLevel> = {};
  for (const [name, level] of Object.entries(value)) {
    if (names.has(name) && isLintLevel(level)) out[name] = level;
  }
  return out;
}

/**
 * Applies configured levels to lint diagnostics and drops the ones turned `off`. Diagnostics
 * whose code is not a lint pass through unchanged, whatever their `lint` field says.
 */
export function applyLintLevels(
  diagnostics: readonly Diagnostic[],
  ...layers: (LintLevels | undefined)[]
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const entry = lintByCode.get(d.code);
    if (!entry) {
      out.push(d);
      continue;
    }
    let level: LintLevel | undefined;
    for (const layer of layers) level = layer?.[entry.name] ?? level;
    if (level === "off") continue;
    out.push({ ...d, lint: entry.name, severity: level ?? entry.severity });
  }
  return out;
}

/** A `--lint` problem, worded for a usage error. */
export interface LintOptionProblem {
  /** The argument as given. */
  given: string;
  message: string;
  hint?: string;
}

/**
 * Parses `--lint` values: `name=level`, several per value separated by commas
 * (`--lint unused-stage=off,no-seed=error`). A later setting of the same name wins.
 */
export function parseLintOptions(values: readonly string[]): {
  levels: Record<string, LintLevel>;
  problems: LintOptionProblem[];
} {
  const levels: Record<string, LintLevel> = {};
  const problems: LintOptionProblem[] = [];
  const lintNames = lintEntries().map((e) => e.name);
  for (const value of values) {
    for (const raw of value.split(",")) {
      const given = raw.trim();
      if (given === "" && value.trim() !== "") continue; // a trailing comma
      const eq = given.indexOf("=");
      if (eq <= 0) {
        problems.push({
          given,
          message: `\`--lint ${given}\` is not \`name=level\``,
          hint: "write e.g. `--lint unused-stage=off` (levels: off, warning, error)",
        });
        continue;
      }
      const name = given.slice(0, eq).trim();
      const level = given.slice(eq + 1).trim();
      const nameProblem = checkLintName(name, lintNames);
      if (nameProblem) problems.push({ given, ...nameProblem });
      if (!isLintLevel(level)) {
        const near =
          closestMatch(level, LINT_LEVELS) ??
          LINT_LEVELS.find((l) => level.length > 0 && l.startsWith(level.toLowerCase()));
        problems.push({
          given,
          message: `\`${level}\` is not a lint level`,
          hint: near
            ? `did you mean \`${near}\`? (levels: off, warning, error)`
            : "levels: off, warning, error",
        });
      }
      if (!nameProblem && isLintLevel(level)) levels[name] = level;
    }
  }
  return { levels, problems };
}

function checkLintName(
  name: string,
  lintNames: readonly string[],
): { message: string; hint?: string } | undefined {
  if (lintNames.includes(name)) return undefined;
  const byCode = lintEntries().find((e) => e.code === name.toUpperCase());
  if (byCode) {
    return {
      message: "lints are configured by name, not by code",
      hint: `did you mean \`${byCode.name}\`?`,
    };
  }
  const other = ALL_DIAGNOSTICS.find((e) => e.name === name || e.code === name.toUpperCase());
  if (other) {
    const label = other.name === name ? other.code : other.name;
    return {
      message: `\`${name}\` (${label}) is ${other.severity === "error" ? "an error" : `a ${other.severity}`}, not a lint`,
      hint: "only lints (PW5xxx) can be configured; errors that are not lints cannot be turned off",
    };
  }
  const near = closestMatch(name, lintNames);
  return {
    message: `no lint is named \`${name}\``,
    hint: near ? `did you mean \`${near}\`?` : "the lints are listed in docs/lints.md",
  };
}
