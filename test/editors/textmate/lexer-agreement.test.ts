/**
 * Property test: on generated token soups (balanced brackets, every token kind of the lexer,
 * keyword-prefixed names, numbers with units, strings with valid and invalid escapes,
 * multi-line strings and comments, characters the lexer rejects), the TextMate grammar and
 * the lexer agree on every character. Seeded, so a failure reproduces.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as T from "../../../grammar/tokens.js";
import { disagreements } from "./agreement.js";

const WORDS = [...T.KEYWORD_WORDS];

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}(-[A-Za-z_][A-Za-z0-9_]{0,3}){0,2}$/);
const keywordish = fc.oneof(
  fc.constantFrom(...WORDS),
  fc
    .tuple(fc.constantFrom(...WORDS), fc.constantFrom("put", "s", "_x", "-y", "1", "-in", "X"))
    .map(([w, s]) => w + s),
);
const number = fc.stringMatching(
  /^-?\d[\d_]{0,3}(\.\d{1,3})?([eE][+-]?\d{1,2})?(%|[A-Za-z]{1,3})?$/,
);
const stringPiece = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9 :{}%#/*.,=<>-]{1,6}$/),
  fc.constantFrom(
    "\\n",
    "\\t",
    "\\r",
    "\\0",
    '\\"',
    "\\\\",
    "\\'",
    "\\u00e9",
    "\\u{1F600}",
    "\\u{10FFFF}",
    "\\u{110000}",
    "\\u12",
    "\\u{}",
    "\\q",
    "\\x",
    "\\ ",
    "é",
    "数据",
    "😀",
    "{{ m.role }}",
    "{% if x %}",
    "//",
    "/*",
  ),
);
const stringLiteral = fc.array(stringPiece, { maxLength: 5 }).map((ps) => `"${ps.join("")}"`);
const tripleString = fc
  .array(fc.oneof(stringPiece, fc.constantFrom("\n", '"', '""', "\\", "\n  ")), { maxLength: 6 })
  .map((ps) => ps.join(""))
  .filter((body) => !body.includes('"""') && !body.endsWith('"') && !body.startsWith('"'))
  .map((body) => `"""${body}"""`);
const lineComment = fc.stringMatching(/^[^\n\r]{0,12}$/).map((body) => `//${body}\n`);
const blockComment = fc
  .array(fc.constantFrom("a", " ", "\n", "*", "/", '"', "dataset", "{", "x*y"), { maxLength: 6 })
  .map((ps) => ps.join(""))
  .filter((body) => !body.includes("*/") && !body.endsWith("*") && !body.startsWith("/"))
  .map((body) => `/*${body}*/`);
const symbol = fc.constantFrom(":", ",", ";", ".", "..", "=", "==", "!=", ">=", "<=", ">", "<");
const rejected = fc.constantFrom(
  "@",
  "#",
  "$",
  "!",
  "?",
  "'",
  "`",
  "-",
  "&",
  "|",
  "+",
  "*",
  "/",
  "~",
  "^",
  "é",
);
const separator = fc.constantFrom(
  " ",
  "  ",
  "\n",
  "\t",
  "\n  ",
  "\r\n",
  "\u00a0",
  "\ufeff",
  " \n\n ",
);

const atom = fc.oneof(
  { arbitrary: name, weight: 5 },
  { arbitrary: keywordish, weight: 5 },
  { arbitrary: number, weight: 3 },
  { arbitrary: stringLiteral, weight: 2 },
  { arbitrary: tripleString, weight: 1 },
  { arbitrary: lineComment, weight: 1 },
  { arbitrary: blockComment, weight: 1 },
  { arbitrary: symbol, weight: 4 },
  { arbitrary: rejected, weight: 1 },
);

const { soup } = fc.letrec<{ soup: string[]; group: string[] }>((tie) => ({
  soup: fc
    .array(
      fc.oneof(
        { arbitrary: atom.map((a) => [a]), weight: 6 },
        { arbitrary: tie("group"), weight: 1 },
      ),
      {
        maxLength: 12,
        depthIdentifier: "soup",
      },
    )
    .map((parts) => parts.flat()),
  group: fc
    .tuple(fc.constantFrom(["{", "}"], ["[", "]"], ["(", ")"]), tie("soup"))
    .map(([[open, close], inner]) => [open, ...inner, close]),
}));

const program = fc
  .tuple(soup, fc.array(separator, { minLength: 40, maxLength: 40 }))
  .map(([parts, seps]) => parts.map((p, i) => p + seps[i % seps.length]).join(""));

describe("TextMate grammar agrees with the lexer", () => {
  it("on generated token soups", async () => {
    await fc.assert(
      fc.asyncProperty(program, async (text) => {
        const problems = await disagreements(text);
        expect(problems, JSON.stringify(text)).toEqual([]);
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });

  it("on hand-picked edge cases", async () => {
    const cases = [
      "a-b - c-1 -1 x-",
      "10..20 1...2 a..b 1.5..2e3GB",
      '"" """""" "\\\\" "\\"" ""x',
      "in-x in x-in inx xin not-a note",
      "rouge1 mAP50_95 2e 2e+ 1_ 8GB2 8GB_x 90%in 1_a a -b a-1",
      "/**/ /***/ /* // */ // /* */",
      "train: 1, train x = y, a.train, train { }, train(1)",
      "dataset in = x  model to = y  FAIL when  not when",
    ];
    for (const text of cases) expect(await disagreements(text), text).toEqual([]);
  });
});
