/**
 * Verdict rules in every form the compiler emits, the seed's default policy, the severity map,
 * and the errors a bad rule or map gets before any image is judged.
 */
import { describe, expect, it } from "vitest";
import {
  compileVerdictRules,
  DEFAULT_VERDICT_RULES,
  type JudgedDefect,
  type VerdictRule,
} from "../../../runtime/inspect/verdict-rules.js";
import {
  defaultSeverityMap,
  parseSeverityMap,
  severityOf,
} from "../../../runtime/inspect/severity.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";

const names = ["scratch", "crack", "stain", "dent"];
const severity = defaultSeverityMap(names);
const d = (className: string, confidence = 0.9): JudgedDefect => ({
  className,
  severity: severityOf(severity, className),
  confidence,
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isPipeError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "no error";
}

describe("default verdict rules (seed chapter 5)", () => {
  const rules = compileVerdictRules(DEFAULT_VERDICT_RULES, names);
  it("no detection → PASS; any high → FAIL; otherwise WARNING", () => {
    expect(rules.judge([])).toEqual({ outcome: "PASS", rule: 0 });
    expect(rules.judge([d("stain"), d("crack")])).toEqual({ outcome: "FAIL", rule: 1 });
    expect(rules.judge([d("dent")]).outcome).toBe("FAIL");
    expect(rules.judge([d("scratch"), d("stain")])).toEqual({ outcome: "WARNING", rule: 2 });
  });
});

describe("rules as data", () => {
  // What the compiler emits for the example's verdict block.
  const example: VerdictRule[] = [
    { outcome: "FAIL", when: { call: "any", args: ["high"] } },
    {
      outcome: "WARNING",
      when: {
        op: "or",
        args: [
          { call: "any", args: ["medium"] },
          { op: ">=", left: { call: "count", args: ["low"] }, right: 3 },
        ],
      },
    },
    { outcome: "PASS", when: null },
  ];
  const rules = compileVerdictRules(example, names);

  it("call: any(severity)", () => {
    expect(rules.judge([d("crack")]).outcome).toBe("FAIL");
  });

  it("op or with a count comparison", () => {
    expect(rules.judge([d("scratch")]).outcome).toBe("WARNING");
    expect(rules.judge([d("stain"), d("stain")]).outcome).toBe("PASS");
    expect(rules.judge([d("stain"), d("stain"), d("stain")])).toEqual({
      outcome: "WARNING",
      rule: 1,
    });
  });

  it("`condition` as a synonym of `when`, class names, and, not, in, all, max_confidence", () => {
    const r = compileVerdictRules(
      [
        {
          outcome: "FAIL",
          condition: {
            op: "and",
            args: [
              { call: "any", args: ["stain"] },
              { op: ">", left: { call: "max_confidence", args: ["stain"] }, right: 0.8 },
            ],
          },
        },
        { outcome: "PASS", condition: { call: "all", args: ["low"] } },
        {
          outcome: "WARNING",
          condition: {
            op: "not",
            arg: { op: "in", left: { call: "count", args: ["all"] }, right: { range: [1, 2] } },
          },
        },
        {
          outcome: "FAIL",
          condition: { op: "in", left: { call: "count", args: ["scratch"] }, right: [1, 2] },
        },
        { outcome: "PASS", condition: true },
      ],
      names,
    );
    expect(r.judge([d("stain", 0.95)]).outcome).toBe("FAIL");
    expect(r.judge([d("stain", 0.5)]).outcome).toBe("PASS"); // all(low)
    expect(r.judge([])).toEqual({ outcome: "PASS", rule: 1 }); // all() of nothing is true
    expect(r.judge([d("scratch"), d("dent"), d("dent")]).rule).toBe(2); // count 3 not in 1..2
    expect(r.judge([d("scratch"), d("dent")])).toEqual({ outcome: "FAIL", rule: 3 });
    expect(r.judge([d("dent")])).toEqual({ outcome: "PASS", rule: 4 });
  });

  it("judges WARNING (rule −1) when no rule matches", () => {
    const r = compileVerdictRules(
      [{ outcome: "PASS", when: { op: "==", left: { call: "count", args: ["all"] }, right: 0 } }],
      names,
    );
    expect(r.judge([d("stain")])).toEqual({ outcome: "WARNING", rule: -1 });
  });

  it("rejects bad rules with a code before judging anything", () => {
    expect(codeOf(() => compileVerdictRules([], names))).toMatch(/^PW2023: .*empty/);
    expect(
      codeOf(() => compileVerdictRules([{ outcome: "MAYBE" as never, when: null }], names)),
    ).toMatch(/^PW2025: .*MAYBE/);
    expect(
      codeOf(() =>
        compileVerdictRules([{ outcome: "FAIL", when: { call: "many", args: ["high"] } }], names),
      ),
    ).toMatch(/^PW2023: .*unknown function "many"/);
    expect(
      codeOf(() =>
        compileVerdictRules([{ outcome: "FAIL", when: { call: "any", args: ["rust"] } }], names),
      ),
    ).toMatch(/^PW3203: .*`rust`/);
    expect(
      codeOf(() =>
        compileVerdictRules([{ outcome: "FAIL", when: { op: "xor", args: [true, false] } }], names),
      ),
    ).toMatch(/^PW2023: .*unknown operator "xor"/);
    expect(
      codeOf(() =>
        compileVerdictRules(
          [{ outcome: "FAIL", when: { op: ">=", left: { call: "count", args: ["low"] } } }],
          names,
        ),
      ),
    ).toMatch(/^PW2023: .*needs left and right/);
    expect(codeOf(() => compileVerdictRules([{ outcome: "FAIL", when: 3 }], names))).toMatch(
      /^PW2023: .*expected a condition/,
    );
  });
});

describe("severity map", () => {
  it("defaults to the seed's levels for matching class names; others are unknown", () => {
    expect(defaultSeverityMap(["scratch", "crack", "stain", "dent", "burr"])).toEqual({
      scratch: "medium",
      crack: "high",
      stain: "low",
      dent: "high",
    });
    expect(severityOf({ crack: "high" }, "burr")).toBe("unknown");
  });

  it("parses class=level text and checks classes and levels", () => {
    expect(parseSeverityMap("crack=high, stain=low", names)).toEqual({
      crack: "high",
      stain: "low",
    });
    expect(codeOf(() => parseSeverityMap("rust=high", names))).toMatch(/^PW3203: .*rust/);
    expect(codeOf(() => parseSeverityMap("crack=severe", names))).toMatch(/^PW2023: .*severe/);
    expect(codeOf(() => parseSeverityMap("crack", names))).toMatch(/^PW2023: .*class=level/);
  });
});
