/**
 * Semantic analysis of one file: stages and their names, stage sources and arguments,
 * references between stages (with types), every block against the catalogue, splits,
 * training stop conditions, exports, dependency cycles. Produces the analysed pipeline that
 * lints, real-world checks, the memory estimate and IR lowering work from.
 */
import type * as A from "../../grammar/ast.js";
import { referenceName } from "../../grammar/ast.js";
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { ALL_DIAGNOSTICS } from "../diagnostics/registry.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { EXPORT_BLOCK, EXPORT_FORMATS, PIPELINE_BLOCK, sourcesFor } from "../settings/catalogue.js";
import {
  checkBlock,
  convertValue,
  settingsToJson,
  type ResolvedSettings,
} from "../settings/check-block.js";
import {
  describeOutputType,
  type Json,
  type OutputType,
  type SourceSpec,
} from "../settings/spec.js";
import { error, type CheckContext, type ResolvedReference } from "./context.js";

export const RECORD_FIELDS: Record<string, readonly string[]> = {
  alpaca: ["instruction", "input", "output"],
  sharegpt: ["conversations", "system"],
  preference: ["prompt", "chosen", "rejected"],
  text: ["text"],
};

export interface AnalyzedStage {
  name: string;
  kind: A.StageKind;
  source: string;
  spec: SourceSpec;
  node: A.StageDecl;
  /** Resolved arguments by name: JSON (`{ $ref, type }` for references). */
  args: Record<string, Json>;
  argSpans: Record<string, Span>;
  settings: ResolvedSettings;
  requirements: Json[];
  rules: { outcome: string; condition: Json | null }[];
  produces: OutputType;
  outputs: Record<string, OutputType>;
  /** Stages this one reads. */
  dependsOn: Set<string>;
}

export interface AnalyzedExport {
  target: string;
  targetType?: OutputType;
  destination: string;
  settings: ResolvedSettings;
  node: A.ExportDecl;
}

export interface AnalyzedPipeline {
  file: string;
  name: string;
  settings: ResolvedSettings;
  pipelineNode?: A.PipelineDecl;
  stages: Map<string, AnalyzedStage>;
  exports: AnalyzedExport[];
  /** References made anywhere (stage name → spans), for the unused-stage lint. */
  referenced: Map<string, Span[]>;
}

export function analyze(
  ast: A.PipeFile,
  file: string,
  report: (d: Diagnostic) => void,
): AnalyzedPipeline {
  const pipelines = ast.items.filter((i): i is A.PipelineDecl => i.kind === "Pipeline");
  for (const extra of pipelines.slice(1)) {
    report({
      ...error("PW2006", extra.name.span, "a file has one `pipeline` block"),
      related: [{ span: pipelines[0].span, message: "the first one is here" }],
    });
  }
  const stageNodes = new Map<string, A.StageDecl>();
  for (const item of ast.items) {
    if (item.kind !== "Stage" || item.name.recovered) continue;
    const existing = stageNodes.get(item.name.name);
    if (existing) {
      report({
        ...error(
          "PW2001",
          item.name.span,
          `a stage named \`${item.name.name}\` already exists`,
          "stage names are unique in a file",
        ),
        related: [{ span: existing.name.span, message: "first declared here" }],
      });
      continue;
    }
    stageNodes.set(item.name.name, item);
  }

  // Pass 1: what each stage is and produces, so references can be typed in any order.
  const specs = new Map<string, SourceSpec>();
  const outputs = new Map<string, Record<string, OutputType>>();
  for (const [name, node] of stageNodes) {
    const spec = findSourceSpec(node, report);
    if (!spec) continue;
    specs.set(name, spec);
    outputs.set(name, declaredOutputs(node, spec));
  }

  const referenced = new Map<string, Span[]>();
  let currentDeps: Set<string> | undefined;
  const resolve = (parts: string[], span: Span): ResolvedReference | undefined => {
    const [stage, output, ...rest] = parts;
    const spec = specs.get(stage);
    if (!stageNodes.has(stage)) {
      report(
        error(
          "PW2002",
          span,
          `no stage is named \`${stage}\``,
          didYouMean(stage, stageNodes.keys()) ??
            (stageNodes.size ? `stages: ${[...stageNodes.keys()].join(", ")}` : undefined),
        ),
      );
      return undefined;
    }
    referenced.set(stage, [...(referenced.get(stage) ?? []), span]);
    currentDeps?.add(stage);
    if (!spec) return undefined; // its source was already reported as unknown
    if (output === undefined) return { stage, type: spec.produces };
    const outs = outputs.get(stage) ?? {};
    if (rest.length > 0 || !(output in outs)) {
      const names = Object.keys(outs);
      report(
        error(
          "PW2005",
          span,
          `\`${stage}\` has no output \`${parts.slice(1).join(".")}\``,
          didYouMean(output, names) ??
            (names.length
              ? `outputs of \`${stage}\`: ${names.join(", ")}`
              : `\`${stage}\` has no named outputs; refer to it as \`${stage}\``),
        ),
      );
      return undefined;
    }
    return { stage, output, type: outs[output] };
  };

  const baseContext: CheckContext = { file, report, resolve };
  const pipelineBlock = checkBlock(
    pipelines[0]?.body,
    PIPELINE_BLOCK,
    baseContext,
    "the pipeline block",
  );
  checkLintNames(pipelines[0]?.body, report);

  const stages = new Map<string, AnalyzedStage>();
  for (const [name, node] of stageNodes) {
    const spec = specs.get(name);
    if (!spec) continue;
    const deps = new Set<string>();
    currentDeps = deps;
    const ctx: CheckContext = {
      ...baseContext,
      recordFields: spec.stageKind === "dataset" ? RECORD_FIELDS[spec.name] : undefined,
      metrics: undefined,
    };
    const { args, argSpans } = checkArguments(node, spec, ctx);
    if (spec.name === "eval") ctx.metrics = metricsOf(node);
    const body = checkBlock(node.body, spec.body, ctx, `\`${spec.name}\``);
    currentDeps = undefined;
    const stage: AnalyzedStage = {
      name,
      kind: node.stageKind,
      source: spec.name,
      spec,
      node,
      args,
      argSpans,
      settings: body.settings,
      requirements: body.requirements,
      rules: body.rules,
      produces: spec.produces,
      outputs: outputs.get(name) ?? {},
      dependsOn: deps,
    };
    stages.set(name, stage);
    checkStageSpecifics(stage, report);
  }

  const exports: AnalyzedExport[] = [];
  for (const item of ast.items) {
    if (item.kind !== "Export" || item.recovered) continue;
    const resolved = item.target.recovered
      ? undefined
      : resolve(
          item.target.parts.map((p) => p.name),
          item.target.span,
        );
    const body = checkBlock(item.body, EXPORT_BLOCK, baseContext, "the export block");
    const format = body.settings.format?.value as string | undefined;
    if (resolved && format && body.settings.format.provenance === "file") {
      const allowed = EXPORT_FORMATS[resolved.type] ?? [];
      if (!allowed.includes(format)) {
        const entry = item.body?.entries.find(
          (e) => e.kind === "Property" && e.key.name === "format",
        );
        report(
          error(
            "PW2027",
            entry?.span ?? item.span,
            `\`${referenceName(item.target)}\` is ${describeOutputType(resolved.type)}; it cannot be exported as \`${format}\``,
            allowed.length ? `formats: ${allowed.join(", ")}` : "it cannot be exported",
          ),
        );
      }
    }
    exports.push({
      target: referenceName(item.target),
      targetType: resolved?.type,
      destination: item.destination.value,
      settings: body.settings,
      node: item,
    });
  }

  checkCycles(stages, report);
  return {
    file,
    name: pipelines[0]?.name.value ?? "pipeline",
    settings: pipelineBlock.settings,
    pipelineNode: pipelines[0],
    stages,
    exports,
    referenced,
  };
}

function findSourceSpec(
  node: A.StageDecl,
  report: (d: Diagnostic) => void,
): SourceSpec | undefined {
  if (node.source.recovered) return undefined;
  const callee = node.source.kind === "Call" ? node.source.callee : node.source;
  const name = referenceName(callee);
  const candidates = sourcesFor(node.stageKind);
  const spec = candidates.find((s) => s.name === name);
  if (!spec) {
    report(
      error(
        "PW2017",
        callee.span,
        `\`${name}\` is not a ${node.stageKind} source`,
        didYouMean(
          name,
          candidates.map((c) => c.name),
        ) ?? `${node.stageKind} sources: ${candidates.map((c) => c.name).join(", ")}`,
      ),
    );
    return undefined;
  }
  const inline = node.source.kind === "Reference";
  if (inline && spec.inline === undefined) {
    report(
      error(
        "PW2026",
        callee.span,
        `\`${name}\` needs arguments: \`${name}(${spec.args.map((a) => a.name).join(", ")})\``,
      ),
    );
    return undefined;
  }
  if (!inline && spec.inline === "only") {
    report(
      error(
        "PW2026",
        callee.span,
        `\`${name}\` is declared inline: \`${name} { … }\` without parentheses`,
      ),
    );
    return undefined;
  }
  return spec;
}

/** Outputs from the AST alone (split names are keys of the `split` block). */
function declaredOutputs(node: A.StageDecl, spec: SourceSpec): Record<string, OutputType> {
  if (!spec.outputs) return {};
  const split = node.body?.entries.find(
    (e): e is A.SubBlock => e.kind === "SubBlock" && e.name.name === "split",
  );
  const splitKeys: Record<string, Json> = {};
  for (const e of split?.body.entries ?? []) if (e.kind === "Property") splitKeys[e.key.name] = 0;
  return spec.outputs({ split: split ? splitKeys : (null as unknown as Json) });
}

function checkArguments(
  node: A.StageDecl,
  spec: SourceSpec,
  ctx: CheckContext,
): { args: Record<string, Json>; argSpans: Record<string, Span> } {
  const args: Record<string, Json> = {};
  const argSpans: Record<string, Span> = {};
  if (node.source.kind !== "Call") return { args, argSpans };
  const call = node.source;
  let position = 0;
  let sawNamed = false;
  for (const arg of call.args) {
    let argSpec;
    if (arg.name) {
      sawNamed = true;
      argSpec = spec.args.find((a) => a.name === arg.name!.name);
      if (!argSpec) {
        ctx.report(
          error(
            "PW2018",
            arg.name.span,
            `\`${spec.name}\` has no argument \`${arg.name.name}\``,
            didYouMean(
              arg.name.name,
              spec.args.map((a) => a.name),
            ) ?? `arguments: ${spec.args.map((a) => a.name).join(", ") || "none"}`,
          ),
        );
        continue;
      }
    } else {
      if (sawNamed) {
        ctx.report(error("PW2018", arg.span, "positional arguments come before named ones"));
        continue;
      }
      argSpec = spec.args[position++];
      if (!argSpec) {
        ctx.report(
          error(
            "PW2018",
            arg.span,
            `\`${spec.name}\` takes ${spec.args.length} argument${spec.args.length === 1 ? "" : "s"} (${spec.args.map((a) => a.name).join(", ")})`,
          ),
        );
        continue;
      }
    }
    if (argSpec.name in args || argSpec.name in argSpans) {
      ctx.report(error("PW2018", arg.span, `argument \`${argSpec.name}\` is given twice`));
      continue;
    }
    argSpans[argSpec.name] = arg.span;
    const converted = convertValue(
      arg.value,
      argSpec.spec,
      ctx,
      `argument \`${argSpec.name}\` of \`${spec.name}\``,
    );
    if (converted) args[argSpec.name] = converted.value;
  }
  for (const a of spec.args) {
    if (a.required && !(a.name in argSpans)) {
      ctx.report(
        error("PW2014", call.span, `\`${spec.name}\` needs the argument \`${a.name}\` (${a.doc})`),
      );
    }
  }
  return { args, argSpans };
}

function metricsOf(node: A.StageDecl): string[] {
  const entry = node.body?.entries.find(
    (e): e is A.Property => e.kind === "Property" && e.key.name === "metrics",
  );
  if (!entry || entry.value.kind !== "List") return ["loss"];
  return entry.value.items
    .filter((i): i is A.Reference => i.kind === "Reference")
    .map(referenceName);
}

function checkLintNames(body: A.Block | undefined, report: (d: Diagnostic) => void): void {
  const lintBlock = body?.entries.find(
    (e): e is A.SubBlock => e.kind === "SubBlock" && e.name.name === "lint",
  );
  const lintNames = ALL_DIAGNOSTICS.filter((d) => d.lint).map((d) => d.name);
  for (const e of lintBlock?.body.entries ?? []) {
    if (e.kind === "Property" && !lintNames.includes(e.key.name)) {
      report(
        error(
          "PW2028",
          e.key.span,
          `no lint is named \`${e.key.name}\``,
          didYouMean(e.key.name, lintNames) ?? "the lints are listed in docs/lints.md",
        ),
      );
    }
  }
}

function checkStageSpecifics(stage: AnalyzedStage, report: (d: Diagnostic) => void): void {
  const s = settingsToJson(stage.settings);
  if (stage.kind === "dataset" && s.split && typeof s.split === "object") checkSplit(stage, report);
  const needsStop = ["sft", "pretrain", "distill", "teacher_answers"].includes(stage.source);
  if (needsStop && s.epochs === undefined && s.max_steps === undefined) {
    const span = stage.node.body?.span ?? stage.node.name.span;
    report(
      error(
        "PW2030",
        { ...span, end: Math.min(span.end, span.start + 1) },
        `\`${stage.name}\` has neither \`epochs\` nor \`max_steps\``,
        "add `epochs: 3` or `max_steps: 1000` (with both, whichever ends first)",
      ),
    );
  }
}

function checkSplit(stage: AnalyzedStage, report: (d: Diagnostic) => void): void {
  const splitBlock = stage.node.body?.entries.find(
    (e): e is A.SubBlock => e.kind === "SubBlock" && e.name.name === "split",
  );
  if (!splitBlock) return;
  const parts = splitBlock.body.entries.filter(
    (e): e is A.Property => e.kind === "Property" && e.key.name !== "by" && e.key.name !== "seed",
  );
  if (parts.length === 0) {
    report(
      error(
        "PW2020",
        splitBlock.span,
        "`split` names no splits",
        "e.g. `split { train: 90%, val: 10% }`",
      ),
    );
    return;
  }
  let fractions = 0;
  let counts = 0;
  let sum = 0;
  if (parts.some((p) => p.recovered || p.value.recovered)) return;
  for (const p of parts) {
    if (
      p.value.kind !== "Number" ||
      (p.value.unit !== undefined && p.value.unit !== "%" && p.value.unit !== "rows")
    ) {
      report(
        error(
          "PW2020",
          p.value.span,
          `split \`${p.key.name}\` must be a percentage (\`90%\`) or a row count (\`1000\`)`,
        ),
      );
      return;
    }
    if (p.value.unit === "%" || (!Number.isInteger(p.value.value) && p.value.value < 1)) {
      fractions++;
      sum += p.value.unit === "%" ? p.value.value / 100 : p.value.value;
    } else {
      counts++;
      if (p.value.value < 1)
        report(error("PW2020", p.value.span, `split \`${p.key.name}\` is empty`));
    }
  }
  if (fractions && counts) {
    report(
      error(
        "PW2020",
        splitBlock.name.span,
        "`split` mixes fractions and counts",
        "use percentages for every split, or counts for every split",
      ),
    );
  } else if (fractions && Math.abs(sum - 1) > 1e-9) {
    report(
      error(
        "PW2020",
        splitBlock.name.span,
        `split fractions sum to ${+(sum * 100).toFixed(4)}%, not 100%`,
      ),
    );
  }
}

function checkCycles(stages: Map<string, AnalyzedStage>, report: (d: Diagnostic) => void): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const st = state.get(name);
    if (st === "done") return;
    if (st === "visiting") {
      const cycle = stack.slice(stack.indexOf(name));
      const stage = stages.get(name)!;
      report(
        error(
          "PW2003",
          stage.node.name.span,
          `stages depend on each other in a cycle: ${[...cycle, name].join(" → ")}`,
        ),
      );
      return;
    }
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of stages.get(name)?.dependsOn ?? []) if (stages.has(dep)) visit(dep);
    stack.pop();
    state.set(name, "done");
  };
  for (const name of [...stages.keys()].sort()) visit(name);
}
