import type { PipeCommand } from "../command.js";

export const runCommand: PipeCommand = {
  command: "run <file>",
  describe: "compile a .pipe file and run it (cached stages are not run again)",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "a .pipe file" })
      .option("dry-run", {
        type: "boolean",
        default: false,
        describe: "list what would run and what is cached; run nothing",
      })
      .option("resume", {
        type: "boolean",
        default: false,
        describe: "training stages continue from their newest checkpoint",
      })
      .option("output", {
        alias: "o",
        type: "string",
        describe: "output directory (default: the pipeline's `output`)",
      })
      .option("format", {
        choices: ["human", "json"],
        default: "human",
        describe: "human-readable progress and summary, or one JSON summary on stdout",
      }),
  run: async (io, args) => {
    const { runRun } = await import("./run.js");
    return runRun(io, {
      file: args.file as string,
      dryRun: args.dryRun as boolean,
      resume: args.resume as boolean,
      output: args.output as string | undefined,
      format: args.format as "human" | "json",
    });
  },
};
