import { describe, expect, it } from "vitest";
import { assertGates, conditionText, evaluateGates } from "../../../runtime/llm-eval/gates.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";

const metrics = {
  rouge1: { score: 0.214, precision: 0.3 },
  bleu: { score: 31.5, bp: 0.9 },
  perplexity: { score: 12.25 },
  exact_match: 0.5,
};
const m = (metric: string, field?: string) => ({ metric, ...(field ? { field } : {}) });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("require gates", () => {
  it("evaluates comparisons on scores, fields and plain numbers", () => {
    const pass = evaluateGates(
      [
        { op: ">=", left: m("bleu"), right: 30 },
        { op: "<", left: m("perplexity"), right: 20 },
        { op: ">", left: m("bleu", "bp"), right: 0.5 },
        { op: "==", left: m("exact_match"), right: 0.5 },
        { op: "!=", left: m("rouge1", "precision"), right: 0 },
        { op: "<=", left: 0.1, right: m("rouge1") },
      ],
      metrics,
    );
    expect(pass).toEqual({ passed: true, failures: [] });
  });

  it("reports each failed gate with the measured values", () => {
    const r = evaluateGates(
      [
        { op: ">=", left: m("rouge1"), right: 0.3 },
        { op: ">=", left: m("bleu"), right: 10 },
        {
          op: "and",
          args: [
            { op: ">", left: m("exact_match"), right: 0.8 },
            { op: "<", left: m("perplexity"), right: 10 },
          ],
        },
        {
          op: "or",
          args: [
            { op: ">", left: m("exact_match"), right: 0.8 },
            { op: ">", left: m("bleu"), right: 40 },
          ],
        },
        { op: "not", arg: { op: "<", left: m("perplexity"), right: 20 } },
      ],
      metrics,
    );
    expect(r.passed).toBe(false);
    expect(r.failures.map((f) => f.message)).toEqual([
      "require rouge1 >= 0.3 failed: rouge1 >= 0.3 is false (rouge1 = 0.214)",
      "require exact_match > 0.8 and perplexity < 10 failed: exact_match > 0.8 is false (exact_match = 0.5); perplexity < 10 is false (perplexity = 12.25)",
      "require exact_match > 0.8 or bleu > 40 failed: exact_match > 0.8 is false (exact_match = 0.5); bleu > 40 is false (bleu = 31.5)",
      "require not (perplexity < 20) failed: perplexity < 20 holds (perplexity = 12.25)",
    ]);
    expect(
      conditionText({
        op: "and",
        args: [
          {
            op: "or",
            args: [
              { op: ">", left: m("a"), right: 1 },
              { op: ">", left: m("b"), right: 2 },
            ],
          },
          { op: "not", arg: { op: "<", left: m("c", "x"), right: 3 } },
        ],
      }),
    ).toBe("(a > 1 or b > 2) and not (c.x < 3)");
  });

  it("a NaN metric fails its gate", () => {
    expect(evaluateGates([{ op: ">=", left: m("x"), right: 0 }], { x: NaN }).passed).toBe(false);
  });

  it("assertGates throws PW8007 listing every failure", () => {
    expect(() => assertGates([{ op: ">=", left: m("bleu"), right: 30 }], metrics)).not.toThrow();
    const err = thrown(() =>
      assertGates(
        [
          { op: ">=", left: m("rouge1"), right: 0.3 },
          { op: "<=", left: m("perplexity"), right: 5 },
        ],
        metrics,
        { path: "pipes/alpaca.pipe" },
      ),
    );
    expect(isPipeError(err) && err.code).toBe("PW8007");
    expect((err as Error).message).toMatch(
      /^2 require gates failed:\n  - require rouge1 >= 0.3 failed/,
    );
    expect((err as Error).message).toMatch(/perplexity = 12.25/);
  });

  it("refuses malformed conditions and unmeasured metrics (PW8008)", () => {
    const cases: [unknown, RegExp][] = [
      [{ op: "=>", left: m("bleu"), right: 1 }, /unknown operator "=>"/],
      [{ op: "and", args: [] }, /needs a non-empty args list/],
      [{ op: ">=", left: "bleu", right: 1 }, /left side must be a number or \{ metric, field\? \}/],
      [
        { op: ">=", left: m("rougeL"), right: 0.1 },
        /metric `rougeL`, which this evaluation did not compute \(computed: rouge1, bleu, perplexity, exact_match\)/,
      ],
      [{ op: ">=", left: m("bleu", "nope"), right: 0.1 }, /no numeric field `nope`/],
      [null, /must be an object/],
    ];
    for (const [cond, msg] of cases) {
      const err = thrown(() => evaluateGates([cond], metrics));
      expect(isPipeError(err) && err.code, JSON.stringify(cond)).toBe("PW8008");
      expect((err as Error).message).toMatch(msg);
    }
  });
});
