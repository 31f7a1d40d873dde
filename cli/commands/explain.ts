import { explainPipeline } from "../../compiler/explain/explain.js";
import { EXIT_OK, type CliIo } from "../io.js";
import { compileForCli } from "./compile.js";

export interface ExplainArgs {
  file: string;
}

/** `pipe explain <file>`: every setting with its provenance, the order, what does not run. */
export async function runExplain(io: CliIo, args: ExplainArgs): Promise<number> {
  // A view only: the IR is not handed to the runtime, so skip schema validation (~0.5 s).
  const compiled = await compileForCli(io, args.file, { validate: false });
  if (!compiled.ok) return compiled.code;
  io.stdout(explainPipeline(compiled.result.pipeline, compiled.ir));
  return EXIT_OK;
}
