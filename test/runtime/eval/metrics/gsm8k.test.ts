import { describe, expect, it } from "vitest";
import {
  canonicalNumber,
  extractFinalNumber,
  gsm8kAccuracy,
  sameNumber,
} from "../../../../runtime/eval/metrics/gsm8k.js";

describe("GSM8K final-number extraction", () => {
  it.each([
    // GSM8K's own answer format (test split, first item).
    [
      "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer’s market.\n#### 18",
      "18",
    ],
    ["#### 1,234", "1234"],
    ["So the total is 5 + 7 = 12. The answer is 12.", "12"],
    ["The answer is -3.50 degrees", "-3.5"],
    ["The answer is: $1,000,000.", "1000000"],
    ["答案是42。", "42"],
    ["所以他一共花了45.5元。", "45.5"],
    ["He has 3 apples and 4 pears, 7 fruits in total", "7"],
    ["It drops to −8 at night", "-8"],
    ["The result is \\boxed{256}.", "256"],
    ["Total: ３２", "32"],
    ["from 12-5 we get", "5"],
    ["Answer is .5", "0.5"],
    ["Step 1 gives 10. Final answer: 20. Check: 20 - 10 = 10.", "20"],
  ])("%j → %s", (text, expected) => {
    expect(extractFinalNumber(text)).toBe(expected);
  });

  it("finds nothing when there is no number", () => {
    expect(extractFinalNumber("I don't know")).toBeNull();
  });

  it("canonical numbers and comparison", () => {
    expect(canonicalNumber("+007.500")).toBe("7.5");
    expect(canonicalNumber("-0.0")).toBe("0");
    expect(sameNumber("18", "18.0")).toBe(true);
    expect(sameNumber("0.1", "0.10000000000000001")).toBe(true);
    expect(sameNumber("18", null)).toBe(false);
  });

  it("accuracy against #### references", () => {
    const r = gsm8kAccuracy(
      ["The answer is 18.", "I think 7", "no idea"],
      ["... #### 18", "#### 8", "#### 3"],
    );
    expect(r).toEqual({ accuracy: 1 / 3, correct: 1, total: 3, unextracted: 1 });
  });
});
