/**
 * `require` conditions of a clean block, as the IR carries them, applied to records. The common
 * forms become the data layer's rules (required field, length range, language); anything else
 * (`or`, `not`, comparisons of field values) is evaluated here, row by row.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { Condition, Operand } from "../../../compiler/ir/schema-values.js";
import type { CleanRule } from "../../data/clean/cleaner.js";
import { detectLanguage, type Language } from "../../data/clean/language.js";
import { recordField, type DataRecord } from "../../data/format/record.js";

/** Field names as a `.pipe` file may write them, mapped to the data layer's names. */
const FIELD_ALIASES: Record<string, string> = { conversations: "conversation" };

export function fieldName(name: string): string {
  return FIELD_ALIASES[name] ?? name;
}

function lengthField(o: Operand): string | undefined {
  if (typeof o === "object" && o !== null && !Array.isArray(o) && "field" in o)
    return o.property === "length" ? fieldName(o.field) : undefined;
  return undefined;
}

function langField(o: Operand): string | undefined {
  if (typeof o === "object" && o !== null && !Array.isArray(o) && "call" in o) {
    const arg = o.args[0];
    if (
      o.call === "lang" &&
      o.args.length === 1 &&
      typeof arg === "object" &&
      arg !== null &&
      !Array.isArray(arg) &&
      "field" in arg &&
      !arg.property
    )
      return fieldName(arg.field);
  }
  return undefined;
}

function nameOf(o: Operand): string | undefined {
  if (typeof o === "string") return o;
  if (typeof o === "object" && o !== null && !Array.isArray(o) && "name" in o) return o.name;
  return undefined;
}

/** The condition as data-layer rules, or undefined when it has no such form. */
export function conditionToRules(c: Condition): CleanRule[] | undefined {
  if (typeof c === "boolean") return undefined;
  if ("call" in c) return undefined;
  if (c.op === "and") {
    const a = conditionToRules(c.args[0]);
    const b = conditionToRules(c.args[1]);
    return a && b ? [...a, ...b] : undefined;
  }
  if (c.op === "present") {
    const arg = c.arg;
    if (
      typeof arg === "object" &&
      arg !== null &&
      !Array.isArray(arg) &&
      "field" in arg &&
      !arg.property
    )
      return [{ kind: "required", field: fieldName(arg.field) }];
    return undefined;
  }
  if (!("left" in c)) return undefined;
  const field = lengthField(c.left);
  const right = c.right;
  if (field !== undefined) {
    if (typeof right === "number") {
      switch (c.op) {
        case ">=":
          return [{ kind: "length", field, min: Math.max(0, Math.ceil(right)) }];
        case ">":
          return [{ kind: "length", field, min: Math.max(0, Math.floor(right) + 1) }];
        case "<=":
          return right < 0 ? undefined : [{ kind: "length", field, max: Math.floor(right) }];
        case "<":
          return right <= 0 ? undefined : [{ kind: "length", field, max: Math.ceil(right) - 1 }];
        case "==":
          return Number.isInteger(right) && right >= 0
            ? [{ kind: "length", field, min: right, max: right }]
            : undefined;
        default:
          return undefined;
      }
    }
    if (
      c.op === "in" &&
      typeof right === "object" &&
      right !== null &&
      !Array.isArray(right) &&
      "range" in right
    ) {
      const [lo, hi] = right.range;
      if (typeof lo !== "number" || typeof hi !== "number") return undefined;
      const min = Math.max(0, Math.ceil(lo));
      const max = Math.floor(hi);
      return min <= max ? [{ kind: "length", field, min, max }] : undefined;
    }
    return undefined;
  }
  const lang = langField(c.left);
  if (lang !== undefined) {
    const names =
      c.op === "in" && Array.isArray(right)
        ? right.map(nameOf)
        : c.op === "=="
          ? [nameOf(right)]
          : [];
    if (names.length === 0 || names.some((n) => n === undefined)) return undefined;
    return [{ kind: "language", allow: names as Language[], fields: [lang] }];
  }
  return undefined;
}

export function operandText(o: Operand): string {
  if (typeof o === "string") return JSON.stringify(o);
  if (typeof o !== "object" || o === null) return String(o);
  if (Array.isArray(o)) return `[${o.map(operandText).join(", ")}]`;
  if ("range" in o) return `${operandText(o.range[0])}..${operandText(o.range[1])}`;
  if ("metric" in o) return o.metric;
  if ("field" in o) return o.property ? `${o.field}.${o.property}` : o.field;
  if ("name" in o) return o.name;
  return `${o.call}(${o.args.map(operandText).join(", ")})`;
}

export function conditionText(c: Condition): string {
  if (typeof c === "boolean") return String(c);
  if ("call" in c) return `${c.call}(${c.args.map(operandText).join(", ")})`;
  switch (c.op) {
    case "and":
    case "or":
      return `(${conditionText(c.args[0])} ${c.op} ${conditionText(c.args[1])})`;
    case "not":
      return `not ${conditionText(c.arg)}`;
    case "present":
      return operandText(c.arg);
    default:
      return `${operandText(c.left)} ${c.op} ${operandText(c.right)}`;
  }
}

type Value = string | number | boolean | undefined | Value[] | { lo: Value; hi: Value };

class Unevaluable extends Error {}

function cannot(why: string): never {
  throw new Unevaluable(why);
}

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function evalOperand(o: Operand, r: DataRecord): Value {
  if (typeof o !== "object" || o === null) return o;
  if (Array.isArray(o)) return o.map((x) => evalOperand(x, r));
  if ("range" in o) return { lo: evalOperand(o.range[0], r), hi: evalOperand(o.range[1], r) };
  if ("metric" in o) cannot(`\`${o.metric}\` is a metric; metrics exist only in evaluation`);
  if ("name" in o) return o.name;
  if ("field" in o) {
    const v = recordField(r, fieldName(o.field));
    if (!o.property) return v;
    if (o.property === "length") return v === undefined ? undefined : charLength(v);
    cannot(`unknown property \`${o.property}\` (records have \`.length\`)`);
  }
  if (o.call === "lang" && o.args.length === 1) {
    const v = evalOperand(o.args[0], r);
    return typeof v === "string" ? detectLanguage(v).language : undefined;
  }
  if (o.call === "len" && o.args.length === 1) {
    const v = evalOperand(o.args[0], r);
    return typeof v === "string" ? charLength(v) : undefined;
  }
  cannot(`unknown function \`${o.call}\``);
}

function compare(op: string, a: Value, b: Value): boolean {
  if (op === "in") {
    if (Array.isArray(b)) return b.some((x) => x === a);
    if (typeof b === "object" && b !== null && "lo" in b)
      return typeof a === "number" && a >= (b.lo as number) && a <= (b.hi as number);
    return false;
  }
  if (a === undefined || b === undefined) return false;
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case ">=":
      return (a as number) >= (b as number);
    case "<=":
      return (a as number) <= (b as number);
    case ">":
      return (a as number) > (b as number);
    case "<":
      return (a as number) < (b as number);
  }
  return false;
}

/** Evaluates a `require` condition on one record; PW6301 when it cannot apply to records. */
export function holds(c: Condition, r: DataRecord): boolean {
  try {
    return evalCondition(c, r);
  } catch (err) {
    if (!(err instanceof Unevaluable)) throw err;
    throw new PipeError(
      "PW6301",
      `cannot apply \`require ${conditionText(c)}\` to records: ${err.message}`,
    );
  }
}

function evalCondition(c: Condition, r: DataRecord): boolean {
  if (typeof c === "boolean") return c;
  if ("call" in c) cannot(`\`${c.call}(…)\` is not a condition on records`);
  switch (c.op) {
    case "and":
      return evalCondition(c.args[0], r) && evalCondition(c.args[1], r);
    case "or":
      return evalCondition(c.args[0], r) || evalCondition(c.args[1], r);
    case "not":
      return !evalCondition(c.arg, r);
    case "present": {
      const v = evalOperand(c.arg, r);
      return typeof v === "string" ? v.trim() !== "" : v !== undefined;
    }
    default:
      return compare(c.op, evalOperand(c.left, r), evalOperand(c.right, r));
  }
}
