import type { PipeCommand } from "../command.js";

export const estimateCommand: PipeCommand = {
  command: "estimate <file>",
  describe: "print the static memory estimate of every train/distill stage",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "a .pipe file" })
      .option("budget", {
        type: "string",
        describe: "a memory budget (e.g. 8GB, 24GiB): show the largest batch and sequence that fit",
      })
      .option("format", {
        choices: ["table", "json"],
        default: "table",
        describe: "output format",
      })
      .option("device", {
        type: "boolean",
        default: false,
        describe: "check buffer sizes against this machine's WebGPU adapter, not WebGPU's defaults",
      }),
  run: async (io, args) => {
    const { runEstimate } = await import("./estimate.js");
    return runEstimate(io, {
      file: args.file as string,
      ...(args.budget !== undefined ? { budget: String(args.budget) } : {}),
      format: args.format as "table" | "json",
      device: args.device === true,
    });
  },
};
