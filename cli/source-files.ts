/** Reading `.pipe` files named on the command line, with I/O errors as values. */
import { readFile, stat, readdir } from "node:fs/promises";
import { dirname, join, resolve, relative, isAbsolute } from "node:path";

export interface SourceFile {
  /** The path as shown to the user (relative to cwd when inside it). */
  path: string;
  text: string;
}

export interface ReadFailure {
  path: string;
  reason: string;
}

function displayPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : absolute;
}

/** Expands directories to the `.pipe` files inside them (sorted) and reads every file. */
export async function readSourceFiles(
  cwd: string,
  paths: string[],
): Promise<{ files: SourceFile[]; failures: ReadFailure[] }> {
  const files: SourceFile[] = [];
  const failures: ReadFailure[] = [];
  for (const p of paths) {
    const absolute = resolve(cwd, p);
    let info;
    try {
      info = await stat(absolute);
    } catch (err) {
      failures.push({ path: p, reason: ioReason(err) });
      continue;
    }
    const targets = info.isDirectory()
      ? (await readdir(absolute))
          .filter((f) => f.endsWith(".pipe"))
          .sort()
          .map((f) => join(absolute, f))
      : [absolute];
    for (const target of targets) {
      try {
        files.push({ path: displayPath(cwd, target), text: await readFile(target, "utf8") });
      } catch (err) {
        failures.push({ path: displayPath(cwd, target), reason: ioReason(err) });
      }
    }
  }
  return { files, failures };
}

export function ioReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The folder relative paths in a `.pipe` file resolve against: the file's own folder, as in
 * `pipe run` (so a pipeline means the same thing wherever it is run from).
 */
export function fileFolder(cwd: string, filePath: string): string {
  return dirname(resolve(cwd, filePath));
}
