/**
 * Checks a block against its BlockSpec and resolves it to JSON settings with provenance:
 * unknown keys (with did-you-mean), types, units, ranges, enums, references, required and
 * mutually exclusive settings. Reports every problem and keeps going.
 */
import type * as A from "../../grammar/ast.js";
import { referenceName } from "../../grammar/ast.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { error, type CheckContext } from "../semantic/context.js";
import { conditionToJson } from "./condition.js";
import { describeOutputType, type BlockSpec, type Json, type Spec } from "./spec.js";
import { describeUnitKind, KNOWN_UNITS, unitInfo } from "./units.js";

export type Provenance = "file" | "default";

export interface ResolvedSetting {
  value: Json;
  provenance: Provenance;
  /** Nested settings of a block value, for `pipe explain`. */
  children?: ResolvedSettings;
}

export type ResolvedSettings = Record<string, ResolvedSetting>;

export interface ResolvedBlock {
  settings: ResolvedSettings;
  requirements: Json[];
  rules: { outcome: string; condition: Json | null }[];
}

/** Plain JSON of resolved settings (what the IR carries). */
export function settingsToJson(settings: ResolvedSettings): Record<string, Json> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.value]));
}

export function checkBlock(
  block: A.Block | undefined,
  spec: BlockSpec,
  ctx: CheckContext,
  where: string,
): ResolvedBlock {
  const settings: ResolvedSettings = {};
  const requirements: Json[] = [];
  const rules: ResolvedBlock["rules"] = [];
  const seen = new Map<string, A.Property | A.SubBlock>();
  for (const entry of block?.entries ?? []) {
    if (entry.recovered) continue;
    if (entry.kind === "Requirement") {
      if (!spec.requirements) {
        ctx.report(
          error(
            "PW2021",
            entry.span,
            `\`require\` is not allowed in ${where}`,
            "requirements belong in `clean` (data rules) or in an `evaluate` stage (metric gates)",
          ),
        );
        continue;
      }
      const condition = conditionToJson(entry.condition, ctx, spec.requirements);
      if (condition !== undefined) requirements.push(condition);
      continue;
    }
    if (entry.kind === "Rule") {
      if (!spec.rules) {
        ctx.report(
          error(
            "PW2021",
            entry.span,
            `rules (\`${entry.outcome.name} when …\`) are not allowed in ${where}`,
          ),
        );
        continue;
      }
      if (!spec.rules.includes(entry.outcome.name)) {
        ctx.report(
          error(
            "PW2025",
            entry.outcome.span,
            `unknown outcome \`${entry.outcome.name}\``,
            didYouMean(entry.outcome.name, spec.rules) ?? `outcomes are ${spec.rules.join(", ")}`,
          ),
        );
        continue;
      }
      const condition = entry.condition ? conditionToJson(entry.condition, ctx, "rule") : null;
      if (condition !== undefined) rules.push({ outcome: entry.outcome.name, condition });
      continue;
    }
    const key = entry.kind === "Property" ? entry.key : entry.name;
    const fieldSpec =
      spec.fields[key.name] ??
      (spec.otherKeys ? { spec: spec.otherKeys.spec, doc: spec.otherKeys.doc } : undefined);
    if (!fieldSpec) {
      const hint =
        didYouMean(key.name, Object.keys(spec.fields)) ??
        (Object.keys(spec.fields).length
          ? `${where} accepts: ${Object.keys(spec.fields).join(", ")}`
          : undefined);
      ctx.report(error("PW2010", key.span, `unknown setting \`${key.name}\` in ${where}`, hint));
      continue;
    }
    const previous = seen.get(key.name);
    if (previous && !fieldSpec.repeatable) {
      ctx.report({
        ...error(
          "PW2015",
          key.span,
          `\`${key.name}\` is set twice in ${where}`,
          "remove one of them",
        ),
        related: [{ span: previous.span, message: "first set here" }],
      });
      continue;
    }
    seen.set(key.name, entry);
    const value: A.Expression =
      entry.kind === "Property"
        ? entry.value
        : { kind: "Map", body: entry.body, span: entry.body.span };
    const converted = convertValue(value, fieldSpec.spec, ctx, `\`${key.name}\``);
    if (converted === undefined) continue;
    if (fieldSpec.repeatable) {
      const existing = settings[key.name];
      const list = existing ? (existing.value as Json[]) : [];
      list.push(converted.value);
      settings[key.name] = { value: list, provenance: "file" };
    } else {
      settings[key.name] = {
        value: converted.value,
        provenance: "file",
        ...(converted.children ? { children: converted.children } : {}),
      };
    }
  }
  for (const [a, b] of spec.exclusive ?? []) {
    if (seen.has(a) && seen.has(b)) {
      const second = seen.get(b)!;
      ctx.report({
        ...error(
          "PW2016",
          second.span,
          `\`${a}\` and \`${b}\` cannot both be set in ${where}`,
          `keep one of \`${a}\` / \`${b}\``,
        ),
        related: [{ span: seen.get(a)!.span, message: `\`${a}\` is set here` }],
      });
    }
  }
  for (const [name, f] of Object.entries(spec.fields)) {
    if (settings[name]) continue;
    if (f.required) {
      const span = block
        ? { ...block.span, end: Math.min(block.span.end, block.span.start + 1) }
        : { file: ctx.file, start: 0, end: 0 };
      ctx.report(error("PW2014", span, `${where} needs \`${name}\` (${f.doc})`));
    } else if (f.default !== undefined) {
      settings[name] = { value: f.default, provenance: "default" };
    }
  }
  return { settings, requirements, rules };
}

interface Converted {
  value: Json;
  children?: ResolvedSettings;
}

function typeName(e: A.Expression): string {
  switch (e.kind) {
    case "Number":
      return e.unit ? `\`${e.raw}\`` : "a number";
    case "String":
      return "a string";
    case "Boolean":
      return `\`${e.value}\``;
    case "List":
      return "a list";
    case "Map":
      return "a block";
    case "Range":
      return "a range";
    case "Reference":
      return `\`${referenceName(e)}\``;
    case "Call":
      return `\`${referenceName(e.callee)}(…)\``;
    default:
      return "an expression";
  }
}

export function describeSpec(spec: Spec): string {
  switch (spec.kind) {
    case "number":
      if (spec.unit) return describeUnitKind(spec.unit);
      return spec.integer ? "a whole number" : "a number";
    case "fraction":
      return "a fraction (`90%` or `0.9`)";
    case "string":
      return "a string";
    case "path":
      return "a path string";
    case "boolean":
      return "`true` or `false`";
    case "enum":
      return spec.values.map((v) => `\`${v}\``).join(", ");
    case "identifier":
      return "a name";
    case "field":
      return "a record field name";
    case "list":
      return `a list of ${describeSpec(spec.item)}`;
    case "range":
      return "a range (`a..b`)";
    case "ref":
      return spec.accepts.map(describeOutputType).join(" or ");
    case "block":
      return "a block `{ … }`";
    case "variant":
      return Object.keys(spec.variants)
        .map((v) => `\`${v}\``)
        .join(" or ");
    case "map":
      return "a block of `name: value` entries";
    case "anyOf":
      return spec.describe;
  }
}

function wrongType(e: A.Expression, spec: Spec, ctx: CheckContext, what: string): undefined {
  ctx.report(
    error("PW2011", e.span, `${what} expects ${describeSpec(spec)}, found ${typeName(e)}`),
  );
  return undefined;
}

export function convertValue(
  e: A.Expression,
  spec: Spec,
  ctx: CheckContext,
  what: string,
): Converted | undefined {
  if (e.recovered) return undefined;
  switch (spec.kind) {
    case "number":
      return convertNumber(e, spec, ctx, what);
    case "fraction": {
      if (e.kind !== "Number") return wrongType(e, spec, ctx, what);
      if (e.unit && e.unit !== "%") {
        ctx.report(
          error(
            "PW2012",
            e.span,
            `${what} expects a fraction, found \`${e.raw}\``,
            "write a percentage (`90%`) or a number between 0 and 1",
          ),
        );
        return undefined;
      }
      const v = e.unit === "%" ? e.value / 100 : e.value;
      if (v < 0 || v > 1) {
        ctx.report(
          error("PW2013", e.span, `${what} must be between 0 and 1 (0%–100%), found \`${e.raw}\``),
        );
        return undefined;
      }
      return { value: v };
    }
    case "string":
    case "path":
      if (e.kind !== "String") return wrongType(e, spec, ctx, what);
      return { value: e.value };
    case "boolean":
      if (e.kind !== "Boolean") return wrongType(e, spec, ctx, what);
      return { value: e.value };
    case "enum": {
      const name =
        e.kind === "Reference" && e.parts.length === 1
          ? e.parts[0].name
          : e.kind === "String"
            ? e.value
            : undefined;
      if (name === undefined) return wrongType(e, spec, ctx, what);
      if (!spec.values.includes(name)) {
        ctx.report(
          error(
            "PW2019",
            e.span,
            `${what} does not accept \`${name}\``,
            didYouMean(name, spec.values) ?? `allowed: ${spec.values.join(", ")}`,
          ),
        );
        return undefined;
      }
      return { value: name };
    }
    case "identifier": {
      if (e.kind === "Reference" && e.parts.length === 1) return { value: e.parts[0].name };
      if (e.kind === "String") return { value: e.value };
      return wrongType(e, spec, ctx, what);
    }
    case "field": {
      const name =
        e.kind === "Reference" ? referenceName(e) : e.kind === "String" ? e.value : undefined;
      if (name === undefined) return wrongType(e, spec, ctx, what);
      checkField(name, e.span, ctx);
      return { value: name };
    }
    case "list": {
      if (e.kind !== "List") return wrongType(e, spec, ctx, what);
      if (spec.minItems !== undefined && e.items.length < spec.minItems) {
        ctx.report(
          error(
            "PW2029",
            e.span,
            `${what} needs at least ${spec.minItems} item${spec.minItems === 1 ? "" : "s"}`,
          ),
        );
        return undefined;
      }
      const out: Json[] = [];
      let ok = true;
      for (const item of e.items) {
        const c = convertValue(item, spec.item, ctx, `an item of ${what}`);
        if (c === undefined) ok = false;
        else out.push(c.value);
      }
      return ok ? { value: out } : undefined;
    }
    case "range": {
      if (e.kind !== "Range") return wrongType(e, spec, ctx, what);
      const from = convertValue(e.from, spec.item, ctx, `the start of ${what}`);
      const to = convertValue(e.to, spec.item, ctx, `the end of ${what}`);
      if (!from || !to) return undefined;
      if ((from.value as number) > (to.value as number)) {
        ctx.report(error("PW2013", e.span, `${what}: the range is empty (start > end)`));
        return undefined;
      }
      return { value: { range: [from.value, to.value] } };
    }
    case "ref": {
      if (e.kind !== "Reference") return wrongType(e, spec, ctx, what);
      const resolved = ctx.resolve(
        e.parts.map((p) => p.name),
        e.span,
      );
      if (!resolved) return undefined;
      if (!spec.accepts.includes(resolved.type)) {
        ctx.report(
          error(
            "PW2004",
            e.span,
            `${what} expects ${spec.accepts.map(describeOutputType).join(" or ")}, but \`${referenceName(e)}\` is ${describeOutputType(resolved.type)}`,
          ),
        );
        return undefined;
      }
      return { value: { $ref: referenceName(e), type: resolved.type } };
    }
    case "block": {
      const body = e.kind === "Map" ? e.body : undefined;
      if (!body) return wrongType(e, spec, ctx, what);
      const resolved = checkBlock(body, spec.block, ctx, what);
      const value: Record<string, Json> = settingsToJson(resolved.settings);
      if (resolved.rules.length) value.$rules = resolved.rules as unknown as Json;
      if (resolved.requirements.length) value.$require = resolved.requirements;
      return { value, children: resolved.settings };
    }
    case "variant": {
      let name: string | undefined;
      let body: A.Block | undefined;
      let nameSpan = e.span;
      if (e.kind === "Reference" && e.parts.length === 1) {
        name = e.parts[0].name;
      } else if (e.kind === "Call" && e.callee.parts.length === 1 && !e.parenthesized) {
        name = e.callee.parts[0].name;
        body = e.body;
        nameSpan = e.callee.span;
      } else {
        return wrongType(e, spec, ctx, what);
      }
      const variantSpec = spec.variants[name];
      if (!variantSpec) {
        ctx.report(
          error(
            "PW2019",
            nameSpan,
            `${what} does not accept \`${name}\``,
            didYouMean(name, Object.keys(spec.variants)) ??
              `allowed: ${Object.keys(spec.variants).join(", ")}`,
          ),
        );
        return undefined;
      }
      const resolved = checkBlock(body, variantSpec, ctx, `\`${name}\``);
      return {
        value: { kind: name, ...settingsToJson(resolved.settings) },
        children: resolved.settings,
      };
    }
    case "map": {
      const body = e.kind === "Map" ? e.body : undefined;
      if (!body) return wrongType(e, spec, ctx, what);
      const out: Record<string, Json> = {};
      for (const entry of body.entries) {
        if (entry.recovered) continue;
        if (entry.kind !== "Property") {
          ctx.report(error("PW2021", entry.span, `${what} holds only \`name: value\` entries`));
          continue;
        }
        if (entry.key.name in out) {
          ctx.report(
            error("PW2015", entry.key.span, `\`${entry.key.name}\` is set twice in ${what}`),
          );
          continue;
        }
        const c = convertValue(entry.value, spec.value, ctx, `\`${entry.key.name}\``);
        if (c !== undefined) out[entry.key.name] = c.value;
      }
      return { value: out };
    }
    case "anyOf": {
      // Try each option silently; report once if none fits.
      for (const option of spec.options) {
        if (!plausible(e, option)) continue;
        return convertValue(e, option, ctx, what);
      }
      ctx.report(error("PW2011", e.span, `${what} expects ${spec.describe}, found ${typeName(e)}`));
      return undefined;
    }
  }
}

/** Whether an expression has the right shape for a spec (to pick an `anyOf` option). */
function plausible(e: A.Expression, spec: Spec): boolean {
  switch (spec.kind) {
    case "number":
      return e.kind === "Number" && e.unit !== "%";
    case "fraction":
      // In a choice between a fraction and a count, `90%` and `0.9` are fractions, `1000` a count.
      return e.kind === "Number" && (e.unit === "%" || (!e.unit && !Number.isInteger(e.value)));
    case "string":
    case "path":
      return e.kind === "String";
    case "boolean":
      return e.kind === "Boolean";
    case "enum":
      return (
        (e.kind === "Reference" && e.parts.length === 1 && spec.values.includes(e.parts[0].name)) ||
        (e.kind === "String" && spec.values.includes(e.value))
      );
    case "identifier":
      return (e.kind === "Reference" && e.parts.length === 1) || e.kind === "String";
    case "field":
      return e.kind === "Reference" || e.kind === "String";
    case "list":
      return e.kind === "List";
    case "range":
      return e.kind === "Range";
    case "ref":
      return e.kind === "Reference";
    case "block":
    case "map":
      return e.kind === "Map";
    case "variant": {
      const name =
        e.kind === "Reference" && e.parts.length === 1
          ? e.parts[0].name
          : e.kind === "Call" && !e.parenthesized
            ? referenceName(e.callee)
            : undefined;
      return name !== undefined && name in spec.variants;
    }
    case "anyOf":
      return spec.options.some((o) => plausible(e, o));
  }
}

function convertNumber(
  e: A.Expression,
  spec: Extract<Spec, { kind: "number" }>,
  ctx: CheckContext,
  what: string,
): Converted | undefined {
  if (e.kind !== "Number") return wrongType(e, spec, ctx, what);
  let value = e.value;
  if (e.unit) {
    const info = unitInfo(e.unit);
    if (!info) {
      ctx.report(
        error(
          "PW2012",
          e.span,
          `unknown unit \`${e.unit}\` in \`${e.raw}\``,
          didYouMean(e.unit, KNOWN_UNITS) ?? `units: ${KNOWN_UNITS.join(" ")}`,
        ),
      );
      return undefined;
    }
    const countOk = info.kind === "count" && spec.integer;
    if (info.kind !== spec.unit && !countOk) {
      const expected = spec.unit
        ? describeUnitKind(spec.unit)
        : spec.integer
          ? "a plain whole number"
          : "a plain number";
      ctx.report(error("PW2012", e.span, `${what} expects ${expected}, found \`${e.raw}\``));
      return undefined;
    }
    value = e.value * info.factor;
  } else if (spec.unitRequired && spec.unit && e.value !== 0) {
    ctx.report(
      error(
        "PW2012",
        e.span,
        `${what} needs a unit: ${describeUnitKind(spec.unit)}`,
        `write e.g. \`${e.raw}${spec.unit === "memory" ? "GB" : "s"}\``,
      ),
    );
    return undefined;
  }
  if (spec.integer && !Number.isInteger(value)) {
    ctx.report(error("PW2011", e.span, `${what} expects a whole number, found \`${e.raw}\``));
    return undefined;
  }
  const tooLow =
    spec.min !== undefined && (spec.minExclusive ? value <= spec.min : value < spec.min);
  const tooHigh =
    spec.max !== undefined && (spec.maxExclusive ? value >= spec.max : value > spec.max);
  if (tooLow || tooHigh) {
    ctx.report(error("PW2013", e.span, `${what} must be ${rangeText(spec)}, found \`${e.raw}\``));
    return undefined;
  }
  return { value };
}

function rangeText(spec: Extract<Spec, { kind: "number" }>): string {
  const lo = spec.min === undefined ? undefined : `${spec.minExclusive ? ">" : "≥"} ${spec.min}`;
  const hi = spec.max === undefined ? undefined : `${spec.maxExclusive ? "<" : "≤"} ${spec.max}`;
  return [lo, hi].filter(Boolean).join(" and ");
}

export function checkField(name: string, span: A.Span, ctx: CheckContext): void {
  const fields = ctx.recordFields;
  if (!fields) return;
  const root = name.split(".")[0];
  if (!fields.includes(root)) {
    ctx.report(
      error(
        "PW2022",
        span,
        `the dataset's records have no field \`${root}\``,
        didYouMean(root, fields) ?? `fields: ${fields.join(", ")}`,
      ),
    );
  }
}
