import { describe, expect, it } from "vitest";
import { learningRate, resolveSchedule, scheduleFactor } from "../../../runtime/train/schedule.js";

describe("learning-rate schedules (transformers' *_schedule_with_warmup)", () => {
  it("linear: warmup from 0, then linear decay to 0 at the last step", () => {
    const s = resolveSchedule({ kind: "linear", warmupSteps: 2 }, 1e-3, 10);
    const lrs = Array.from({ length: 11 }, (_, i) => learningRate(s, i));
    // transformers: lr_lambda(0) = 0, lr_lambda(1) = 1/2, then (10 − s) / 8.
    expect(lrs.slice(0, 3)).toEqual([0, 0.5e-3, 1e-3]);
    expect(lrs[6]).toBeCloseTo(1e-3 * (4 / 8), 15);
    expect(lrs[10]).toBe(0);
  });

  it("cosine: half a cosine after warmup, floored at min_lr_ratio", () => {
    const s = resolveSchedule({ kind: "cosine", warmupSteps: 0, minLrRatio: 0.1 }, 2, 100);
    expect(learningRate(s, 0)).toBe(2);
    expect(scheduleFactor(s, 50)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(scheduleFactor(s, 100)).toBeCloseTo(0.1, 12);
    const plain = resolveSchedule({ kind: "cosine", warmupSteps: 10 }, 1, 110);
    expect(scheduleFactor(plain, 35)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), 12);
  });

  it("constant: flat after warmup", () => {
    const s = resolveSchedule({ kind: "constant", warmupSteps: 4 }, 3, 50);
    expect([0, 1, 2, 4, 49].map((i) => learningRate(s, i))).toEqual([0, 0.75, 1.5, 3, 3]);
  });

  it("warmup ratio rounds up (transformers' get_warmup_steps) and is checked", () => {
    expect(resolveSchedule({ kind: "linear", warmupRatio: 0.03 }, 1, 100).warmupSteps).toBe(3);
    expect(resolveSchedule({ kind: "linear", warmupRatio: 0.031 }, 1, 100).warmupSteps).toBe(4);
    expect(
      resolveSchedule({ kind: "linear", warmupSteps: 7, warmupRatio: 0.5 }, 1, 100).warmupSteps,
    ).toBe(7);
    expect(() => resolveSchedule({ kind: "linear", warmupRatio: 1.5 }, 1, 10)).toThrow(
      /warmup ratio/,
    );
    expect(() => resolveSchedule({ kind: "linear", minLrRatio: -1 }, 1, 10)).toThrow(
      /min_lr_ratio/,
    );
  });
});
