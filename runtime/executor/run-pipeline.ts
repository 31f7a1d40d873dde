/**
 * `runPipeline(ir, options)`: walks the nodes in IR order (every node after the nodes it
 * reads). For each node it computes the run-time cache key; a node whose entry exists under
 * `<output>/.cache/<key>/` is cached and not run — its result is loaded only when a node that
 * does run needs it. Lazy nodes (models in memory) run only when something needs them.
 * A user error (PipeError) stops the run and is returned in the summary with its node; any
 * other exception is a bug and propagates.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { isPipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { IrNode, PipelineIr } from "../../compiler/ir/schema.js";
import {
  cacheKeyOf,
  filesIntact,
  readManifest,
  removeCacheEntry,
  runtimeHash,
  writeCacheEntry,
} from "./cache.js";
import { loadIr } from "../ir/load-ir.js";
import { RunSession } from "./session.js";
import { safeName } from "./names.js";
import { createContext, interruptedError } from "./context.js";
import { createRunPaths, type RunPaths } from "./paths.js";
import {
  evaluationSummary,
  formatEvalSummary,
  resultsFromFiles,
  writeEvalSummary,
} from "./llm/eval-summary.js";
import { notImplemented } from "./registry.js";
import {
  RUN_CODES,
  type CacheManifest,
  type Handler,
  type NodeStatus,
  type NodeSummary,
  type NodeValue,
  type RunEvent,
  type RunOptions,
  type RunSummary,
} from "./types.js";

interface NodeState {
  node: IrNode;
  handler: Handler;
  hash: string;
  key: string;
  entryDir: string;
  status: NodeStatus;
  seconds: number;
  notes: string[];
  data?: Record<string, unknown>;
  value?: NodeValue;
  pending?: Promise<NodeValue>;
}

export async function runPipeline(input: PipelineIr, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const startedAt = Date.now();
  // The runtime checks the IR, it does not trust it (same schema as the compiler's).
  const ir = loadIr(input, options.pipeFile);
  const paths = createRunPaths(ir, options);
  const registry = options.registry ?? (await import("./handlers/index.js")).defaultRegistry();
  const signal = options.signal ?? new AbortController().signal;
  let warnings = 0;
  const emit = (event: RunEvent) => {
    if (event.type === "warning") warnings++;
    options.onEvent?.(event);
  };
  const states = new Map<string, NodeState>();
  const order: NodeState[] = [];
  const dryRun = options.dryRun === true;
  emit({
    type: "run-start",
    pipeline: ir.pipeline.name,
    output: paths.outputDir,
    nodes: ir.nodes.length,
    dryRun,
  });

  const summary = (status: RunSummary["status"], error?: RunSummary["error"]): RunSummary => ({
    pipeline: ir.pipeline.name,
    output: paths.outputDir,
    dryRun,
    status,
    seconds: (performance.now() - started) / 1000,
    nodes: order.map(toSummary),
    warnings,
    ...(error ? { error } : {}),
  });

  const execute = async (state: NodeState): Promise<NodeValue> => {
    const { node, handler } = state;
    const index = ir.nodes.indexOf(node);
    emit({
      type: "node-start",
      node: node.id,
      op: node.op,
      stage: node.stage,
      index,
      total: ir.nodes.length,
    });
    if (signal.aborted) throw interruptedError(`\`${node.stage}\` (${node.op})`);
    const t0 = performance.now();
    state.status = "failed";
    const ctx = contextFor(state);
    const outcome = await handler.run(ctx);
    const value: NodeValue = { value: outcome.value, outputs: outcome.outputs ?? {} };
    state.seconds = (performance.now() - t0) / 1000;
    state.notes = outcome.notes ?? [];
    state.data = outcome.data;
    if (node.annotations.cacheable && handler.cache) {
      const manifest: CacheManifest = {
        version: 1,
        node: node.id,
        op: node.op,
        cacheKey: state.key,
        hash: state.hash,
        created: new Date().toISOString(),
        seconds: state.seconds,
        notes: state.notes,
        ...(state.data ? { data: state.data } : {}),
        ...(outcome.files ? { files: fileSizes(outcome.files) } : {}),
      };
      const codec = handler.cache;
      await writeCacheEntry(paths.cacheDir, manifest, (dir) => codec.save(value, dir));
    }
    state.status = "ran";
    state.value = value;
    emit({
      type: "node-done",
      node: node.id,
      op: node.op,
      seconds: state.seconds,
      cached: false,
      notes: state.notes,
    });
    return value;
  };

  const session = new RunSession(ir.pipeline.settings.device, (message) =>
    emit({ type: "log", message }),
  );
  function contextFor(state: NodeState) {
    return createContext(state.node, state.hash, {
      ir,
      paths,
      signal,
      resume: options.resume === true,
      emit,
      valueOf,
      backend: () => session.backend(),
    });
  }

  async function valueOf(id: string): Promise<NodeValue> {
    const state = states.get(id);
    if (!state) throw new Error(`no node ${id} before this one`);
    if (state.value) return state.value;
    state.pending ??= (async () => {
      if (state.status === "cached" && state.handler.cache) {
        try {
          return (state.value = await state.handler.cache.load(
            state.entryDir,
            state.node,
            contextFor(state),
          ));
        } catch (err) {
          if (isPipeError(err)) throw err;
          emit({
            type: "warning",
            node: id,
            code: RUN_CODES.cacheUnreadable,
            message: `the cached result of \`${id}\` cannot be read (${(err as Error).message}); running it again`,
            at: state.entryDir,
          });
          await removeCacheEntry(state.entryDir);
        }
      }
      return execute(state);
    })();
    try {
      return await state.pending;
    } finally {
      state.pending = undefined;
    }
  }

  let current: NodeState | undefined;
  try {
    // Output paths are checked before anything runs: a long run must not fail at its export.
    for (const node of ir.nodes) {
      try {
        checkOutputPaths(node, paths);
      } catch (err) {
        if (isPipeError(err)) return summary("failed", { node: node.id, error: err });
        throw err;
      }
    }
    for (const node of ir.nodes) {
      if (signal.aborted) throw interruptedError();
      const handler = registry.find(node) ?? notImplemented(node.op, "none");
      const inputHashes = new Map(node.inputs.map((i) => [i.node, states.get(i.node)!.hash]));
      const hash = runtimeHash(node, inputHashes, paths.pipeDir);
      const key = cacheKeyOf(node, hash);
      const state: NodeState = {
        node,
        handler,
        hash,
        key,
        entryDir: join(paths.cacheDir, key),
        status: "pending",
        seconds: 0,
        notes: [],
      };
      states.set(node.id, state);
      order.push(state);
      current = state;
      const hit = lookup(state, paths, emit);
      if (hit) {
        state.status = "cached";
        state.notes = hit.notes;
        state.data = hit.data;
        if (hit.value) state.value = hit.value;
        if (!dryRun) {
          emit({
            type: "node-start",
            node: node.id,
            op: node.op,
            stage: node.stage,
            index: order.length - 1,
            total: ir.nodes.length,
          });
          emit({
            type: "node-done",
            node: node.id,
            op: node.op,
            seconds: 0,
            cached: true,
            notes: hit.notes,
          });
        }
        continue;
      }
      if (handler.lazy) continue; // runs when a node that runs needs it
      if (dryRun) {
        state.status = "would-run";
        continue;
      }
      await execute(state);
    }
  } catch (err) {
    if (!isPipeError(err)) throw err;
    const failed = order.find((s) => s.status === "failed") ?? current;
    const status = err.code === RUN_CODES.interrupted ? "interrupted" : "failed";
    // What was evaluated before the failure (e.g. the "before" when an "after" gate fails).
    if (!dryRun) await reportEvaluations(ir, order, paths, emit, startedAt);
    return summary(status, { ...(failed ? { node: failed.node.id } : {}), error: err });
  } finally {
    await session.dispose();
  }
  for (const s of order) if (s.status === "pending") s.status = "not-needed";
  if (dryRun) markNeededLazy(order, states);
  for (const s of order) {
    if (s.handler.unavailable && (s.status === "would-run" || s.status === "not-needed"))
      s.notes = ["not implemented in this build"];
  }
  if (!dryRun) await reportEvaluations(ir, order, paths, emit, startedAt);
  return summary("ok");
}

/**
 * Every language-model evaluation of the run side by side (before / after, LoRA vs QLoRA):
 * written to `<output>/eval.json`, and printed when there is more than one result.
 */
async function reportEvaluations(
  ir: PipelineIr,
  order: readonly NodeState[],
  paths: RunPaths,
  emit: (e: RunEvent) => void,
  since: number,
): Promise<void> {
  const done = order
    .filter((s) => s.status === "ran" || s.status === "cached" || s.status === "failed")
    .map((s) =>
      s.status === "failed"
        ? { ...s, data: resultsFromFiles(s.node, ir, paths.outputDir, since) }
        : s,
    );
  const evaluated = evaluationSummary(ir, done);
  if (!evaluated) return;
  await writeEvalSummary(join(paths.outputDir, "eval.json"), evaluated);
  if (evaluated.rows.length > 1) {
    const last = done.filter((s) => s.node.op === "evaluate").at(-1)!;
    emit({
      type: "report",
      node: last.node.id,
      title: `Evaluation summary (${paths.display(join(paths.outputDir, "eval.json"))})`,
      text: formatEvalSummary(evaluated),
    });
  }
}

/** Throws PW8012 for an output path of the node that leaves the output directory. */
function checkOutputPaths(node: IrNode, paths: RunPaths): void {
  if (node.op === "export") {
    paths.destination(node.settings.destination);
    if (node.settings.what === "cleaned-splits")
      paths.destination(join(node.settings.destination, node.settings.report));
  } else if (node.op === "generate") paths.outputFile(node.settings.output);
  else if (node.op === "inspect")
    paths.outputFile(join(safeName(node.stage), node.settings.report));
}

/** Whether a node is cached (and, for file-producing nodes, whether its files are still there). */
function lookup(
  state: NodeState,
  paths: RunPaths,
  emit: (e: RunEvent) => void,
): { notes: string[]; data?: Record<string, unknown>; value?: NodeValue } | undefined {
  const { node, handler } = state;
  if (!handler.cache) {
    // Generated data: the file itself is the cache, whatever the pipeline's `cache` says.
    if (handler.upToDate?.(node, paths, undefined)) {
      const value = handler.valueWhenUpToDate?.(node, paths);
      return { notes: ["exists; not generated again"], ...(value ? { value } : {}) };
    }
    return undefined;
  }
  if (!node.annotations.cacheable) return undefined;
  const read = readManifest(state.entryDir, state.key);
  if (read.state === "missing") return undefined;
  if (read.state === "bad") {
    emit({
      type: "warning",
      node: node.id,
      code: RUN_CODES.cacheUnreadable,
      message: `cache entry of \`${node.id}\` is unusable (${read.reason}); running it again`,
      at: state.entryDir,
    });
    return undefined;
  }
  const m = read.manifest;
  if (!filesIntact(m)) return undefined;
  if (handler.upToDate && !handler.upToDate(node, paths, m)) return undefined;
  return { notes: m.notes, ...(m.data ? { data: m.data } : {}) };
}

/** In a dry run, a lazy node would run when a node that would run reads it. */
function markNeededLazy(order: NodeState[], states: Map<string, NodeState>): void {
  for (let k = order.length - 1; k >= 0; k--) {
    const s = order[k];
    if (s.status !== "would-run") continue;
    for (const input of s.node.inputs) {
      const dep = states.get(input.node)!;
      if (dep.status === "not-needed") dep.status = "would-run";
    }
  }
}

function fileSizes(files: readonly string[]): { path: string; size: number }[] {
  return files.map((path) => ({ path, size: statSize(path) }));
}

function statSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function toSummary(s: NodeState): NodeSummary {
  return {
    id: s.node.id,
    op: s.node.op,
    stage: s.node.stage,
    status: s.status,
    cacheKey: s.key,
    seconds: s.seconds,
    notes: s.notes,
    ...(s.data ? { data: s.data } : {}),
  };
}
