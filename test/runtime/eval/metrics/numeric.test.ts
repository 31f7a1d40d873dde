import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { interp, linspace, npSum, trapz } from "../../../../runtime/eval/metrics/numeric.js";

interface NumpyFixture {
  linspace101: number[];
  interp: {
    x: number[];
    xp: number[];
    fp: number[];
    left?: number;
    right?: number;
    out: number[];
  }[];
  trapz: { x: number[]; y: number[]; out: number; sum: number }[];
}
const fixture = JSON.parse(
  readFileSync(new URL("../../../fixtures/metrics/numpy.json", import.meta.url), "utf8"),
) as NumpyFixture;

describe("NumPy semantics, bit for bit (goldens from Debian's numpy 1.24)", () => {
  it("np.linspace(0, 1, 101)", () => {
    expect(Array.from(linspace(0, 1, 101))).toEqual(fixture.linspace101);
  });

  it.each(fixture.interp.map((c, i) => [i, c]))(
    "np.interp case %i (repeated xp, ends, left/right)",
    (_, c) => {
      expect(Array.from(interp(c.x, c.xp, c.fp, c.left, c.right))).toEqual(c.out);
    },
  );

  it.each(fixture.trapz.map((c) => [c.y.length, c]))(
    "np.trapz and np.sum (pairwise) over %i points",
    (_, c) => {
      expect(trapz(c.y, c.x)).toBe(c.out);
      expect(npSum(c.y)).toBe(c.sum);
    },
  );
});
