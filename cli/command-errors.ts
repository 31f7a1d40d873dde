/**
 * How a command's failure reaches the user: a PipeError (a user mistake) as one diagnostic line
 * with its place and hint, exit 1; anything else is a bug in pipe, exit 70, with the stack only
 * under PIPE_DEBUG=1.
 */
import { isPipeError } from "../compiler/diagnostics/pipe-error.js";
import { EXIT_INTERNAL, type CliIo } from "./io.js";

export async function runReportingErrors(io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (isPipeError(err)) {
      const where = err.where();
      io.stderr(
        `error[${err.code}]: ${err.message}\n${where ? `  --> ${where}\n` : ""}${err.hint ? `  = hint: ${err.hint}\n` : ""}`,
      );
      return 1;
    }
    return internalError(io, err);
  }
}

export function internalError(io: CliIo, err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(
    `internal error: ${message}\nThis is a bug in pipe; please report it.${process.env.PIPE_DEBUG ? "" : " (PIPE_DEBUG=1 shows details)"}\n`,
  );
  if (process.env.PIPE_DEBUG && err instanceof Error && err.stack) io.stderr(err.stack + "\n");
  return EXIT_INTERNAL;
}
