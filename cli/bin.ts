/** Process entry point: run the CLI, then exit with its code (destroying any GPU device). */
import { processIo } from "./io.js";
import { dispatch } from "./dispatch.js";

// The bundle is minified; with PIPE_DEBUG=1 internal errors print TypeScript stack traces.
if (process.env.PIPE_DEBUG) process.setSourceMapsEnabled(true);

const code = await dispatch(process.argv.slice(2), processIo());
process.exitCode = code;

// Writes to a pipe are asynchronous: wait until both streams have handed everything to the
// OS before exiting, or a long diagnostic listing would be cut off. Exit explicitly because
// Dawn keeps threads alive.
const drained = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write("", () => resolve()));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
