/**
 * Property: `parse` never throws, whatever the input, and every span it reports (node or
 * diagnostic) lies inside the text. Inputs: random text, random token soup, mutated and
 * truncated examples, deep nesting. ≥ 2,000 generated inputs in total.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { exampleFiles } from "../support/examples.js";

const examples = exampleFiles().map((e) => e.text);

function checkSpans(text: string): void {
  const { ast, diagnostics } = parse(text, "prop.pipe");
  const inside = (s: { start: number; end: number }) =>
    Number.isInteger(s.start) &&
    Number.isInteger(s.end) &&
    s.start >= 0 &&
    s.start <= s.end &&
    s.end <= text.length;
  for (const d of diagnostics) {
    if (!inside(d.span)) throw new Error(`diagnostic span out of text: ${JSON.stringify(d)}`);
  }
  const stack: unknown[] = [ast];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
    } else if (node && typeof node === "object") {
      const span = (node as { span?: { start: number; end: number } }).span;
      if (span && !inside(span))
        throw new Error(`node span out of text: ${JSON.stringify(node).slice(0, 200)}`);
      for (const [k, v] of Object.entries(node))
        if (k !== "span" && k !== "keywordSpan") stack.push(v);
    }
  }
}

const TOKENS = [
  "pipeline",
  "dataset",
  "model",
  "adapter",
  "train",
  "distill",
  "evaluate",
  "generate",
  "detect",
  "inspect",
  "export",
  "to",
  "require",
  "when",
  "otherwise",
  "in",
  "and",
  "or",
  "not",
  "true",
  "false",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ":",
  ",",
  ";",
  ".",
  "..",
  "=",
  ">=",
  "<=",
  "==",
  "!=",
  ">",
  "<",
  "x",
  "sft.train",
  "42",
  "8GB",
  "90%",
  "2e-4",
  "-1",
  '"s"',
  '"""t"""',
  '"open',
  "// c\n",
  "/* b */",
  "/* open",
  "\n",
  " ",
  "@",
  "#",
  "é",
  "中文",
  "\\",
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((ts) => ts.join(" "));

const mutatedExample = fc
  .tuple(
    fc.constantFrom(...examples),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 6 })), {
      maxLength: 6,
    }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [pos, del, ins] of edits) {
      const at = pos % (t.length + 1);
      t = t.slice(0, at) + ins + t.slice(at + del);
    }
    return t;
  });

const truncatedExample = fc
  .tuple(fc.constantFrom(...examples), fc.nat())
  .map(([text, n]) => text.slice(0, n % (text.length + 1)));

const deepNesting = fc
  .tuple(
    fc.integer({ min: 1, max: 400 }),
    fc.constantFrom("{", "[", "(", "a: {", "x: [", "f("),
    fc.boolean(),
  )
  .map(([depth, open, close]) => {
    const closer = open.includes("{") ? "}" : open.includes("[") ? "]" : ")";
    return `model m = llama {\n${open.repeat(depth)}${close ? closer.repeat(depth) : ""}\n}`;
  });

describe("parse never throws", () => {
  it("on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (t) => checkSpans(t)),
      { numRuns: 600, seed: 1 },
    );
  });
  it("on random unicode text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (t) => checkSpans(t)),
      { numRuns: 200, seed: 2 },
    );
  });
  it("on token soup", () => {
    fc.assert(
      fc.property(tokenSoup, (t) => checkSpans(t)),
      { numRuns: 600, seed: 3 },
    );
  });
  it("on mutated examples", () => {
    fc.assert(
      fc.property(mutatedExample, (t) => checkSpans(t)),
      { numRuns: 400, seed: 4 },
    );
  });
  it("on truncated examples", () => {
    fc.assert(
      fc.property(truncatedExample, (t) => checkSpans(t)),
      { numRuns: 200, seed: 5 },
    );
  });
  it("on deep nesting", () => {
    fc.assert(
      fc.property(deepNesting, (t) => checkSpans(t)),
      { numRuns: 100, seed: 6 },
    );
  });
  it("on the examples themselves, without diagnostics", () => {
    for (const text of examples) {
      expect(parse(text, "e.pipe").diagnostics).toEqual([]);
      checkSpans(text);
    }
  });
});
