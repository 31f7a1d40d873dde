import type { PipeCommand } from "../command.js";

export const fmtCommand: PipeCommand = {
  command: "fmt <files..>",
  describe: "format .pipe files with Prettier (the Pipewright plugin)",
  builder: (y) =>
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
  run: async (io, args) => {
    const { runFmt } = await import("./fmt.js");
    return runFmt(io, {
      files: args.files as string[],
      check: Boolean(args.check),
      stdout: Boolean(args.stdout),
    });
  },
};
