import type { PipeCommand } from "../command.js";

export const graphCommand: PipeCommand = {
  command: "graph <file>",
  describe: "print the execution graph of a .pipe file (Mermaid or Graphviz)",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "a .pipe file" })
      .option("format", {
        choices: ["mermaid", "dot"],
        default: "mermaid",
        describe: "Mermaid flowchart (renders in Markdown) or Graphviz dot",
      }),
  run: async (io, args) => {
    const { runGraph } = await import("./graph.js");
    return runGraph(io, { file: args.file as string, format: args.format as "mermaid" | "dot" });
  },
};
