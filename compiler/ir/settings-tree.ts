/**
 * Resolved settings as a tree that says, for every value, where it came from (set in the
 * file or a default) and which catalogue spec it follows. Both the IR (settings with defaults
 * filled) and `pipe explain` (the same values, printed with provenance) are built from it,
 * so what explain shows is exactly what the IR carries.
 *
 * Two normalisations make "what will actually run" explicit:
 * - a variant named without a block (`optimizer: adamw`, also as a default) is expanded to
 *   its settings with their defaults (`{ kind: adamw, lr: 2e-4, … }`);
 * - of two mutually exclusive settings, a default is dropped when the other one is set in the
 *   file (`adamw { lr0: 2e-3 }` does not also carry the default `lr`).
 */
import type { Provenance, ResolvedSetting, ResolvedSettings } from "../settings/check-block.js";
import type { BlockSpec, Json, Spec } from "../settings/spec.js";

export interface SettingNode {
  key: string;
  provenance: Provenance;
  /** The catalogue spec the value follows (for units when printing). */
  spec?: Spec;
  /** Documentation of the setting, from the catalogue. */
  doc?: string;
  /** The value with nested defaults filled (variants expanded). */
  value: Json;
  /** The variant chosen (`adamw`, `cosine`), for variant-valued settings. */
  variant?: string;
  children?: SettingNode[];
}

/** Builds the tree for a block's resolved settings, in the order they were resolved. */
export function settingsTree(
  settings: ResolvedSettings,
  block: BlockSpec | undefined,
): SettingNode[] {
  const nodes: SettingNode[] = [];
  for (const [key, setting] of Object.entries(settings)) {
    const field = block?.fields[key] ?? block?.otherKeys;
    nodes.push(settingNode(key, setting, field?.spec, field?.doc));
  }
  return dropShadowedDefaults(nodes, block);
}

function settingNode(
  key: string,
  setting: ResolvedSetting,
  spec: Spec | undefined,
  doc: string | undefined,
): SettingNode {
  const base = { key, provenance: setting.provenance, ...(doc ? { doc } : {}) };
  const value = setting.value;
  const variantSpec = findVariant(spec, value);
  if (variantSpec) {
    const [name, variantBlock] = variantSpec;
    const children = setting.children
      ? settingsTree(setting.children, variantBlock)
      : defaultsOf(variantBlock);
    return {
      ...base,
      spec,
      value: { kind: name, ...treeToJson(children) },
      variant: name,
      children,
    };
  }
  const blockSpec = findBlock(spec);
  if (blockSpec && setting.children) {
    const children = settingsTree(setting.children, blockSpec);
    const extras: Record<string, Json> = {};
    if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) if (k.startsWith("$")) extras[k] = v;
    }
    return { ...base, spec, value: { ...treeToJson(children), ...extras }, children };
  }
  return { ...base, spec, value };
}

/** The defaults of a block as setting nodes (for a variant named without a block). */
function defaultsOf(block: BlockSpec): SettingNode[] {
  const out: SettingNode[] = [];
  for (const [key, field] of Object.entries(block.fields)) {
    if (field.default === undefined) continue;
    out.push(
      settingNode(key, { value: field.default, provenance: "default" }, field.spec, field.doc),
    );
  }
  return out;
}

function dropShadowedDefaults(nodes: SettingNode[], block: BlockSpec | undefined): SettingNode[] {
  const drop = new Set<string>();
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  for (const [a, b] of block?.exclusive ?? []) {
    const na = byKey.get(a);
    const nb = byKey.get(b);
    if (!na || !nb) continue;
    if (na.provenance === "default" && nb.provenance === "file") drop.add(a);
    if (nb.provenance === "default" && na.provenance === "file") drop.add(b);
  }
  return drop.size ? nodes.filter((n) => !drop.has(n.key)) : nodes;
}

function findVariant(spec: Spec | undefined, value: Json): [string, BlockSpec] | undefined {
  if (!spec) return undefined;
  const name =
    typeof value === "string"
      ? value
      : isObject(value) && typeof value.kind === "string"
        ? value.kind
        : undefined;
  if (name === undefined) return undefined;
  if (spec.kind === "variant") {
    const block = spec.variants[name];
    return block ? [name, block] : undefined;
  }
  if (spec.kind === "anyOf") {
    // A plain string may be another option's value (`dedupe: instruction`): only an object
    // with `kind`, or a string that names a variant no other option accepts, is a variant.
    for (const option of spec.options) {
      if (option.kind !== "variant" || !option.variants[name]) continue;
      if (typeof value === "string" && spec.options.some((o) => acceptsString(o, value))) continue;
      return [name, option.variants[name]];
    }
  }
  return undefined;
}

function acceptsString(spec: Spec, value: string): boolean {
  switch (spec.kind) {
    case "enum":
      return spec.values.includes(value);
    case "string":
    case "path":
    case "identifier":
    case "field":
      return true;
    default:
      return false;
  }
}

function findBlock(spec: Spec | undefined): BlockSpec | undefined {
  if (!spec) return undefined;
  if (spec.kind === "block") return spec.block;
  if (spec.kind === "anyOf") {
    for (const option of spec.options) if (option.kind === "block") return option.block;
  }
  return undefined;
}

export function treeToJson(nodes: readonly SettingNode[]): Record<string, Json> {
  return Object.fromEntries(nodes.map((n) => [n.key, n.value]));
}

export function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A reference to another stage, as the semantic analysis resolves it: `{ $ref, type }`. */
export function isStageRef(value: Json | undefined): value is { $ref: string; type: string } {
  return isObject(value) && typeof value.$ref === "string";
}
