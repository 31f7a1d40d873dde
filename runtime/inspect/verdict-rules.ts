/**
 * Verdict rules as data — what the compiler emits for a `verdict { … }` block (IR:
 * `{ outcome, when }`, `when: null` meaning "otherwise"; `condition` is accepted as a synonym):
 *
 *   { outcome: "FAIL", when: { call: "any", args: ["high"] } }
 *   { outcome: "WARNING", when: { op: "or", args: [{ call: "any", args: ["medium"] },
 *                                  { op: ">=", left: { call: "count", args: ["low"] }, right: 3 }] } }
 *   { outcome: "PASS", when: null }
 *
 * The first rule whose condition holds gives the verdict. Functions over the image's defects,
 * each taking selectors — a severity (low, medium, high, unknown), a class name, or `all`:
 *   any(sel…)  some defect matches        count(sel…)  how many match
 *   all(sel…)  every defect matches (true when there is none)
 *   max_confidence(sel…)  the highest confidence among matches (0 when none)
 * Operators: and, or (args: [a, b]), not (arg), >= <= > < == !=, in (a list or { range: [a, b] },
 * inclusive). Rules are checked once (`compileVerdictRules`) so a bad rule fails before any
 * image is judged.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../compiler/diagnostics/codes/world.js";
import type { Severity } from "./severity.js";

export const OUTCOMES = ["PASS", "WARNING", "FAIL"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface VerdictRule {
  outcome: Outcome;
  /** null/absent: always (otherwise). */
  when?: Json;
  condition?: Json;
}

/** What a rule sees of one detection. */
export interface JudgedDefect {
  className: string;
  severity: Severity;
  confidence: number;
}

/** The seed's policy: no detection → PASS; any high → FAIL; otherwise WARNING. */
export const DEFAULT_VERDICT_RULES: readonly VerdictRule[] = [
  { outcome: "PASS", when: { op: "==", left: { call: "count", args: ["all"] }, right: 0 } },
  { outcome: "FAIL", when: { call: "any", args: ["high"] } },
  { outcome: "WARNING", when: null },
];

export const DEFAULT_RECOMMENDATIONS: Readonly<Record<Outcome, string>> = {
  PASS: "Product passes inspection; release it.",
  WARNING: "Minor defects; downgrade or send for manual re-inspection.",
  FAIL: "Serious defects; scrap or rework the part.",
};

const FUNCTIONS = ["any", "count", "all", "max_confidence"] as const;
const COMPARISONS = [">=", "<=", ">", "<", "==", "!="] as const;
const SEVERITY_SELECTORS = ["low", "medium", "high", "unknown"];

type Value = number | boolean | string | Value[] | { range: [number, number] };
type Evaluator = (defects: readonly JudgedDefect[]) => Value;

export interface CompiledRules {
  rules: readonly VerdictRule[];
  /** Verdict and the index of the rule that gave it (−1: none matched, WARNING by default). */
  judge(defects: readonly JudgedDefect[]): { outcome: Outcome; rule: number };
}

function invalid(message: string, hint?: string): PipeError {
  return new PipeError("PW2023", `verdict rule: ${message}`, {}, hint);
}

/** Check and compile rules against the detector's class names. */
export function compileVerdictRules(
  rules: readonly VerdictRule[],
  classNames: readonly string[],
): CompiledRules {
  if (!Array.isArray(rules) || rules.length === 0)
    throw invalid(
      "the rule list is empty",
      "give at least one `{ outcome, when }` rule, or omit rules for the default",
    );
  const compiled = rules.map((r, i) => {
    if (typeof r !== "object" || r === null) throw invalid(`rule ${i + 1} is not an object`);
    if (!(OUTCOMES as readonly string[]).includes(r.outcome)) {
      throw new PipeError(
        "PW2025",
        `verdict rule ${i + 1}: outcome must be PASS, WARNING or FAIL, got ${JSON.stringify(r.outcome)}`,
      );
    }
    const cond = r.when !== undefined ? r.when : r.condition;
    if (cond === undefined || cond === null) return () => true;
    const ev = compileCondition(cond, classNames, `rule ${i + 1}`);
    return (d: readonly JudgedDefect[]) => {
      const v = ev(d);
      if (typeof v !== "boolean") throw invalid(`rule ${i + 1}'s condition is not true/false`);
      return v;
    };
  });
  return {
    rules,
    judge(defects) {
      for (let i = 0; i < compiled.length; i++)
        if (compiled[i](defects)) return { outcome: rules[i].outcome, rule: i };
      return { outcome: "WARNING", rule: -1 };
    },
  };
}

function isObject(v: Json): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function compileCondition(c: Json, names: readonly string[], where: string): Evaluator {
  if (typeof c === "boolean") return () => c;
  if (!isObject(c))
    throw invalid(
      `${where}: expected a condition, got ${JSON.stringify(c)}`,
      'e.g. { "call": "any", "args": ["high"] }',
    );
  if ("call" in c) return compileCall(c, names, where);
  const op = c.op;
  if (op === "and" || op === "or") {
    if (!Array.isArray(c.args) || c.args.length < 2)
      throw invalid(`${where}: \`${op}\` needs args: [a, b]`);
    const parts = c.args.map((a) => compileCondition(a, names, where));
    return (d) => {
      const vs = parts.map((p) => p(d));
      if (vs.some((v) => typeof v !== "boolean"))
        throw invalid(`${where}: \`${op}\` of something that is not true/false`);
      return op === "and" ? vs.every(Boolean) : vs.some(Boolean);
    };
  }
  if (op === "not") {
    if (c.arg === undefined) throw invalid(`${where}: \`not\` needs arg`);
    const inner = compileCondition(c.arg, names, where);
    return (d) => !inner(d);
  }
  if (typeof op === "string" && ((COMPARISONS as readonly string[]).includes(op) || op === "in")) {
    if (c.left === undefined || c.right === undefined)
      throw invalid(`${where}: \`${op}\` needs left and right`);
    const left = compileOperand(c.left, names, where);
    const right = compileOperand(c.right, names, where);
    return (d) => compare(op, left(d), right(d), where);
  }
  throw invalid(
    `${where}: unknown operator ${JSON.stringify(op ?? null)}`,
    `operators: and, or, not, ${COMPARISONS.join(" ")}, in`,
  );
}

function compileOperand(c: Json, names: readonly string[], where: string): Evaluator {
  if (typeof c === "number" || typeof c === "boolean" || typeof c === "string") return () => c;
  if (Array.isArray(c)) {
    const items = c.map((x) => compileOperand(x, names, where));
    return (d) => items.map((i) => i(d));
  }
  if (isObject(c) && "call" in c) return compileCall(c, names, where);
  if (
    isObject(c) &&
    Array.isArray(c.range) &&
    c.range.length === 2 &&
    c.range.every((x) => typeof x === "number")
  ) {
    const range = c.range as [number, number];
    return () => ({ range });
  }
  if (isObject(c) && "op" in c) return compileCondition(c, names, where);
  throw invalid(`${where}: cannot use ${JSON.stringify(c)} as a value`);
}

function compileCall(c: { [k: string]: Json }, names: readonly string[], where: string): Evaluator {
  const fn = c.call;
  if (typeof fn !== "string" || !(FUNCTIONS as readonly string[]).includes(fn)) {
    throw invalid(
      `${where}: unknown function ${JSON.stringify(fn)}`,
      `functions: ${FUNCTIONS.join(", ")}`,
    );
  }
  const args = Array.isArray(c.args) ? c.args : [];
  if (args.length === 0)
    throw invalid(`${where}: \`${fn}(…)\` needs a severity, a class name or \`all\``);
  const selectors = args.map((a) => {
    const name =
      typeof a === "string" ? a : isObject(a) && typeof a.name === "string" ? a.name : undefined;
    if (name === undefined)
      throw invalid(`${where}: \`${fn}(…)\` takes names, got ${JSON.stringify(a)}`);
    if (name === "all" || SEVERITY_SELECTORS.includes(name) || names.includes(name)) return name;
    throw new PipeError(
      WORLD.detectionClassUnknown,
      `verdict ${where}: \`${name}\` is neither a severity (low, medium, high), \`all\`, nor one of the classes`,
      {},
      `classes: ${names.join(", ")}`,
    );
  });
  const matches = (d: JudgedDefect) =>
    selectors.some(
      (s) => s === "all" || (SEVERITY_SELECTORS.includes(s) ? d.severity === s : d.className === s),
    );
  switch (fn) {
    case "any":
      return (ds) => ds.some(matches);
    case "all":
      return (ds) => ds.every(matches);
    case "count":
      return (ds) => ds.filter(matches).length;
    default:
      return (ds) => ds.filter(matches).reduce((m, d) => Math.max(m, d.confidence), 0);
  }
}

function compare(op: string, a: Value, b: Value, where: string): boolean {
  if (op === "in") {
    if (Array.isArray(b)) return b.some((x) => x === a);
    if (typeof b === "object" && b !== null && "range" in b)
      return typeof a === "number" && a >= b.range[0] && a <= b.range[1];
    throw invalid(`${where}: \`in\` needs a list or a range`);
  }
  if (op === "==") return a === b;
  if (op === "!=") return a !== b;
  if (typeof a !== "number" || typeof b !== "number")
    throw invalid(`${where}: \`${op}\` compares numbers`);
  switch (op) {
    case ">=":
      return a >= b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a < b;
  }
}
