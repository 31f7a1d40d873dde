/**
 * The first step of every `pipe` invocation. The most frequent one — `pipe check` on a list of
 * files, as editors and pre-commit hooks call it — goes straight to the check command; every
 * other invocation goes through the full yargs command line (cli/main.ts). Loading and running
 * yargs is ~35 ms, over a tenth of `pipe check`'s start-up budget, and a plain list of file
 * names needs no option parsing: the result is the same as yargs' (test/cli/dispatch.test.ts).
 */
import { runReportingErrors } from "./command-errors.js";
import type { CliIo } from "./io.js";

/** The files of `pipe check <file…>` when nothing but file names follow; otherwise undefined. */
export function plainCheckFiles(argv: readonly string[]): string[] | undefined {
  if (argv[0] !== "check" || argv.length < 2) return undefined;
  const files = argv.slice(1);
  return files.every((a) => a.length > 0 && !a.startsWith("-")) ? files : undefined;
}

export async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const files = plainCheckFiles(argv);
  if (files) {
    const { runCheck } = await import("./commands/check.js");
    return runReportingErrors(io, () => runCheck(io, { files, format: "human", lint: [] }));
  }
  const { runCli } = await import("./main.js");
  return runCli(argv, io);
}
