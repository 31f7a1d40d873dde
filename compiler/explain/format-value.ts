/**
 * Setting values for people, guided by the catalogue spec: bytes as `1.86 GiB`, durations as
 * `2 h`, fractions as `90%`, references as `sft.val`, ranges as `1..200`.
 */
import { conditionText, formatNumber, percent } from "../ir/describe.js";
import { isStageRef } from "../ir/settings-tree.js";
import type { Json, Spec } from "../settings/spec.js";
import { formatBytes } from "../settings/units.js";
import { groupThousands } from "../text/format-number.js";

export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  if (seconds < 1) return `${formatNumber(seconds * 1000)} ms`;
  return `${formatNumber(seconds)} s`;
}

function formatMemory(bytes: number): string {
  const human = formatBytes(bytes);
  return bytes >= 1024 ? `${human} (${groupThousands(bytes)} B)` : human;
}

function formatString(value: string, spec: Spec | undefined): string {
  const bare =
    spec?.kind === "enum" ||
    spec?.kind === "identifier" ||
    spec?.kind === "field" ||
    (spec?.kind === "anyOf" &&
      spec.options.some((o) => o.kind === "enum" && o.values.includes(value)));
  if (bare && /^[A-Za-z_][\w.-]*$/.test(value)) return value;
  const firstLine = value.split("\n")[0];
  return firstLine.length < value.length
    ? `${JSON.stringify(firstLine)} … (${value.split("\n").length} lines)`
    : JSON.stringify(value);
}

/** Picks the option of an `anyOf` that a value was converted with. */
function optionFor(spec: Extract<Spec, { kind: "anyOf" }>, value: Json): Spec | undefined {
  for (const o of spec.options) {
    if (typeof value === "number") {
      if (o.kind === "fraction" && (!Number.isInteger(value) || value < 1)) return o;
      if (o.kind === "number") return o;
    }
    if (Array.isArray(value) && o.kind === "list") return o;
    if (isStageRef(value) && o.kind === "ref") return o;
    if (typeof value === "string" && o.kind === "enum" && o.values.includes(value)) return o;
  }
  return spec.options.find((o) => o.kind !== "fraction");
}

export function formatValue(value: Json, spec: Spec | undefined): string {
  if (Array.isArray(value) && spec && !acceptsList(spec)) {
    // A repeatable setting (`dedupe: instruction` twice): each value follows the spec.
    return `[${value.map((v) => formatValue(v, spec)).join(", ")}]`;
  }
  if (spec?.kind === "anyOf") return formatValue(value, optionFor(spec, value));
  if (value === null) return "none";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (spec?.kind === "fraction") return percent(value);
    if (spec?.kind === "number" && spec.unit === "memory") return formatMemory(value);
    if (spec?.kind === "number" && spec.unit === "duration") return formatDuration(value);
    return formatNumber(value);
  }
  if (typeof value === "string") return formatString(value, spec);
  if (Array.isArray(value)) {
    const item = spec?.kind === "list" ? spec.item : undefined;
    return `[${value.map((v) => formatValue(v, item)).join(", ")}]`;
  }
  if (isStageRef(value)) return value.$ref;
  if (Array.isArray(value.range)) {
    const item = spec?.kind === "range" ? spec.item : undefined;
    return `${formatValue(value.range[0], item)}..${formatValue(value.range[1], item)}`;
  }
  if (typeof value.op === "string" || typeof value.call === "string") return conditionText(value);
  const entrySpec = spec?.kind === "map" ? spec.value : undefined;
  const entries = Object.entries(value).filter(([k]) => !k.startsWith("$"));
  if (typeof value.kind === "string") {
    const rest = entries.filter(([k]) => k !== "kind");
    return rest.length
      ? `${value.kind} { ${rest.map(([k, v]) => `${k}: ${formatValue(v, undefined)}`).join(", ")} }`
      : value.kind;
  }
  return `{ ${entries.map(([k, v]) => `${k}: ${formatValue(v, entrySpec)}`).join(", ")} }`;
}

function acceptsList(spec: Spec): boolean {
  return spec.kind === "list" || (spec.kind === "anyOf" && spec.options.some(acceptsList));
}
