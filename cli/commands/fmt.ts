import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { readSourceFiles } from "../source-files.js";

export interface FmtArgs {
  files: string[];
  check: boolean;
  /** Print the formatted text instead of writing the file (one file). */
  stdout: boolean;
}

/** `pipe fmt [--check] <files…>` through Prettier's API and our plugin. */
export async function runFmt(io: CliIo, args: FmtArgs): Promise<number> {
  const { formatPipe } = await import("../../editors/prettier/format.js");
  const { files, failures } = await readSourceFiles(io.cwd, args.files);
  for (const f of failures) io.stderr(`error: cannot read ${f.path}: ${f.reason}\n`);
  let unformatted = 0;
  let syntaxErrors = 0;
  for (const file of files) {
    const result = await formatPipe(file.text, file.path);
    if (!result.ok) {
      syntaxErrors++;
      io.stderr(
        `${result.rendered}\n\nerror: ${file.path} was not formatted: it has syntax errors\n`,
      );
      continue;
    }
    if (args.stdout) {
      io.stdout(result.formatted);
      continue;
    }
    if (result.formatted === file.text) continue;
    if (args.check) {
      unformatted++;
      io.stderr(`${file.path}: not formatted\n`);
    } else {
      await writeFile(resolve(io.cwd, file.path), result.formatted, "utf8");
      io.stderr(`formatted ${file.path}\n`);
    }
  }
  if (args.check && unformatted > 0)
    io.stderr(`${unformatted} file(s) need formatting (run \`pipe fmt\`)\n`);
  if (failures.length > 0) return EXIT_USAGE;
  return syntaxErrors > 0 || unformatted > 0 ? EXIT_DIAGNOSTICS : EXIT_OK;
}
