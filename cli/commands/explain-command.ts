import type { PipeCommand } from "../command.js";

export const explainCommand: PipeCommand = {
  command: "explain <file>",
  describe: "show what will actually run: every setting with its provenance, and the order",
  builder: (y) =>
    y.positional("file", { type: "string", demandOption: true, describe: "a .pipe file" }),
  run: async (io, args) => {
    const { runExplain } = await import("./explain.js");
    return runExplain(io, { file: args.file as string });
  },
};
