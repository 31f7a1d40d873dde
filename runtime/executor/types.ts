/**
 * The executor's contract: what `runPipeline` takes, the events it emits while it runs, the
 * summary it returns, and the shape of an operation handler. Library code only: events are
 * plain values; the CLI decides how to show them.
 */
import type { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { IrNode, IrOp, PipelineIr } from "../../compiler/ir/schema.js";
import type { Backend } from "../backend/backend.js";
import type { RunPaths } from "./paths.js";

/** Diagnostic codes of the executor (rows in compiler/diagnostics/codes/runtime.ts). */
export const RUN_CODES = {
  notImplemented: "PW8011",
  outsideOutput: "PW8012",
  interrupted: "PW8013",
  cacheUnreadable: "PW8014",
} as const;

export interface RunOptions {
  /** The `.pipe` file the IR came from (absolute or relative to `cwd`); inputs resolve from its folder. */
  pipeFile: string;
  /** The directory relative command-line paths (`output`) resolve against. Default: process.cwd(). */
  cwd?: string;
  /** Overrides the pipeline's `output` directory. */
  output?: string;
  /** List what would run and what is cached; run nothing. */
  dryRun?: boolean;
  /** Training stages continue from their newest checkpoint. */
  resume?: boolean;
  /** Stops the run between (and, where handlers poll it, inside) stages. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Handler lookup; default: every handler module of runtime/executor/handlers. */
  registry?: HandlerRegistry;
}

export interface ProgressInfo {
  step: number;
  total?: number;
  loss?: number;
  /** Units per second (`unit` says which: steps, tokens, rows, images). */
  rate?: number;
  unit?: string;
  /** Seconds left, estimated from the rate. */
  eta?: number;
  /** Extra named values (val_loss, lr…). */
  values?: Record<string, number>;
}

export type RunEvent =
  | { type: "run-start"; pipeline: string; output: string; nodes: number; dryRun: boolean }
  | { type: "node-start"; node: string; op: IrOp; stage: string; index: number; total: number }
  | {
      type: "node-done";
      node: string;
      op: IrOp;
      seconds: number;
      cached: boolean;
      notes: string[];
    }
  | ({ type: "progress"; node: string } & ProgressInfo)
  | { type: "log"; node?: string; message: string }
  | { type: "warning"; node?: string; message: string; at?: string; code?: string }
  /** A report meant to be shown whole (the cleaning table). `text` is plain text. */
  | { type: "report"; node: string; title: string; text: string };

export type NodeStatus = "ran" | "cached" | "would-run" | "not-needed" | "failed" | "pending";

export interface NodeSummary {
  id: string;
  op: IrOp;
  stage: string;
  status: NodeStatus;
  /** The key its result is cached under (`<output>/.cache/<cacheKey>`). */
  cacheKey: string;
  seconds: number;
  /** One-line facts (rows read, splits written, files). */
  notes: string[];
  /** Structured numbers for `--format json` (row counts, drop reasons). */
  data?: Record<string, unknown>;
}

export interface RunSummary {
  pipeline: string;
  output: string;
  dryRun: boolean;
  status: "ok" | "failed" | "interrupted";
  seconds: number;
  nodes: NodeSummary[];
  warnings: number;
  /** The user error that stopped the run, with the node it happened in. */
  error?: { node?: string; error: PipeError };
}

/** What a handler produced: the default output and the named ones (`train`, `val`, `names`). */
export interface NodeValue {
  value: unknown;
  outputs: Record<string, unknown>;
}

export interface HandlerOutcome extends Partial<NodeValue> {
  notes?: string[];
  data?: Record<string, unknown>;
  /** Absolute paths of files written outside the cache (checked on later runs). */
  files?: string[];
}

/** What a handler sees of the run. */
export interface HandlerContext {
  node: IrNode;
  ir: PipelineIr;
  paths: RunPaths;
  /** The value behind an input port (`data`, `model[0]`), loaded from the cache if needed. */
  input<T = unknown>(port: string): Promise<T>;
  /** Whether the node has an input on this port. */
  hasInput(port: string): boolean;
  /** Reports progress; rate and ETA are derived when not given. */
  progress(info: ProgressInfo): void;
  log(message: string): void;
  warn(message: string, at?: string, code?: string): void;
  report(title: string, text: string): void;
  signal: AbortSignal;
  resume: boolean;
  /** Throws the interruption error when the run was asked to stop. */
  checkAborted(): void;
  /** The node's run-time content hash (checkpoints record it and check it on resume). */
  hash: string;
  /** The compute backend of this run (WebGPU, or the CPU with a notice), opened on first use. */
  backend(): Promise<Backend>;
}

/** Saving and loading a node's result in its cache directory. */
export interface CacheCodec {
  save(value: NodeValue, dir: string): Promise<void>;
  /** `ctx` gives the node's inputs (a trained model is its base plus the saved weights). */
  load(dir: string, node: IrNode, ctx: HandlerContext): Promise<NodeValue>;
}

export interface Handler {
  op: IrOp;
  /** `data`, `tokenize`, `llm`, `detection`, `export`: the module that registered it. */
  group: string;
  /** When several handlers serve one op (llama vs detector models), the first that accepts wins. */
  accepts?(node: IrNode): boolean;
  run(ctx: HandlerContext): Promise<HandlerOutcome>;
  /** Present when the result can be cached on disk. */
  cache?: CacheCodec;
  /**
   * For handlers whose result is files outside the cache (generated data, exports): whether
   * those files are still there. A cached entry whose files are gone runs again.
   */
  upToDate?(node: IrNode, paths: RunPaths, manifest: CacheManifest | undefined): boolean;
  /**
   * Lazy results (models in memory): not run for their own sake, only when a node that runs
   * needs them. Without a cache they are never "cached", just not needed.
   */
  lazy?: boolean;
  /** Registered for an operation this build cannot run (it fails with PW8011). */
  unavailable?: boolean;
  /** The value of an up-to-date node that has no cache codec (generated data: its path). */
  valueWhenUpToDate?(node: IrNode, paths: RunPaths): NodeValue;
}

export interface HandlerRegistry {
  register(handler: Handler): void;
  /** The handler for a node; undefined when no module serves it. */
  find(node: IrNode): Handler | undefined;
}

/** `manifest.json` of a cache entry: written last, so an entry with one is complete. */
export interface CacheManifest {
  version: 1;
  node: string;
  op: IrOp;
  cacheKey: string;
  hash: string;
  created: string;
  seconds: number;
  notes: string[];
  data?: Record<string, unknown>;
  /** Files the node wrote outside the cache (exports), with sizes, to check they are still there. */
  files?: { path: string; size: number }[];
}
