/**
 * Conditions (`require …`, `FAIL when …`) to JSON for the IR, with checks for each place:
 * data rules talk about record fields (`output.length in 10..10000`), metric gates about
 * metrics the stage computes (`rouge1 >= 0.3`), verdict rules about detections
 * (`any(high)`, `count(low) >= 3`).
 */
import type * as A from "../../grammar/ast.js";
import { referenceName } from "../../grammar/ast.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { error, type CheckContext } from "../semantic/context.js";
import type { Json } from "./spec.js";
import { METRIC_NAMES } from "./catalogue-common.js";

export type ConditionMode = "data" | "metric" | "rule";

const RULE_FUNCTIONS = ["any", "count", "all", "max_confidence"];
const DATA_FUNCTIONS = ["lang", "len"];
const FIELD_PROPERTIES = ["length"];

export function conditionToJson(
  e: A.Expression,
  ctx: CheckContext,
  mode: ConditionMode,
): Json | undefined {
  if (e.recovered) return undefined;
  switch (e.kind) {
    case "Binary": {
      if (e.operator === "and" || e.operator === "or") {
        const left = conditionToJson(e.left, ctx, mode);
        const right = conditionToJson(e.right, ctx, mode);
        return left === undefined || right === undefined
          ? undefined
          : { op: e.operator, args: [left, right] };
      }
      const left = operandToJson(e.left, ctx, mode);
      const right = operandToJson(e.right, ctx, mode);
      if (e.operator === "in" && right !== undefined && !(isRange(right) || Array.isArray(right))) {
        ctx.report(
          error("PW2023", e.right.span, "`in` needs a range (`10..100`) or a list (`[zh, en]`)"),
        );
        return undefined;
      }
      return left === undefined || right === undefined
        ? undefined
        : { op: e.operator, left, right };
    }
    case "Not": {
      const arg = conditionToJson(e.operand, ctx, mode);
      return arg === undefined ? undefined : { op: "not", arg };
    }
    case "Reference":
      if (mode === "data") {
        // `require instruction`: the field must be present and non-empty.
        const operand = operandToJson(e, ctx, mode);
        return operand === undefined ? undefined : { op: "present", arg: operand };
      }
      break;
    case "Call":
      if (mode === "rule") return operandToJson(e, ctx, mode);
      break;
    case "Boolean":
      return e.value;
  }
  ctx.report(
    error(
      "PW2023",
      e.span,
      "a condition must compare something",
      mode === "metric"
        ? "e.g. `require rouge1 >= 0.3`"
        : mode === "data"
          ? "e.g. `require output.length >= 10`"
          : "e.g. `FAIL when any(high)`",
    ),
  );
  return undefined;
}

function isRange(v: Json): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "range" in v;
}

function operandToJson(e: A.Expression, ctx: CheckContext, mode: ConditionMode): Json | undefined {
  switch (e.kind) {
    case "Number":
      return e.unit === "%" ? e.value / 100 : e.value;
    case "String":
      return e.value;
    case "Boolean":
      return e.value;
    case "Range": {
      const from = operandToJson(e.from, ctx, mode);
      const to = operandToJson(e.to, ctx, mode);
      return from === undefined || to === undefined ? undefined : { range: [from, to] };
    }
    case "List": {
      const items = e.items.map((i) => operandToJson(i, ctx, mode));
      return items.some((i) => i === undefined) ? undefined : (items as Json[]);
    }
    case "Reference":
      return referenceOperand(e, ctx, mode);
    case "Call": {
      const name = referenceName(e.callee);
      const allowed = mode === "rule" ? RULE_FUNCTIONS : mode === "data" ? DATA_FUNCTIONS : [];
      if (!allowed.includes(name)) {
        ctx.report(
          error(
            "PW2023",
            e.callee.span,
            `unknown function \`${name}\` in a ${mode === "rule" ? "verdict rule" : mode === "data" ? "data rule" : "metric gate"}`,
            didYouMean(name, allowed) ??
              (allowed.length ? `functions: ${allowed.join(", ")}` : undefined),
          ),
        );
        return undefined;
      }
      const args: Json[] = [];
      for (const a of e.args) {
        if (mode === "data") {
          const v = operandToJson(a.value, ctx, mode);
          if (v === undefined) return undefined;
          args.push(v);
        } else {
          // Rule arguments name severities, classes or `all`: kept as names, checked later
          // against the severity map and the dataset's class names.
          if (a.value.kind !== "Reference" || a.value.parts.length !== 1) {
            ctx.report(
              error(
                "PW2023",
                a.value.span,
                `\`${name}(…)\` takes a severity (low, medium, high), a class name or \`all\``,
              ),
            );
            return undefined;
          }
          args.push(a.value.parts[0].name);
        }
      }
      return { call: name, args };
    }
    default:
      ctx.report(error("PW2023", e.span, "expected a value here"));
      return undefined;
  }
}

function referenceOperand(
  e: A.Reference,
  ctx: CheckContext,
  mode: ConditionMode,
): Json | undefined {
  const name = referenceName(e);
  if (mode === "metric") {
    const metric = name;
    const known = ctx.metrics ?? METRIC_NAMES;
    if (!(METRIC_NAMES as readonly string[]).includes(metric)) {
      ctx.report(
        error(
          "PW2024",
          e.span,
          `unknown metric \`${metric}\``,
          didYouMean(metric, METRIC_NAMES) ?? `metrics: ${METRIC_NAMES.join(", ")}`,
        ),
      );
      return undefined;
    }
    if (!known.includes(metric)) {
      ctx.report(
        error(
          "PW2024",
          e.span,
          `the gate uses \`${metric}\`, which this stage does not compute`,
          `add \`${metric}\` to \`metrics\``,
        ),
      );
      return undefined;
    }
    return { metric };
  }
  if (mode === "data") {
    const [root, ...rest] = e.parts.map((p) => p.name);
    const fields = ctx.recordFields;
    if (fields && !fields.includes(root)) {
      // A bare name on the right of `in`/`==` is a value (`lang(output) in [zh, en]`).
      if (rest.length === 0 && !looksLikeField(root)) return root;
      ctx.report(
        error(
          "PW2022",
          e.parts[0].span,
          `the dataset's records have no field \`${root}\``,
          didYouMean(root, fields) ?? `fields: ${fields.join(", ")}`,
        ),
      );
      return undefined;
    }
    if (rest.length > 1 || (rest.length === 1 && !FIELD_PROPERTIES.includes(rest[0]))) {
      const bad = e.parts[1];
      ctx.report(
        error(
          "PW2023",
          bad.span,
          `\`${bad.name}\` is not a property of a field`,
          didYouMean(bad.name, FIELD_PROPERTIES) ?? "fields have `.length`",
        ),
      );
      return undefined;
    }
    return rest.length ? { field: root, property: rest[0] } : { field: root };
  }
  return { name };
}

function looksLikeField(name: string): boolean {
  return [
    "instruction",
    "input",
    "output",
    "text",
    "conversations",
    "prompt",
    "chosen",
    "rejected",
  ].includes(name);
}
