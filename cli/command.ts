/** The shape of one `pipe` sub-command; each lives in cli/commands/<name>.ts. */
import type { Argv } from "yargs";
import type { CliIo } from "./io.js";

export interface PipeCommand {
  /** yargs command string: "check <files..>". */
  command: string;
  describe: string;
  builder: (y: Argv) => Argv;
  /** Runs the command; returns the exit code. Imports heavy modules lazily. */
  run: (io: CliIo, args: Record<string, unknown>) => Promise<number>;
}
