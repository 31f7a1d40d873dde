/**
 * Syntax-error recovery is pinned by a recorded corpus (see `recovery-golden.ts`): the AST
 * (partial nodes, placeholders, spans, `recovered` marks) and the diagnostics of each input,
 * key order included, are exactly what was recorded.
 */
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { compactParse, readRecoveryCorpus } from "./recovery-golden.js";

describe("recovery corpus", () => {
  const cases = readRecoveryCorpus();

  it("is varied", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const codes = new Set(
      cases.flatMap((c) =>
        (c.expected as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code),
      ),
    );
    expect(codes.size).toBeGreaterThanOrEqual(8);
  });

  it("parses every recorded input as recorded", () => {
    for (const { text, expected } of cases) {
      const actual = compactParse(parse(text, "r.pipe"));
      if (JSON.stringify(actual) === JSON.stringify(expected)) continue;
      // Show a readable difference, then insist on the exact form (key order too).
      expect({ text, actual }).toEqual({ text, actual: expected });
      expect.fail(`same content, different key order, for ${JSON.stringify(text)}`);
    }
  });
});
