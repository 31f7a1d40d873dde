/**
 * Which modules an adapter's `targets` select, per target and per layer, and whether a LoRA
 * rank fits each selected matrix.
 *
 * Matching follows PEFT: a plain name matches a module whose full name equals it or ends with
 * "." + name (`q_proj`, `self_attn.q_proj`, `model.layers.0.self_attn.q_proj`). A name with
 * regex characters is a pattern that must match the whole module name or a dot-separated suffix
 * of it (`layers\.[0-3]\.self_attn\.q_proj`, `.*_proj`); a pattern that is not a valid regex
 * but contains `*`/`?` is read as a glob (`*` any run of characters, `?` one character).
 * `all-linear` selects every projection of the decoder layers (not lm_head), as in PEFT.
 */
import { WORLD } from "../diagnostics/codes/world.js";
import { suggestSimilar } from "./did-you-mean.js";
import type { LinearModule } from "./llama-config.js";
import type { WorldIssue } from "./world-issue.js";

export type TargetKind = "name" | "pattern" | "all-linear";

export interface TargetCoverage {
  target: string;
  kind: TargetKind;
  /** Matched modules, in model order. */
  matches: LinearModule[];
  /** Decoder layers with at least one match, ascending. */
  layers: number[];
  /** Decoder layers (within the considered layers) with no match. */
  missingLayers: number[];
  /** Matches outside the decoder layers (lm_head). */
  nonLayerMatches: LinearModule[];
  coverage: "full" | "partial" | "none";
  /** For a target that matched nothing: close module names. */
  suggestions: string[];
}

export interface TargetMatchResult {
  targets: TargetCoverage[];
  /** Union of all matches without duplicates, in model order. */
  modules: LinearModule[];
  issues: WorldIssue[];
}

export interface MatchOptions {
  /** Restrict to these decoder layers (PEFT `layers_to_transform`). */
  layers?: readonly number[];
  /** Adapter name for messages ("lora `qlora`"). */
  adapter?: string;
}

const PATTERN_CHARS = /[*?[\](){}|\\^$+]/;

/** Names from other architectures' conventions, mapped to this one's. */
const ALIASES: Record<string, string> = {
  query: "q_proj",
  q: "q_proj",
  wq: "q_proj",
  key: "k_proj",
  k: "k_proj",
  wk: "k_proj",
  value: "v_proj",
  v: "v_proj",
  wv: "v_proj",
  wo: "o_proj",
  out_proj: "o_proj",
  dense: "o_proj",
  c_proj: "o_proj",
  w1: "gate_proj",
  w3: "up_proj",
  w2: "down_proj",
  fc1: "up_proj",
  fc2: "down_proj",
  c_attn: "q_proj, k_proj, v_proj",
  query_key_value: "q_proj, k_proj, v_proj",
  qkv_proj: "q_proj, k_proj, v_proj",
  gate_up_proj: "gate_proj, up_proj",
};

function compileTarget(target: string): { test: (name: string) => boolean } | { error: string } {
  if (target === "all-linear") return { test: () => true };
  const name = target.endsWith(".weight") ? target.slice(0, -".weight".length) : target;
  if (!PATTERN_CHARS.test(name)) {
    return { test: (m) => m === name || m.endsWith(`.${name}`) };
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${name})$`);
  } catch (err) {
    if (!/[*?]/.test(name)) return { error: (err as Error).message };
    const glob = name
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    try {
      re = new RegExp(`^(?:${glob})$`);
    } catch {
      return { error: (err as Error).message };
    }
  }
  return {
    test: (m) => {
      // The whole name or any suffix that starts after a dot.
      if (re.test(m)) return true;
      for (let i = m.indexOf("."); i >= 0; i = m.indexOf(".", i + 1)) {
        if (re.test(m.slice(i + 1))) return true;
      }
      return false;
    },
  };
}

export function targetKind(target: string): TargetKind {
  if (target === "all-linear") return "all-linear";
  return PATTERN_CHARS.test(target) ? "pattern" : "name";
}

/**
 * Matches each target against the model's linear modules (from `linearModules(arch)` or the
 * safetensors headers) and reports coverage per target and per layer.
 */
export function matchTargets(
  modules: readonly LinearModule[],
  targets: readonly string[],
  options: MatchOptions = {},
): TargetMatchResult {
  const allLayers = [
    ...new Set(modules.filter((m) => m.layer !== undefined).map((m) => m.layer!)),
  ].sort((a, b) => a - b);
  const considered = options.layers
    ? allLayers.filter((l) => options.layers!.includes(l))
    : allLayers;
  const consideredSet = new Set(considered);
  const candidates = modules.filter((m) => m.layer === undefined || consideredSet.has(m.layer));
  const shortNames = [...new Set(modules.map((m) => m.module))];
  const who = options.adapter ? `${options.adapter}: ` : "";
  const issues: WorldIssue[] = [];
  const targetsOut: TargetCoverage[] = [];
  const union = new Set<LinearModule>();

  for (const target of targets) {
    const kind = targetKind(target);
    const compiled = compileTarget(target);
    if ("error" in compiled) {
      issues.push({
        code: WORLD.adapterTargetPatternInvalid,
        severity: "error",
        message: `${who}target \`${target}\` is not a valid pattern (${compiled.error})`,
        hint: "use a module name such as `q_proj`, a regular expression, or a glob such as `*.q_proj`",
        subject: target,
      });
      targetsOut.push({
        target,
        kind,
        matches: [],
        layers: [],
        missingLayers: considered,
        nonLayerMatches: [],
        coverage: "none",
        suggestions: [],
      });
      continue;
    }
    const matches = candidates.filter((m) =>
      kind === "all-linear" ? m.layer !== undefined : compiled.test(m.name),
    );
    for (const m of matches) union.add(m);
    const layers = [
      ...new Set(matches.filter((m) => m.layer !== undefined).map((m) => m.layer!)),
    ].sort((a, b) => a - b);
    const layerSet = new Set(layers);
    const missingLayers = considered.filter((l) => !layerSet.has(l));
    const nonLayerMatches = matches.filter((m) => m.layer === undefined);
    const coverage: TargetCoverage["coverage"] =
      matches.length === 0
        ? "none"
        : layers.length > 0 && missingLayers.length > 0
          ? "partial"
          : "full";
    let suggestions: string[] = [];
    if (coverage === "none") {
      const bare = target.split(".").pop() ?? target;
      const alias = ALIASES[bare.toLowerCase()];
      suggestions = alias ? [alias] : suggestSimilar(bare, [...shortNames, "all-linear"]);
      issues.push({
        code: WORLD.adapterTargetNone,
        severity: "error",
        message: `${who}target \`${target}\` matches no module of the model`,
        hint:
          (suggestions.length ? `did you mean \`${suggestions[0]}\`? ` : "") +
          `modules: ${shortNames.join(", ")}`,
        subject: target,
      });
    } else if (coverage === "partial") {
      issues.push({
        code: WORLD.adapterTargetPartial,
        severity: "warning",
        message:
          `${who}target \`${target}\` matches ${layers.length} of ${considered.length} layers ` +
          `(none in layers ${formatLayerList(missingLayers)})`,
        hint: "if this is intended, list the layers explicitly; otherwise use the module's short name",
        subject: target,
      });
    }
    targetsOut.push({
      target,
      kind,
      matches,
      layers,
      missingLayers,
      nonLayerMatches,
      coverage,
      suggestions,
    });
  }
  return { targets: targetsOut, modules: modules.filter((m) => union.has(m)), issues };
}

/** "0-3, 7, 9-11" */
export function formatLayerList(layers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < layers.length;) {
    let j = i;
    while (j + 1 < layers.length && layers[j + 1] === layers[j] + 1) j++;
    parts.push(i === j ? `${layers[i]}` : `${layers[i]}-${layers[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

export interface RankViolation {
  module: string;
  outFeatures: number;
  inFeatures: number;
  maxRank: number;
  /** Layers where this module has that shape (empty for lm_head). */
  layers: number[];
}

/**
 * LoRA factors A (r×k) and B (d×r) only make sense for r ≤ min(d, k). One violation per
 * (module, shape), with the layers it occurs in.
 */
export function checkRank(
  modules: readonly LinearModule[],
  rank: number,
  adapter?: string,
): { violations: RankViolation[]; issues: WorldIssue[] } {
  const byKey = new Map<string, RankViolation>();
  for (const m of modules) {
    const maxRank = Math.min(m.outFeatures, m.inFeatures);
    if (rank <= maxRank) continue;
    const key = `${m.module}:${m.outFeatures}x${m.inFeatures}`;
    let v = byKey.get(key);
    if (!v) {
      v = {
        module: m.module,
        outFeatures: m.outFeatures,
        inFeatures: m.inFeatures,
        maxRank,
        layers: [],
      };
      byKey.set(key, v);
    }
    if (m.layer !== undefined) v.layers.push(m.layer);
  }
  const violations = [...byKey.values()];
  const who = adapter ? `${adapter}: ` : "";
  const issues: WorldIssue[] = violations.map((v) => ({
    code: WORLD.adapterRankTooLarge,
    severity: "error",
    message:
      `${who}rank ${rank} exceeds min(d, k) = ${v.maxRank} of \`${v.module}\` ` +
      `(${v.outFeatures}×${v.inFeatures}${v.layers.length ? `, layers ${formatLayerList(v.layers)}` : ""})`,
    hint: `use rank ≤ ${Math.min(...violations.map((x) => x.maxRank))}`,
    subject: v.module,
  }));
  return { violations, issues };
}
