/**
 * `require` gates: conditions over the measured metrics that fail the run when not met.
 * The compiler lowers `require rouge1 >= 0.3 and not (perplexity > 20)` to JSON:
 *
 *   { op: ">=", left: { metric: "rouge1" }, right: 0.3 }
 *   { op: "and", args: [ … ] }   { op: "or", args: [ … ] }   { op: "not", arg: … }
 *
 * An operand is a number or `{ metric, field? }` (field defaults to `score`; e.g.
 * `{ metric: "bleu", field: "bp" }`). `evaluateGates` returns every failure with a message that
 * shows the measured values; `assertGates` throws them as one PW8007. A malformed condition or
 * a metric that was not measured is PW8008 (a configuration mistake, not a failed gate).
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export type Comparison = ">=" | ">" | "<=" | "<" | "==" | "!=";
export type GateOperand = number | { metric: string; field?: string };
export type GateCondition =
  | { op: Comparison; left: GateOperand; right: GateOperand }
  | { op: "and" | "or"; args: GateCondition[] }
  | { op: "not"; arg: GateCondition };

/** Metric values as the evaluation reports them: a number or an object with numeric fields. */
export type MetricValues = Readonly<Record<string, number | Readonly<Record<string, unknown>>>>;

export interface GateFailure {
  /** The top-level condition that failed, as text. */
  condition: string;
  message: string;
}

export interface GateReport {
  passed: boolean;
  failures: GateFailure[];
}

const COMPARISONS: readonly string[] = [">=", ">", "<=", "<", "==", "!="];

function invalid(message: string): PipeError {
  return new PipeError(
    "PW8008",
    message,
    {},
    "write require <metric> <op> <number>, combined with and / or / not",
  );
}

function operandText(o: GateOperand): string {
  return typeof o === "number"
    ? String(o)
    : o.field && o.field !== "score"
      ? `${o.metric}.${o.field}`
      : o.metric;
}

export function conditionText(c: GateCondition): string {
  switch (c.op) {
    case "and":
    case "or":
      return c.args
        .map((a) => (a.op === "and" || a.op === "or" ? `(${conditionText(a)})` : conditionText(a)))
        .join(` ${c.op} `);
    case "not":
      return `not (${conditionText(c.arg)})`;
    default:
      return `${operandText(c.left)} ${c.op} ${operandText(c.right)}`;
  }
}

/** Checks the shape of a condition (PW8008 on the first problem). */
export function validateGate(c: unknown, path = "require"): asserts c is GateCondition {
  if (!c || typeof c !== "object") throw invalid(`${path}: a condition must be an object`);
  const op = (c as { op?: unknown }).op;
  if (op === "and" || op === "or") {
    const args = (c as { args?: unknown }).args;
    if (!Array.isArray(args) || args.length === 0)
      throw invalid(`${path}: \`${op}\` needs a non-empty args list`);
    args.forEach((a, i) => validateGate(a, `${path}.${op}[${i}]`));
    return;
  }
  if (op === "not") return validateGate((c as { arg?: unknown }).arg, `${path}.not`);
  if (typeof op !== "string" || !COMPARISONS.includes(op)) {
    throw invalid(
      `${path}: unknown operator ${JSON.stringify(op)} (use ${COMPARISONS.join(" ")} and or not)`,
    );
  }
  for (const side of ["left", "right"] as const) {
    const o = (c as Record<string, unknown>)[side];
    const ok =
      (typeof o === "number" && Number.isFinite(o)) ||
      (!!o &&
        typeof o === "object" &&
        typeof (o as { metric?: unknown }).metric === "string" &&
        ((o as { field?: unknown }).field === undefined ||
          typeof (o as { field?: unknown }).field === "string"));
    if (!ok) throw invalid(`${path}: the ${side} side must be a number or { metric, field? }`);
  }
}

function valueOf(o: GateOperand, metrics: MetricValues): number {
  if (typeof o === "number") return o;
  const m = metrics[o.metric];
  if (m === undefined) {
    throw invalid(
      `require names the metric \`${o.metric}\`, which this evaluation did not compute (computed: ${Object.keys(metrics).join(", ") || "none"})`,
    );
  }
  const field = o.field ?? "score";
  const v = typeof m === "number" ? (field === "score" ? m : undefined) : m[field];
  if (typeof v !== "number")
    throw invalid(`metric \`${o.metric}\` has no numeric field \`${field}\``);
  return v;
}

function compare(op: Comparison, a: number, b: number): boolean {
  switch (op) {
    case ">=":
      return a >= b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case "<":
      return a < b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

const fmt = (v: number) =>
  Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, "");

/** Whether `c` holds, and for a failure why (with the measured values). */
function check(c: GateCondition, metrics: MetricValues): { ok: boolean; why: string[] } {
  switch (c.op) {
    case "and": {
      const parts = c.args.map((a) => check(a, metrics));
      return { ok: parts.every((p) => p.ok), why: parts.flatMap((p) => (p.ok ? [] : p.why)) };
    }
    case "or": {
      const parts = c.args.map((a) => check(a, metrics));
      return { ok: parts.some((p) => p.ok), why: parts.flatMap((p) => p.why) };
    }
    case "not": {
      const inner = check(c.arg, metrics);
      return { ok: !inner.ok, why: [`${conditionText(c.arg)} holds${describe(c.arg, metrics)}`] };
    }
    default: {
      const a = valueOf(c.left, metrics);
      const b = valueOf(c.right, metrics);
      const ok = !Number.isNaN(a) && !Number.isNaN(b) && compare(c.op, a, b);
      return { ok, why: [`${conditionText(c)} is false${describe(c, metrics)}`] };
    }
  }
}

/** " (rouge1 = 0.214)" — the measured values a condition reads. */
function describe(c: GateCondition, metrics: MetricValues): string {
  const seen = new Map<string, number>();
  const walk = (x: GateCondition) => {
    if ("args" in x) x.args.forEach(walk);
    else if ("arg" in x) walk(x.arg);
    else
      for (const o of [x.left, x.right])
        if (typeof o !== "number") seen.set(operandText(o), valueOf(o, metrics));
  };
  walk(c);
  return seen.size ? ` (${[...seen].map(([k, v]) => `${k} = ${fmt(v)}`).join(", ")})` : "";
}

export function evaluateGates(conditions: readonly unknown[], metrics: MetricValues): GateReport {
  const failures: GateFailure[] = [];
  conditions.forEach((c, i) => {
    validateGate(c, `require[${i}]`);
    const r = check(c, metrics);
    if (!r.ok) {
      const text = conditionText(c);
      failures.push({ condition: text, message: `require ${text} failed: ${r.why.join("; ")}` });
    }
  });
  return { passed: failures.length === 0, failures };
}

/** Throws PW8007 listing every failed gate. */
export function assertGates(
  conditions: readonly unknown[],
  metrics: MetricValues,
  place: { path?: string } = {},
): void {
  const r = evaluateGates(conditions, metrics);
  if (r.passed) return;
  throw new PipeError(
    "PW8007",
    r.failures.length === 1
      ? r.failures[0].message
      : `${r.failures.length} require gates failed:\n${r.failures.map((f) => `  - ${f.message}`).join("\n")}`,
    place,
    "the model does not meet the pipeline's quality bar; see eval.json for every metric",
  );
}
