/**
 * The hand-built scanner (grammar/lexer.ts) against Chevrotain's own Lexer built from the same
 * token definitions: identical tokens (type, image, offsets), comments and errors (offset,
 * length) on every example and fixture and on generated inputs — random text, token soup and
 * mutated examples.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { Lexer, type IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import { PipeLexer } from "../../grammar/lexer.js";
import { ALL_TOKENS } from "../../grammar/tokens.js";

const reference = new Lexer(ALL_TOKENS, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
});

const shape = (t: IToken) => [t.tokenType.name, t.image, t.startOffset, t.endOffset];

function expectSameLexing(text: string): void {
  const ours = PipeLexer.tokenize(text);
  const theirs = reference.tokenize(text);
  expect(ours.tokens.map(shape)).toEqual(theirs.tokens.map(shape));
  expect(ours.groups.comments.map(shape)).toEqual(
    ((theirs.groups.comments ?? []) as IToken[]).map(shape),
  );
  expect(ours.errors).toEqual(theirs.errors.map((e) => ({ offset: e.offset, length: e.length })));
}

const root = join(import.meta.dirname, "../..");
function pipeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? pipeFiles(join(dir, e.name))
      : e.name.endsWith(".pipe")
        ? [join(dir, e.name)]
        : [],
  );
}
const files = [...pipeFiles(join(root, "examples")), ...pipeFiles(join(root, "test/fixtures"))];
const examples = pipeFiles(join(root, "examples")).map((f) => readFileSync(f, "utf8"));

describe("the scanner lexes exactly as Chevrotain's Lexer", () => {
  it(`on every example and fixture (${files.length} files)`, () => {
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expectSameLexing(readFileSync(f, "utf8"));
  });

  it("on bad characters, unterminated strings and comments, and keyword prefixes", () => {
    for (const text of [
      "",
      "@",
      "a @#$ b",
      'x: "unterminated\nnext: 1',
      "/* never closed",
      'a: """multi\nline""" b: "x\\"y"',
      "pipelines pipeline- pipeline-x trainer train_ in-x in",
      "n: -2e-4 m: 8GB p: 90% r: 10..10000 d: 1.5.2",
      "\u00a0\ufeff\t\r\n 指令 ＡＢ é",
      "a >= b <= c == d != e > f < g = h",
    ])
      expectSameLexing(text);
  });

  it("on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (text) => expectSameLexing(text)),
      { numRuns: 300, seed: 20261129 },
    );
  });

  it("on token soup and mutated examples", () => {
    const pieces = [
      "pipeline",
      "train",
      "in",
      "{",
      "}",
      ":",
      "..",
      "-1",
      "2e5",
      '"s"',
      "//c\n",
      "/*",
      "*/",
      "@",
      "x-y",
      "ident",
      ">=",
      "=",
      "\n",
      " ",
      '"""',
      "90%",
      "₿",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (ps) =>
        expectSameLexing(ps.join("")),
      ),
      { numRuns: 300, seed: 7 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...examples),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 4 })), {
          maxLength: 6,
        }),
        (text, edits) => {
          let t = text;
          for (const [at, cut, insert] of edits) {
            const i = at % (t.length + 1);
            t = t.slice(0, i) + insert + t.slice(i + cut);
          }
          expectSameLexing(t);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});
