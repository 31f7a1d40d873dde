/**
 * The `HandlerContext` a handler runs with: its inputs (resolved lazily through the executor),
 * progress with derived rate and ETA, logs, warnings and reports as events, and the stop signal.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { IrNode, PipelineIr } from "../../compiler/ir/schema.js";
import type { Backend } from "../backend/backend.js";
import type { RunPaths } from "./paths.js";
import {
  RUN_CODES,
  type HandlerContext,
  type NodeValue,
  type ProgressInfo,
  type RunEvent,
} from "./types.js";

export function interruptedError(where?: string): PipeError {
  return new PipeError(
    RUN_CODES.interrupted,
    `the run was interrupted${where ? ` during ${where}` : ""}; finished stages are cached`,
    {},
    "run the same command again to continue (training stages: add --resume)",
  );
}

export interface ContextDeps {
  ir: PipelineIr;
  paths: RunPaths;
  signal: AbortSignal;
  resume: boolean;
  emit: (event: RunEvent) => void;
  /** The value a node produced (run, loaded from the cache, or already in memory). */
  valueOf: (nodeId: string) => Promise<NodeValue>;
  backend: () => Promise<Backend>;
}

export function createContext(node: IrNode, hash: string, deps: ContextDeps): HandlerContext {
  let first: { step: number; time: number } | undefined;
  const id = node.id;
  const ctx: HandlerContext = {
    node,
    ir: deps.ir,
    paths: deps.paths,
    signal: deps.signal,
    resume: deps.resume,
    hash,
    backend: deps.backend,
    hasInput: (port) => node.inputs.some((i) => i.port === port),
    async input<T>(port: string): Promise<T> {
      const input = node.inputs.find((i) => i.port === port);
      if (!input) throw new Error(`node ${id} has no input on port ${port}`);
      const produced = await deps.valueOf(input.node);
      if (input.output === undefined) return produced.value as T;
      if (!(input.output in produced.outputs))
        throw new Error(
          `node ${input.node} produced no output \`${input.output}\` (read by ${id})`,
        );
      return produced.outputs[input.output] as T;
    },
    progress(info: ProgressInfo) {
      const now = performance.now();
      first ??= { step: info.step, time: now };
      let rate = info.rate;
      const elapsed = (now - first.time) / 1000;
      const stepRate = elapsed > 0 ? (info.step - first.step) / elapsed : undefined;
      if (rate === undefined && stepRate !== undefined && stepRate > 0) rate = stepRate;
      let eta = info.eta;
      if (eta === undefined && info.total !== undefined && stepRate && stepRate > 0)
        eta = Math.max(0, (info.total - info.step) / stepRate);
      deps.emit({
        type: "progress",
        node: id,
        ...info,
        ...(rate !== undefined ? { rate } : {}),
        ...(eta !== undefined ? { eta } : {}),
      });
    },
    log: (message) => deps.emit({ type: "log", node: id, message }),
    warn: (message, at, code) =>
      deps.emit({
        type: "warning",
        node: id,
        message,
        ...(at !== undefined ? { at } : {}),
        ...(code !== undefined ? { code } : {}),
      }),
    report: (title, text) => deps.emit({ type: "report", node: id, title, text }),
    checkAborted() {
      if (deps.signal.aborted) throw interruptedError(`\`${node.stage}\` (${node.op})`);
    },
  };
  return ctx;
}
