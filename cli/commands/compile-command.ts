import type { PipeCommand } from "../command.js";

export const compileCommand: PipeCommand = {
  command: "compile <file>",
  describe: "lower a .pipe file to its execution graph (IR JSON, Graphviz or Mermaid)",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "a .pipe file" })
      .option("emit", {
        choices: ["ir", "dot", "mermaid"],
        default: "ir",
        describe: "what to print: the IR as JSON, a Graphviz graph or a Mermaid flowchart",
      })
      .option("output", {
        alias: "o",
        type: "string",
        describe: "write to this file instead of stdout",
      }),
  run: async (io, args) => {
    const { runCompile } = await import("./compile.js");
    return runCompile(io, {
      file: args.file as string,
      emit: args.emit as "ir" | "dot" | "mermaid",
      output: args.output as string | undefined,
    });
  },
};
