/**
 * Finding the place in the `.pipe` text that a real-world finding is about: a setting's value,
 * one item of a `targets` list, one key of a `severity` map, a class named in a verdict rule.
 * Everything falls back to the stage's name, so a finding always has a span.
 */
import type * as A from "../../grammar/ast.js";
import { referenceName } from "../../grammar/ast.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type { AnalyzedStage } from "../semantic/analyze.js";

/** The entry `key: …` or `key { … }` of a block (the last one wins, as in the checker). */
export function findEntry(
  block: A.Block | undefined,
  key: string,
): A.Property | A.SubBlock | undefined {
  let found: A.Property | A.SubBlock | undefined;
  for (const e of block?.entries ?? []) {
    if (e.recovered) continue;
    if (e.kind === "Property" && e.key.name === key) found = e;
    else if (e.kind === "SubBlock" && e.name.name === key) found = e;
  }
  return found;
}

/** The span of a setting's value as written, or undefined when it is defaulted. */
export function settingValueSpan(stage: AnalyzedStage, key: string): Span | undefined {
  const e = findEntry(stage.node.body, key);
  if (!e) return undefined;
  return e.kind === "Property" ? e.value.span : e.name.span;
}

/** Where to point for a setting: its value, else the stage name. */
export function settingSpan(stage: AnalyzedStage, key: string): Span {
  return settingValueSpan(stage, key) ?? stage.node.name.span;
}

/** Where to point for an argument: its value as written, else the stage name. */
export function argumentSpan(stage: AnalyzedStage, name: string): Span {
  return stage.argSpans[name] ?? stage.node.name.span;
}

/** Spans of the items of a list setting, by the name or string each item holds. */
export function listItemSpans(stage: AnalyzedStage, key: string): Map<string, Span> {
  const out = new Map<string, Span>();
  const e = findEntry(stage.node.body, key);
  if (e?.kind !== "Property" || e.value.kind !== "List") return out;
  for (const item of e.value.items) {
    if (item.recovered) continue;
    const name =
      item.kind === "Reference"
        ? referenceName(item)
        : item.kind === "String"
          ? item.value
          : undefined;
    if (name !== undefined && !out.has(name)) out.set(name, item.span);
  }
  return out;
}

/** The body of a map setting written as `key { … }` or `key: { … }`. */
function mapBody(stage: AnalyzedStage, key: string): A.Block | undefined {
  const e = findEntry(stage.node.body, key);
  if (!e) return undefined;
  if (e.kind === "SubBlock") return e.body;
  return e.value.kind === "Map" ? e.value.body : undefined;
}

/** Keys of a map setting (`severity { scratch: low }`) with their spans, in order. */
export function mapKeySpans(stage: AnalyzedStage, key: string): { key: string; span: Span }[] {
  const out: { key: string; span: Span }[] = [];
  for (const e of mapBody(stage, key)?.entries ?? []) {
    if (e.recovered) continue;
    if (e.kind === "Property") out.push({ key: e.key.name, span: e.key.span });
  }
  return out;
}

export interface RuleArgument {
  /** The function: any, count, all, max_confidence. */
  call: string;
  name: string;
  span: Span;
}

/** Names passed to functions in the rules of a rule block (`FAIL when count(crack) >= 1`). */
export function ruleArguments(stage: AnalyzedStage, key: string): RuleArgument[] {
  const out: RuleArgument[] = [];
  const visit = (x: A.Expression | undefined): void => {
    if (!x || x.recovered) return;
    switch (x.kind) {
      case "Call":
        for (const a of x.args) {
          if (a.value.kind === "Reference" && !a.value.recovered) {
            out.push({
              call: referenceName(x.callee),
              name: referenceName(a.value),
              span: a.value.span,
            });
          } else visit(a.value);
        }
        break;
      case "Binary":
        visit(x.left);
        visit(x.right);
        break;
      case "Not":
        visit(x.operand);
        break;
      case "List":
        x.items.forEach(visit);
        break;
      case "Range":
        visit(x.from);
        visit(x.to);
        break;
      default:
        break;
    }
  };
  const body = mapBody(stage, key);
  for (const e of body?.entries ?? []) {
    if (e.kind === "Rule" && !e.recovered) visit(e.condition);
  }
  return out;
}

/**
 * The span of `needle` inside a string literal's source text (for a `{placeholder}` in a
 * template), or the whole literal when it cannot be found exactly.
 */
export function spanInString(node: A.Expression | undefined, needle: string, fallback: Span): Span {
  if (!node || node.kind !== "String") return fallback;
  const i = node.raw.indexOf(needle);
  if (i < 0) return node.span;
  return {
    file: node.span.file,
    start: node.span.start + i,
    end: node.span.start + i + needle.length,
  };
}
