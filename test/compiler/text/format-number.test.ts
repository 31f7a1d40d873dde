import { describe, expect, it } from "vitest";
import { groupThousands } from "../../../compiler/text/format-number.js";
import { compareText } from "../../../compiler/text/compare-text.js";

describe("groupThousands", () => {
  it("matches toLocaleString('en-US') for integers and short fractions", () => {
    for (const n of [0, 7, 999, 1000, 12345, -1234567, 6738415616, 1234.5, -0.25, 1e20]) {
      expect(groupThousands(n)).toBe(n.toLocaleString("en-US", { maximumFractionDigits: 20 }));
    }
  });
  it("leaves exponent notation and non-finite numbers as JavaScript prints them", () => {
    expect(groupThousands(1e21)).toBe("1e+21");
    expect(groupThousands(Number.NaN)).toBe("NaN");
    expect(groupThousands(-Infinity)).toBe("-Infinity");
  });
});

describe("compareText", () => {
  it("orders by code unit, the same on every machine", () => {
    expect(["PW5002", "PW1011", "PW2001"].sort(compareText)).toEqual([
      "PW1011",
      "PW2001",
      "PW5002",
    ]);
    expect(compareText("a", "a")).toBe(0);
    expect(compareText("B", "a")).toBeLessThan(0);
  });
});
