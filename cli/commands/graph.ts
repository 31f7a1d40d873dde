import { EXIT_OK, type CliIo } from "../io.js";
import { compileForCli, renderIr } from "./compile.js";

export interface GraphArgs {
  file: string;
  format: "mermaid" | "dot";
}

/** `pipe graph <file> [--format mermaid|dot]`: the execution graph on stdout. */
export async function runGraph(io: CliIo, args: GraphArgs): Promise<number> {
  // A view only: the IR is not handed to the runtime, so skip schema validation (~0.5 s).
  const compiled = await compileForCli(io, args.file, { validate: false });
  if (!compiled.ok) return compiled.code;
  io.stdout(renderIr(compiled.ir, args.format));
  return EXIT_OK;
}
