/**
 * `pipe explain`: what will actually run. Every stage with every setting — written in the
 * file or filled by a default — as a tree, values in human units, then the order of
 * execution, the fusions the runtime will apply and the stages that will not run.
 *
 * The values come from the same settings tree the IR is built from (compiler/ir/
 * settings-tree.ts), so explain and the IR cannot disagree.
 */
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import { EXPORT_BLOCK, PIPELINE_BLOCK } from "../settings/catalogue.js";
import type { BlockSpec, Json } from "../settings/spec.js";
import { conditionText, describeNode } from "../ir/describe.js";
import type { PipelineIr } from "../ir/schema.js";
import { isObject, isStageRef, settingsTree, type SettingNode } from "../ir/settings-tree.js";
import { LLAMA_CONFIG_KEYS } from "../ir/lower-models.js";
import { formatValue } from "./format-value.js";

interface Row {
  depth: number;
  key: string;
  value: string;
  provenance: string;
}

const PROVENANCE = { file: "set in file", default: "default" } as const;

/** Settings rows for a block, with `seed` settings that default to the pipeline's seed. */
function blockRows(
  nodes: readonly SettingNode[],
  block: BlockSpec | undefined,
  depth: number,
  seed: number,
): Row[] {
  const rows: Row[] = [];
  for (const n of nodes) {
    const extras = isObject(n.value) ? n.value : {};
    const showChildren = n.children !== undefined;
    const head = n.variant ?? (showChildren ? "" : formatValue(n.value, n.spec));
    rows.push({ depth, key: n.key, value: head, provenance: PROVENANCE[n.provenance] });
    if (n.children) {
      const childBlock = n.spec?.kind === "variant" ? n.spec.variants[n.variant ?? ""] : undefined;
      rows.push(...blockRows(n.children, childBlock ?? blockOf(n), depth + 1, seed));
    }
    for (const c of (extras.$require as Json[] | undefined) ?? []) {
      rows.push({
        depth: depth + 1,
        key: "require",
        value: conditionText(c),
        provenance: PROVENANCE[n.provenance],
      });
    }
    for (const r of (extras.$rules as { outcome: string; condition: Json }[] | undefined) ?? []) {
      rows.push({
        depth: depth + 1,
        key: r.outcome,
        value: r.condition === null ? "otherwise" : `when ${conditionText(r.condition)}`,
        provenance: PROVENANCE[n.provenance],
      });
    }
  }
  if (block?.fields.seed && !nodes.some((n) => n.key === "seed")) {
    rows.push({
      depth,
      key: "seed",
      value: String(seed),
      provenance: "default (the pipeline seed)",
    });
  }
  return rows;
}

/**
 * A model loaded from a directory takes its architecture from config.json: catalogue defaults
 * for those settings do not apply (the IR does not carry them), and nothing is initialised.
 */
function fromModelDir(rows: Row[]): Row[] {
  const config = new Set<string>(LLAMA_CONFIG_KEYS);
  return rows
    .filter((r) => !(r.depth === 0 && r.key === "init_std" && r.provenance === PROVENANCE.default))
    .map((r) =>
      r.depth === 0 && config.has(r.key) && r.provenance === PROVENANCE.default
        ? { ...r, value: "from config.json", provenance: "model directory" }
        : r,
    );
}

function blockOf(n: SettingNode): BlockSpec | undefined {
  if (n.spec?.kind === "block") return n.spec.block;
  if (n.spec?.kind === "anyOf") {
    for (const o of n.spec.options) if (o.kind === "block") return o.block;
  }
  return undefined;
}

function renderRows(rows: readonly Row[]): string[] {
  const keyWidth = Math.max(0, ...rows.map((r) => 2 * r.depth + r.key.length));
  const valueWidth = Math.min(44, Math.max(0, ...rows.map((r) => r.value.length)));
  return rows.map((r) => {
    const key = `${"  ".repeat(r.depth)}${r.key}`.padEnd(keyWidth);
    const value = r.value.padEnd(valueWidth);
    return `  ${key}  ${value}  ${r.provenance}`.trimEnd();
  });
}

function argText(value: Json): string {
  if (isStageRef(value)) return value.$ref;
  if (Array.isArray(value)) return `[${value.map(argText).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function stageHeader(stage: AnalyzedStage): string {
  const names = stage.spec.args.map((a) => a.name).filter((n) => n in stage.args);
  const call =
    stage.spec.inline && names.length === 0
      ? stage.source
      : names.length <= 1
        ? `${stage.source}(${names.map((n) => argText(stage.args[n])).join(", ")})`
        : `${stage.source}(${names.map((n) => `${n}: ${argText(stage.args[n])}`).join(", ")})`;
  return `${stage.kind} ${stage.name} = ${call}`;
}

export function explainPipeline(pipeline: AnalyzedPipeline, ir: PipelineIr): string {
  const seedSetting = pipeline.settings.seed?.value;
  const seed = typeof seedSetting === "number" ? seedSetting : 0;
  const out: string[] = [];
  const exportNodes = new Set(ir.exports.map((e) => e.node));
  const eliminated = new Map(ir.metadata.eliminated.map((e) => [e.stage, e]));

  out.push(`pipeline "${pipeline.name}" (${pipeline.file})`);
  out.push(
    ...renderRows(blockRows(settingsTree(pipeline.settings, PIPELINE_BLOCK), undefined, 0, seed)),
  );
  if (pipeline.settings.seed === undefined) {
    out.push("  (no seed is set: every seed defaults to 0)");
  }

  for (const stage of pipeline.stages.values()) {
    out.push("");
    out.push(stageHeader(stage));
    const nodes = ir.nodes.filter((n) => n.stage === stage.name && !exportNodes.has(n.id));
    const gone = eliminated.get(stage.name);
    if (nodes.length) out.push(`  runs as: ${nodes.map((n) => n.id).join(" → ")}`);
    if (gone) {
      out.push(
        `  ${gone.whole ? "does not run" : `skipped: ${gone.nodes.join(", ")}`} — ${gone.reason}`,
      );
    }
    let rows = blockRows(settingsTree(stage.settings, stage.spec.body), stage.spec.body, 0, seed);
    if (stage.source === "llama" && typeof stage.args.path === "string") rows = fromModelDir(rows);
    for (const c of stage.requirements) {
      rows.push({ depth: 0, key: "require", value: conditionText(c), provenance: PROVENANCE.file });
    }
    if (stage.source === "inspect" && !stage.settings.verdict) {
      const inspect = ir.nodes.find((n) => n.op === "inspect" && n.stage === stage.name);
      const verdict =
        (inspect?.settings as { verdict?: { outcome: string; when: Json }[] })?.verdict ?? [];
      rows.push({ depth: 0, key: "verdict", value: "", provenance: PROVENANCE.default });
      for (const r of verdict) {
        rows.push({
          depth: 1,
          key: r.outcome,
          value: r.when === null ? "otherwise" : `when ${conditionText(r.when)}`,
          provenance: PROVENANCE.default,
        });
      }
    }
    out.push(...(rows.length ? renderRows(rows) : ["  (no settings)"]));
  }

  ir.exports.forEach((ex) => {
    const decl = pipeline.exports.find(
      (e) => e.target === ex.target && e.destination === ex.destination,
    );
    const node = ir.nodes.find((n) => n.id === ex.node);
    out.push("");
    out.push(`export ${ex.target} to ${JSON.stringify(ex.destination)}`);
    const rows = decl
      ? blockRows(settingsTree(decl.settings, EXPORT_BLOCK), undefined, 0, seed)
      : [];
    const format = (node?.settings as { format?: string } | undefined)?.format;
    if (format && !rows.some((r) => r.key === "format")) {
      rows.unshift({
        depth: 0,
        key: "format",
        value: format,
        provenance: "default (from what is exported)",
      });
    }
    out.push(...renderRows(rows));
  });

  out.push("");
  out.push(`order of execution (${ir.nodes.length} step${ir.nodes.length === 1 ? "" : "s"})`);
  const idWidth = Math.max(0, ...ir.nodes.map((n) => n.id.length));
  const opWidth = Math.max(0, ...ir.nodes.map((n) => n.op.length));
  const numWidth = String(ir.nodes.length).length;
  ir.nodes.forEach((n, i) => {
    const num = `${i + 1}.`.padStart(numWidth + 1);
    out.push(`  ${num} ${n.id.padEnd(idWidth)}  ${n.op.padEnd(opWidth)}  ${describeNode(n)}`);
  });

  const fused = ir.nodes.filter((n) => n.annotations.fusions.length);
  if (fused.length) {
    out.push("");
    out.push("fusions");
    for (const n of fused) {
      for (const f of n.annotations.fusions)
        out.push(`  ${n.id}: ${f.kind} (${f.kernel}) — ${f.note}`);
    }
  }

  out.push("");
  if (ir.metadata.eliminated.length === 0) {
    out.push("not run: nothing — every stage reaches an output");
  } else {
    out.push("not run");
    for (const e of ir.metadata.eliminated) {
      out.push(`  ${e.stage}${e.whole ? "" : ` (${e.nodes.join(", ")})`}: ${e.reason}`);
    }
  }
  return out.join("\n") + "\n";
}
