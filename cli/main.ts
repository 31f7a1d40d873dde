/**
 * The `pipe` command line. Each command lives in cli/commands/<name>.ts and returns an exit
 * code; heavy modules (Prettier, the runtime, Dawn) are imported lazily by the commands that
 * need them, so `pipe check` starts fast.
 *
 * Exit codes: 0 clean, 1 diagnostics with errors (or a failed run/gate), 2 usage or I/O error,
 * 70 internal error (a bug in pipe).
 */
import yargs from "yargs";
import { isPipeError } from "../compiler/diagnostics/pipe-error.js";
import { EXIT_INTERNAL, EXIT_USAGE, type CliIo } from "./io.js";
import { PIPE_VERSION } from "./version.js";

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
      if (err) throw err;
      usageError = message;
    })
    .command(
      "check <files..>",
      "report every error and warning in .pipe files",
      (y) =>
        y
          .positional("files", {
            type: "string",
            array: true,
            demandOption: true,
            describe: ".pipe files or directories",
          })
          .option("format", {
            choices: ["human", "json"] as const,
            default: "human" as const,
            describe: "diagnostic output format",
          }),
      (args) => {
        pending = async () => {
          const { checkCommand } = await import("./commands/check.js");
          return checkCommand(io, { files: args.files as string[], format: args.format });
        };
      },
    )
    .command(
      "fmt <files..>",
      "format .pipe files with Prettier (the Pipewright plugin)",
      (y) =>
        y
          .positional("files", { type: "string", array: true, demandOption: true })
          .option("check", {
            type: "boolean",
            default: false,
            describe: "only report files that are not formatted",
          })
          .option("stdout", {
            type: "boolean",
            default: false,
            describe: "print the formatted text instead of writing",
          }),
      (args) => {
        pending = async () => {
          const { fmtCommand } = await import("./commands/fmt.js");
          return fmtCommand(io, {
            files: args.files as string[],
            check: args.check,
            stdout: args.stdout,
          });
        };
      },
    );

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
  try {
    return await pending();
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

function internalError(io: CliIo, err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(
    `internal error: ${message}\nThis is a bug in pipe; please report it.${process.env.PIPE_DEBUG ? "" : " (PIPE_DEBUG=1 shows details)"}\n`,
  );
  if (process.env.PIPE_DEBUG && err instanceof Error && err.stack) io.stderr(err.stack + "\n");
  return EXIT_INTERNAL;
}
