/** Process entry point: run the CLI, then exit with its code (destroying any GPU device). */
import { processIo } from "./io.js";
import { runCli } from "./main.js";

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// Dawn keeps threads alive; exit explicitly once output is flushed.
process.stdout.write("", () => process.exit(code));
