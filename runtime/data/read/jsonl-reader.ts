/**
 * JSON Lines reader: one JSON value per line, streamed. Blank lines are counted, not rows.
 * A line that is not valid JSON becomes a `ReadIssue` (PW6010) with its line and column.
 */
import { readTextChunks } from "./text-chunks.js";
import { excerptOf, type RawRow, type ReadIssue } from "./row.js";

export type ReadEvent =
  { kind: "row"; row: RawRow } | { kind: "issue"; issue: ReadIssue } | { kind: "blank" };

/** Splits a chunk stream into lines (without "\n" and a trailing "\r"), numbered from 1. */
export async function* readLines(
  chunks: AsyncIterable<string>,
): AsyncGenerator<{ text: string; line: number }> {
  let pending = "";
  let line = 1;
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf("\n", start);
    while (nl !== -1) {
      let text = pending + chunk.slice(start, nl);
      pending = "";
      if (text.endsWith("\r")) text = text.slice(0, -1);
      yield { text, line };
      line++;
      start = nl + 1;
      nl = chunk.indexOf("\n", start);
    }
    pending += chunk.slice(start);
  }
  if (pending.length > 0)
    yield { text: pending.endsWith("\r") ? pending.slice(0, -1) : pending, line };
}

/** Turns V8's JSON.parse message into a reason and a 1-based column, when it names a position. */
export function describeJsonError(
  err: unknown,
  text: string,
): { message: string; column?: number; lineOffset: number } {
  const raw = err instanceof Error ? err.message : String(err);
  const pos = /at position (\d+)/.exec(raw);
  let message = raw.replace(/\s*in JSON at position \d+.*$/s, "").replace(/^JSON\.parse: /, "");
  if (/Unexpected end of JSON input/.test(raw))
    message = "unexpected end of JSON (unclosed bracket or string?)";
  if (pos) {
    const index = Number(pos[1]);
    const before = text.slice(0, index);
    const lastNl = before.lastIndexOf("\n");
    const lineOffset = before.split("\n").length - 1;
    return { message, column: index - lastNl, lineOffset };
  }
  return { message, lineOffset: 0 };
}

export async function* readJsonLines(path: string, chunkSize?: number): AsyncGenerator<ReadEvent> {
  let row = 0;
  for await (const { text, line } of readLines(readTextChunks(path, chunkSize))) {
    if (text.trim() === "") {
      yield { kind: "blank" };
      continue;
    }
    row++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const { message, column } = describeJsonError(err, text);
      yield {
        kind: "issue",
        issue: {
          code: "PW6010",
          place: { path, line },
          column,
          row,
          reason: "malformed_json",
          message: `invalid JSON: ${message}`,
          dropsRow: true,
          excerpt: excerptOf(text),
        },
      };
      continue;
    }
    yield { kind: "row", row: { place: { path, line }, row, value } };
  }
}
