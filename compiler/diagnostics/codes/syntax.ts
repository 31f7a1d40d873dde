import type { DiagnosticEntry } from "./entry.js";

export const SYNTAX_CODES = [
  {
    code: "PW1001",
    name: "unexpected-character",
    severity: "error",
    summary: "A character that cannot start any token.",
  },
  {
    code: "PW1002",
    name: "unterminated-string",
    severity: "error",
    summary: "A string literal is not closed before the end of the line or file.",
  },
  {
    code: "PW1003",
    name: "invalid-escape",
    severity: "error",
    summary: "An unknown escape sequence inside a string.",
  },
  {
    code: "PW1004",
    name: "unterminated-comment",
    severity: "error",
    summary: "A block comment is not closed.",
  },
  {
    code: "PW1010",
    name: "unexpected-token",
    severity: "error",
    summary: "A token that does not fit the grammar at this point.",
  },
  {
    code: "PW1011",
    name: "missing-token",
    severity: "error",
    summary: "An expected token (a brace, colon, name) is missing.",
  },
  {
    code: "PW1012",
    name: "unexpected-end-of-file",
    severity: "error",
    summary: "The file ends inside a declaration or block.",
  },
  {
    code: "PW1013",
    name: "expected-declaration",
    severity: "error",
    summary: "Top level holds only pipeline, stage and export declarations.",
  },
  {
    code: "PW1014",
    name: "expected-value",
    severity: "error",
    summary: "A value (number, string, list, name) was expected.",
  },
] as const satisfies readonly DiagnosticEntry[];
