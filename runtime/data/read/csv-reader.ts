/**
 * Streaming CSV reader (RFC 4180): fields separated by a delimiter, records by CRLF or LF,
 * quoted fields may hold delimiters, newlines and doubled quotes (""). The first record is the
 * header unless column names are given. Every row is an object { column: string } and keeps
 * the line its record starts on. A record with a stray quote, text after a closing quote, an
 * unclosed quote (PW6013) or the wrong number of fields (PW6014) becomes an issue, and reading
 * goes on with the next record.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { readTextChunks } from "./text-chunks.js";
import type { ReadEvent } from "./jsonl-reader.js";
import { excerptOf, type CsvOptions } from "./row.js";

const enum Mode {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

interface RawRecord {
  fields: string[];
  line: number;
  error?: { message: string; column: number };
  /** The last field was quoted (so a lone "" is not a blank line). */
  anyQuoted: boolean;
}

/** Parses a chunk stream into raw records. Exposed for property tests. */
export async function* parseCsvRecords(
  chunks: AsyncIterable<string>,
  delimiter = ",",
): AsyncGenerator<RawRecord> {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new PipeError(
      "PW6015",
      `CSV delimiter must be one character other than a quote or newline (got ${JSON.stringify(delimiter)})`,
    );
  }
  const D = delimiter.charCodeAt(0);
  let mode = Mode.FieldStart;
  let line = 1;
  let column = 1;
  let field = "";
  let rec: RawRecord = { fields: [], line: 1, anyQuoted: false };
  let pendingCR = false;
  let started = false; // the current record has at least one character

  const fail = (message: string) => {
    if (!rec.error) rec.error = { message, column };
  };
  const endField = () => {
    rec.fields.push(field);
    field = "";
    mode = Mode.FieldStart;
  };
  const endRecord = (): RawRecord => {
    endField();
    const done = rec;
    rec = { fields: [], line: line + 1, anyQuoted: false };
    started = false;
    return done;
  };

  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      const c = ch.charCodeAt(0);
      if (!started) {
        started = true;
        rec.line = line;
      }
      if (mode === Mode.Quoted) {
        if (c === 0x22) mode = Mode.QuoteInQuoted;
        else {
          field += ch;
          if (c === 0x0a) {
            line++;
            column = 0;
          }
        }
        column++;
        continue;
      }
      if (mode === Mode.QuoteInQuoted) {
        if (c === 0x22) {
          field += '"';
          mode = Mode.Quoted;
          column++;
          continue;
        }
        if (c !== D && c !== 0x0a && c !== 0x0d) {
          fail(`text after the closing quote of a field`);
          mode = Mode.Unquoted;
        } else {
          mode = Mode.Unquoted; // the field is closed; fall through to the terminator logic
        }
      }
      // Unquoted or FieldStart.
      if (pendingCR) {
        pendingCR = false;
        if (c === 0x0a) {
          yield endRecord();
          line++;
          column = 1;
          continue;
        }
        field += "\r";
      }
      if (c === D) {
        endField();
      } else if (c === 0x0a) {
        yield endRecord();
        line++;
        column = 1;
        continue;
      } else if (c === 0x0d) {
        pendingCR = true;
      } else if (c === 0x22) {
        if (mode === Mode.FieldStart) {
          mode = Mode.Quoted;
          rec.anyQuoted = true;
        } else {
          fail(`a quote inside an unquoted field (quote the whole field and double the quote: "")`);
          field += ch;
        }
      } else {
        field += ch;
        mode = Mode.Unquoted;
      }
      column++;
    }
  }
  if (pendingCR) field += "\r";
  if (mode === Mode.Quoted) {
    fail(`unclosed quote: the field runs to the end of the file`);
  }
  if (started) {
    endField();
    yield rec;
  }
}

function isBlank(rec: RawRecord): boolean {
  return rec.fields.length === 1 && rec.fields[0] === "" && !rec.anyQuoted && !rec.error;
}

export async function* readCsv(
  path: string,
  options: CsvOptions = {},
  chunkSize?: number,
): AsyncGenerator<ReadEvent> {
  const delimiter = options.delimiter ?? (/\.tsv$/i.test(path) ? "\t" : ",");
  let columns: string[] | undefined = options.columns ? [...options.columns] : undefined;
  if (columns) checkHeader(columns, path, 0);
  let row = 0;
  for await (const rec of parseCsvRecords(readTextChunks(path, chunkSize), delimiter)) {
    if (isBlank(rec)) {
      yield { kind: "blank" };
      continue;
    }
    if (!columns) {
      if (rec.error) {
        throw new PipeError("PW6015", `CSV header row is malformed: ${rec.error.message}`, {
          path,
          line: rec.line,
        });
      }
      columns = rec.fields.map((f) => f.trim());
      checkHeader(columns, path, rec.line);
      continue;
    }
    row++;
    const place = { path, line: rec.line };
    if (rec.error) {
      yield {
        kind: "issue",
        issue: {
          code: "PW6013",
          place,
          column: rec.error.column,
          row,
          reason: "malformed_csv",
          message: rec.error.message,
          dropsRow: true,
          excerpt: excerptOf(rec.fields.join(delimiter)),
        },
      };
      continue;
    }
    if (rec.fields.length !== columns.length) {
      yield {
        kind: "issue",
        issue: {
          code: "PW6014",
          place,
          row,
          reason: "malformed_csv",
          message: `record has ${rec.fields.length} field${rec.fields.length === 1 ? "" : "s"}, the header has ${columns.length}`,
          dropsRow: true,
          excerpt: excerptOf(rec.fields.join(delimiter)),
        },
      };
      continue;
    }
    const value: Record<string, string> = {};
    columns.forEach((name, k) => (value[name] = rec.fields[k]));
    yield { kind: "row", row: { place, row, value } };
  }
}

function checkHeader(columns: readonly string[], path: string, line: number): void {
  const seen = new Set<string>();
  columns.forEach((name, k) => {
    if (name === "") {
      throw new PipeError("PW6015", `CSV column ${k + 1} has an empty name`, {
        path,
        line: line || undefined,
      });
    }
    if (seen.has(name)) {
      throw new PipeError("PW6015", `CSV column name "${name}" appears twice`, {
        path,
        line: line || undefined,
      });
    }
    seen.add(name);
  });
}
