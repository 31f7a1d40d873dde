/**
 * The `pipe` command line. Each command lives in cli/commands/<name>.ts and returns an exit
 * code; heavy modules (Prettier, the runtime, Dawn) are imported lazily by the commands that
 * need them, so `pipe check` starts fast.
 *
 * Exit codes: 0 clean, 1 diagnostics with errors (or a failed run/gate), 2 usage or I/O error,
 * 70 internal error (a bug in pipe).
 */
import yargs from "yargs";
import { internalError, runReportingErrors } from "./command-errors.js";
import { EXIT_USAGE, type CliIo } from "./io.js";
import { PIPE_VERSION } from "./version.js";
import { COMMANDS } from "./commands/index.js";

type Handler = () => Promise<number>;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let pending: Handler | undefined;
  let usageError: string | undefined;
  let printedHelp = false;
  const parser = yargs(argv)
    .scriptName("pipe")
    .usage(
      "pipe <command> [options]\n\nDeclarative model-training pipelines: check, estimate, compile and run .pipe files.",
    )
    .version(PIPE_VERSION)
    .help()
    .alias("h", "help")
    .alias("v", "version")
    .strict()
    .demandCommand(1, "name a command (see `pipe --help`)")
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err) => {
      // yargs reports bad usage either as a message or as a YError; anything else is a bug.
      if (err && err.name !== "YError") throw err;
      usageError = message ?? err?.message ?? "invalid usage";
    });
  for (const cmd of commandsToRegister(argv)) {
    parser.command(cmd.command, cmd.describe, cmd.builder, (args) => {
      pending = () => cmd.run(io, args as Record<string, unknown>);
    });
  }

  // After a handler runs, yargs renders the command's help in case the handler fails later;
  // ours only record what to run and report their own failures, so skip that rendering.
  const internals = (
    parser as unknown as {
      getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
    }
  ).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
  try {
    const output = await new Promise<string>((resolveOutput, reject) => {
      parser.parse(argv, {}, (err, _argv, out) => {
        if (err && !usageError) reject(err);
        else resolveOutput(out);
      });
    });
    if (output) {
      printedHelp = true;
      (usageError ? io.stderr : io.stdout)(output + "\n");
    }
  } catch (err) {
    return internalError(io, err);
  }
  if (usageError) {
    if (!printedHelp) io.stderr(`pipe: ${usageError}\nRun \`pipe --help\` for usage.\n`);
    return EXIT_USAGE;
  }
  if (!pending) return 0;
  return runReportingErrors(io, pending);
}

/**
 * The commands yargs needs to know about: only the one named when the first argument names a
 * command exactly (building each command's options costs start-up time), otherwise all of them,
 * for the command list in `pipe --help` and did-you-mean suggestions.
 */
function commandsToRegister(argv: string[]): typeof COMMANDS {
  const first = argv[0];
  const named = COMMANDS.find((c) => c.command.split(" ")[0] === first);
  return named ? [named] : COMMANDS;
}
