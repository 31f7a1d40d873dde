import type { PipeCommand } from "../command.js";

export const checkCommand: PipeCommand = {
  command: "check <files..>",
  describe: "report every error and warning in .pipe files",
  builder: (y) =>
    y
      .positional("files", {
        type: "string",
        array: true,
        demandOption: true,
        describe: ".pipe files or directories",
      })
      .option("format", {
        choices: ["human", "json"],
        default: "human",
        describe: "diagnostic output format",
      })
      .option("lint", {
        type: "string",
        array: true,
        nargs: 1, // one value per flag, so `--lint x=off file.pipe` keeps the file
        default: [],
        describe: "lint severity: name=off|warning|error",
      })
      .option("device", {
        type: "boolean",
        default: false,
        describe: "check buffer sizes against this machine's WebGPU adapter, not WebGPU's defaults",
      }),
  run: async (io, args) => {
    const { runCheck } = await import("./check.js");
    return runCheck(io, {
      files: args.files as string[],
      format: args.format as "human" | "json",
      lint: args.lint as string[],
      device: args.device === true,
    });
  },
};
