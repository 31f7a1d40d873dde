/**
 * Reads a file as a stream of text chunks without holding the whole file in memory. UTF-8
 * sequences split across chunk boundaries are decoded correctly (Node's string decoder), and a
 * leading byte-order mark is removed.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";

export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/** Fails with PW6001 unless `path` is a readable regular file. */
export async function assertReadableFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new PipeError(
        "PW6001",
        `data path is not a file`,
        { path },
        "give the path of a .jsonl, .json or .csv file",
      );
    }
  } catch (err) {
    if (err instanceof PipeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "data file not found" : `data file cannot be opened (${code ?? "error"})`;
    throw new PipeError(
      "PW6001",
      why,
      { path },
      "check the path (relative paths are resolved from the .pipe file's folder)",
    );
  } finally {
    await handle?.close();
  }
}

export async function* readTextChunks(
  path: string,
  chunkSize = DEFAULT_CHUNK_SIZE,
): AsyncGenerator<string> {
  await assertReadableFile(path);
  const stream = createReadStream(path, {
    encoding: "utf8",
    highWaterMark: Math.max(4, chunkSize),
  });
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      if (first) {
        first = false;
        yield chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      } else {
        yield chunk;
      }
    }
  } catch (err) {
    throw new PipeError("PW6001", `data file cannot be read (${(err as Error).message})`, { path });
  } finally {
    stream.destroy();
  }
}

/** The first non-whitespace character of a file, or "" for an empty file. */
export async function firstSignificantChar(path: string): Promise<string> {
  for await (const chunk of readTextChunks(path, 4096)) {
    const m = /\S/.exec(chunk);
    if (m) return m[0];
  }
  return "";
}
