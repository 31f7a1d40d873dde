/**
 * Streaming reader for a file holding one JSON array of rows (`[ {...}, {...} ]`). The array is
 * never parsed whole: a small scanner finds each element's extent (depth, strings, escapes)
 * across chunk boundaries, then JSON.parse runs on that element alone. Each row keeps the line
 * its element starts on. A malformed element is one issue (PW6011) and the scan goes on with the
 * next element; structural problems (no comma, no closing bracket, trailing text) are PW6012.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { readTextChunks } from "./text-chunks.js";
import { describeJsonError, type ReadEvent } from "./jsonl-reader.js";
import { excerptOf, type ReadIssue } from "./row.js";

const enum State {
  Start,
  BeforeElement,
  InElement,
  AfterElement,
  End,
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export async function* readJsonArray(path: string, chunkSize?: number): AsyncGenerator<ReadEvent> {
  let state = State.Start;
  let line = 1;
  let row = 0;
  let afterComma = false;
  // The element being scanned.
  let parts: string[] = [];
  let elementLine = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;
  let trailingReported = false;

  const structural = (
    message: string,
    at: number,
    excerpt?: string,
    dropsRow = false,
  ): ReadIssue => ({
    code: "PW6012",
    place: { path, line: at },
    reason: dropsRow ? "malformed_json" : "json_structure",
    message,
    dropsRow,
    excerpt,
  });

  function finishElement(): ReadEvent {
    const text = parts.join("");
    parts = [];
    row++;
    try {
      const value = JSON.parse(text);
      return { kind: "row", row: { place: { path, line: elementLine }, row, value } };
    } catch (err) {
      const { message, column, lineOffset } = describeJsonError(err, text);
      const where =
        lineOffset > 0
          ? ` (at line ${elementLine + lineOffset}${column ? `, column ${column}` : ""})`
          : "";
      return {
        kind: "issue",
        issue: {
          code: "PW6011",
          place: { path, line: elementLine },
          column: lineOffset === 0 ? column : undefined,
          row,
          reason: "malformed_json",
          message: `invalid JSON element: ${message}${where}`,
          dropsRow: true,
          excerpt: excerptOf(text),
        },
      };
    }
  }

  for await (const chunk of readTextChunks(path, chunkSize)) {
    // Start in this chunk of the element text being accumulated (-1: not in an element).
    let segStart = state === State.InElement ? 0 : -1;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (state === State.InElement) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) {
            inString = false;
            if (depth === 0) {
              // A string scalar element ends at its closing quote.
              parts.push(chunk.slice(segStart, i + 1));
              segStart = -1;
              state = State.AfterElement;
              yield finishElement();
            }
          } else if (c === 0x0a) line++;
          i++;
          continue;
        }
        if (scalar) {
          if (c === 0x2c || c === 0x5d || c === 0x7d || WS.has(c)) {
            parts.push(chunk.slice(segStart, i));
            segStart = -1;
            scalar = false;
            state = State.AfterElement;
            yield finishElement();
            continue; // re-examine this character in AfterElement
          }
          i++;
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            parts.push(chunk.slice(segStart, i + 1));
            segStart = -1;
            state = State.AfterElement;
            i++;
            yield finishElement();
            continue;
          }
        } else if (c === 0x0a) line++;
        i++;
        continue;
      }
      if (c === 0x0a) {
        line++;
        i++;
        continue;
      }
      if (WS.has(c)) {
        i++;
        continue;
      }
      switch (state) {
        case State.Start:
          if (c !== 0x5b) {
            throw new PipeError(
              "PW6012",
              `a JSON array file must start with "[" (found ${JSON.stringify(chunk[i])})`,
              { path, line },
              c === 0x7b
                ? "one JSON object per line is JSON Lines: name the file .jsonl or set format: jsonl"
                : undefined,
            );
          }
          state = State.BeforeElement;
          i++;
          continue;
        case State.BeforeElement:
        case State.AfterElement:
          if (c === 0x5d) {
            if (state === State.BeforeElement && afterComma) {
              yield { kind: "issue", issue: structural('trailing comma before "]"', line) };
            }
            state = State.End;
            i++;
            continue;
          }
          if (c === 0x2c) {
            if (state === State.BeforeElement) {
              yield {
                kind: "issue",
                issue: structural("empty element (two commas in a row)", line),
              };
            }
            state = State.BeforeElement;
            afterComma = true;
            i++;
            continue;
          }
          if (state === State.AfterElement) {
            yield { kind: "issue", issue: structural('missing "," between array elements', line) };
          }
          // Start of an element.
          afterComma = false;
          state = State.InElement;
          elementLine = line;
          segStart = i;
          depth = 0;
          inString = false;
          escaped = false;
          scalar = false;
          if (c === 0x7b || c === 0x5b) depth = 1;
          else if (c === 0x22) inString = true;
          else scalar = true;
          i++;
          continue;
        case State.End:
          if (!trailingReported) {
            trailingReported = true;
            yield {
              kind: "issue",
              issue: structural(
                'text after the closing "]" is ignored',
                line,
                excerptOf(chunk.slice(i, i + 80)),
              ),
            };
          }
          i++;
          continue;
      }
    }
    if (state === State.InElement && segStart !== -1) parts.push(chunk.slice(segStart));
  }

  if (state === State.InElement) {
    if (scalar && !inString) {
      yield finishElement();
      yield { kind: "issue", issue: structural('the array is not closed with "]"', line) };
      return;
    }
    row++;
    yield {
      kind: "issue",
      issue: {
        ...structural(
          `unterminated element starting at line ${elementLine}: the rest of the file (lines ${elementLine}-${line}) could not be read`,
          elementLine,
          excerptOf(parts.join("")),
          true,
        ),
        row,
      },
    };
  } else if (state === State.Start) {
    throw new PipeError("PW6012", "the file is empty; expected a JSON array", { path });
  } else if (state !== State.End) {
    yield { kind: "issue", issue: structural('the array is not closed with "]"', line) };
  }
}
