/**
 * From source to IR: check (every diagnostic), and only when there are no errors, lower and
 * run the passes — dead-stage elimination, fusion annotations, execution order, content
 * hashes — then validate the result against the IR schema.
 */
import { dirname } from "node:path";
import { checkSource, type CheckResult } from "../check.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { hashNodes } from "../passes/cache.js";
import { eliminateDeadStages } from "../passes/dead-stages.js";
import { annotateFusions } from "../passes/fusion.js";
import { orderTopologically } from "../passes/order.js";
import type { AnalyzedPipeline } from "../semantic/analyze.js";
import type { DeviceLimits } from "../memory/fit.js";
import type { DraftGraph } from "./draft.js";
import { lowerPipeline } from "./lower.js";
import { IR_VERSION, type IrNode, type PipelineIr } from "./schema.js";
import { assertValidIr } from "./validate.js";

export interface BuildIrOptions {
  /** Directory that relative paths in the file resolve against (for file fingerprints). */
  baseDir: string;
  /** Recorded in the IR's metadata ("pipewright 0.1.0"). */
  compiler?: string;
  /**
   * Validate the result against the IR schema (default true). Building the ajv validator
   * costs ~0.5 s of CPU, so views that never hand the IR to the runtime (`pipe graph`,
   * `pipe explain`) may skip it; the test suite validates every example either way.
   */
  validate?: boolean;
}

/** Lowers and optimises an analysed pipeline that has no errors. */
export function buildIr(pipeline: AnalyzedPipeline, options: BuildIrOptions): PipelineIr {
  let graph = lowerPipeline(pipeline);
  graph = eliminateDeadStages(graph);
  graph = annotateFusions(graph);
  graph = orderTopologically(graph);
  const ir = finalizeIr(graph, options);
  return options.validate === false ? ir : assertValidIr(ir);
}

export function finalizeIr(graph: DraftGraph, options: BuildIrOptions): PipelineIr {
  const hashes = hashNodes(graph, options.baseDir);
  const cacheable = graph.pipelineSettings.cache !== false;
  const nodes = graph.nodes.map((n) => {
    const h = hashes.get(n.id)!;
    return {
      id: n.id,
      op: n.op,
      stage: n.stage,
      settings: n.settings,
      inputs: n.inputs.map((i) => ({
        port: i.port,
        node: i.node,
        ...(i.output !== undefined ? { output: i.output } : {}),
      })),
      outputs: n.outputs,
      files: h.files,
      hash: h.hash,
      cacheKey: h.cacheKey,
      annotations: { fusions: n.fusions, cacheable },
    } as IrNode;
  });
  const edges = graph.nodes.flatMap((n) =>
    n.inputs.map((i) => ({
      from: i.node,
      to: n.id,
      port: i.port,
      ...(i.output !== undefined ? { output: i.output } : {}),
    })),
  );
  return {
    irVersion: IR_VERSION,
    pipeline: {
      name: graph.name,
      file: graph.file,
      settings: graph.pipelineSettings as PipelineIr["pipeline"]["settings"],
    },
    nodes,
    edges,
    exports: graph.exports,
    metadata: {
      compiler: options.compiler ?? "pipewright",
      passes: [...graph.passes, "cache"],
      stages: graph.stages,
      eliminated: graph.eliminated,
    },
  };
}

export interface CompileOptions {
  /** Directory relative paths resolve against (default: the file's directory). */
  cwd?: string;
  compiler?: string;
  validate?: boolean;
  /**
   * The limits of the adapter the pipeline will run on: buffers over them are errors (PW4002)
   * instead of warnings against WebGPU's defaults (PW4003).
   */
  deviceLimits?: DeviceLimits;
  adapterName?: string;
}

export interface CompileResult extends CheckResult {
  /** Absent when the file has errors. */
  ir?: PipelineIr;
}

/** `pipe compile`: every diagnostic of the file, and the IR when there are no errors. */
export async function compileSource(
  text: string,
  file: string,
  options: CompileOptions = {},
): Promise<CompileResult> {
  const baseDir = options.cwd ?? dirname(file);
  const checked = await checkSource(text, file, {
    cwd: baseDir,
    ...(options.deviceLimits ? { deviceLimits: options.deviceLimits } : {}),
    ...(options.adapterName ? { adapterName: options.adapterName } : {}),
  });
  if (hasErrors(checked.diagnostics)) return checked;
  return {
    ...checked,
    ir: buildIr(checked.pipeline, {
      baseDir,
      compiler: options.compiler,
      validate: options.validate,
    }),
  };
}
