/**
 * Lowering of `dataset` stages: [generate-data →] load-dataset [→ clean] [→ split]
 * [→ export (the `write` block)]. Tokenization is not part of the chain: it depends on the
 * model that reads the data, so the consuming stages ask for it (LowerContext.tokenized).
 */
import type * as A from "../../grammar/ast.js";
import type { AnalyzedStage } from "../semantic/analyze.js";
import type { Json } from "../settings/spec.js";
import type { DraftInput } from "./draft.js";
import type { LowerContext, LoweredStage, NodeRef } from "./lower-context.js";
import { isObject } from "./settings-tree.js";

export function lowerDataset(ctx: LowerContext, stage: AnalyzedStage): LoweredStage {
  const name = stage.name;
  const s = ctx.settingsOf(stage);
  const path = typeof stage.args.path === "string" ? stage.args.path : "";

  let source: NodeRef | undefined;
  if (isObject(s.generate)) {
    const { kind, ...params } = s.generate;
    const node = ctx.addNode({
      id: `${name}/generate-data`,
      op: "generate-data",
      stage: name,
      settings: { generator: kind, path, ...params },
    });
    source = { node: node.id };
  }
  const sourceInputs: DraftInput[] = source ? [{ port: "source", ...source }] : [];

  if (stage.source === "yolo" || stage.source === "voc") {
    const settings: Record<string, Json> =
      stage.source === "yolo"
        ? { format: "yolo", path, cache_scan: s.cache_scan ?? true }
        : {
            format: "voc",
            path,
            ...(s.classes !== undefined ? { classes: s.classes } : {}),
            convert_to: s.convert_to,
            include_difficult: s.include_difficult ?? false,
          };
    const outputs =
      stage.source === "yolo" ? ["train", "val", "test", "names"] : ["train", "val", "names"];
    const load = ctx.addNode({
      id: `${name}/load-dataset`,
      op: "load-dataset",
      stage: name,
      settings,
      inputs: sourceInputs,
      outputs,
      // dataset.yaml (YOLO) or the VOC directory; images and labels are checked at run time.
      reads: [{ path, directory: stage.source === "voc" }],
    });
    return {
      main: { node: load.id },
      named: Object.fromEntries(outputs.map((o) => [o, { node: load.id, output: o }])),
    };
  }

  const load = ctx.addNode({
    id: `${name}/load-dataset`,
    op: "load-dataset",
    stage: name,
    settings: {
      format: stage.source,
      path,
      ...(s.source_format !== undefined ? { source_format: s.source_format } : {}),
      on_bad_row: s.on_bad_row ?? "skip",
    },
    inputs: sourceInputs,
    reads: [{ path }],
  });
  let current: NodeRef = { node: load.id };

  if (isObject(s.clean)) {
    const { $require, ...rest } = s.clean;
    const inputs: DraftInput[] = [{ port: "data", ...current }];
    const slotted = ctx.slotReferences(rest, inputs) as Record<string, Json>;
    const clean = ctx.addNode({
      id: `${name}/clean`,
      op: "clean",
      stage: name,
      settings: {
        steps: cleanSteps(stage.node),
        ...slotted,
        require: Array.isArray($require) ? $require : [],
        seed: ctx.seed,
      },
      inputs,
    });
    current = { node: clean.id };
  }
  const main = current;

  const named: Record<string, NodeRef> = {};
  if (isObject(s.split)) {
    const parts = splitParts(stage.node, s.split);
    const split = ctx.addNode({
      id: `${name}/split`,
      op: "split",
      stage: name,
      settings: {
        parts,
        ...(typeof s.split.by === "string" ? { by: s.split.by } : {}),
        seed: typeof s.split.seed === "number" ? s.split.seed : ctx.seed,
      },
      inputs: [{ port: "data", ...current }],
      outputs: parts.map((p) => (p as { name: string }).name),
    });
    for (const p of parts) {
      const partName = (p as { name: string }).name;
      named[partName] = { node: split.id, output: partName };
    }
    current = { node: split.id };
  }

  if (isObject(s.write)) {
    const output = ctx.pipeline.settings.output?.value;
    ctx.addNode({
      id: `${name}/write`,
      op: "export",
      stage: name,
      settings: {
        what: "cleaned-splits",
        destination: typeof output === "string" ? output : "out",
        format: s.write.format ?? "jsonl",
        report: s.write.report ?? "clean-report.json",
      },
      inputs: [{ port: "target", ...current }],
    });
  }
  return { main, named };
}

function subBlock(node: A.StageDecl, name: string): A.SubBlock | undefined {
  return node.body?.entries.find(
    (e): e is A.SubBlock => e.kind === "SubBlock" && e.name.name === name,
  );
}

/** The clean block's entries in the order written: cleaning runs in this order. */
function cleanSteps(node: A.StageDecl): string[] {
  const steps: string[] = [];
  for (const e of subBlock(node, "clean")?.body.entries ?? []) {
    if (e.recovered) continue;
    if (e.kind === "Requirement") steps.push("require");
    else if (e.kind === "Property") steps.push(e.key.name);
    else if (e.kind === "SubBlock") steps.push(e.name.name);
  }
  return steps;
}

/**
 * Split parts in the order written. Whether a part is a fraction or a row count is decided
 * as the checker does: a percentage, or a number below 1 that is not whole, is a fraction.
 */
function splitParts(node: A.StageDecl, split: Record<string, Json>): Json[] {
  const parts: Json[] = [];
  for (const e of subBlock(node, "split")?.body.entries ?? []) {
    if (e.kind !== "Property" || e.key.name === "by" || e.key.name === "seed") continue;
    const value = split[e.key.name];
    if (typeof value !== "number") continue;
    const isFraction =
      e.value.kind === "Number" && (e.value.unit === "%" || !Number.isInteger(e.value.value));
    parts.push(
      isFraction ? { name: e.key.name, fraction: value } : { name: e.key.name, rows: value },
    );
  }
  return parts;
}
