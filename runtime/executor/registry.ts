/**
 * Handlers by operation. Each module of runtime/executor/handlers registers what it can run;
 * an operation nobody serves gets a handler that fails with a clear PipeError (PW8011) rather
 * than a crash, so a pipeline with a stage this build cannot run yet says so by name.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { IrNode, IrOp } from "../../compiler/ir/schema.js";
import { RUN_CODES, type Handler, type HandlerRegistry } from "./types.js";

export function createRegistry(handlers: readonly Handler[] = []): HandlerRegistry {
  const byOp = new Map<IrOp, Handler[]>();
  const registry: HandlerRegistry = {
    register(handler) {
      const list = byOp.get(handler.op) ?? [];
      list.push(handler);
      byOp.set(handler.op, list);
    },
    find(node) {
      return byOp.get(node.op)?.find((h) => !h.accepts || h.accepts(node));
    },
  };
  for (const h of handlers) registry.register(h);
  return registry;
}

/** The error for a stage this build cannot run. */
export function notImplementedError(node: IrNode, what?: string): PipeError {
  return new PipeError(
    RUN_CODES.notImplemented,
    `\`${node.op}\` stages are not implemented in this build yet` +
      (what ? ` (${what})` : "") +
      `: stage \`${node.stage}\` (node \`${node.id}\`) cannot run`,
    {},
    "run the stages before it with a pipeline that leaves this stage out, or use a newer build",
  );
}

/** A handler that refuses to run: registered for operations whose runtime is missing. */
export function notImplemented(
  op: IrOp,
  group: string,
  what?: string,
  accepts?: (n: IrNode) => boolean,
): Handler {
  return {
    op,
    group,
    unavailable: true,
    ...(accepts ? { accepts } : {}),
    run: async (ctx) => {
      throw notImplementedError(ctx.node, what);
    },
  };
}
