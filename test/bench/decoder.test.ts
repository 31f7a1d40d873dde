import { describe, expect, it } from "vitest";
import * as rt from "../../runtime/index.js";
import { timeDecoderSteps } from "../../bench/decoder.js";

describe("decoder-step bench", () => {
  it("times training steps of a tiny decoder on the CPU backend (loss finite, going down)", async () => {
    const backend = new rt.CpuBackend();
    const r = await timeDecoderSteps(
      backend,
      { layers: 1, hidden: 16, heads: 2, intermediate: 32, vocab: 32, batch: 2, seq: 8 },
      { warmup: 1, steps: 3 },
    );
    expect(r.losses).toHaveLength(4);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(r.losses[3]).toBeLessThan(r.losses[0]);
    expect(r.medianMs).toBeGreaterThan(0);
    expect(r.parameters).toBeGreaterThan(0);
  });
});
