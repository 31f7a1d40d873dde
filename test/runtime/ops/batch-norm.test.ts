import { describe, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { gradcheck } from "../../support/gradcheck.js";
import { batchNorm } from "../../../runtime/ops/batch-norm.js";
import { createRng } from "../../../runtime/util/random.js";
import { random } from "../kernels/detection-helpers.js";
import { expectBackendsAgree } from "./detection-op-helpers.js";

const running = (c: number) => [
  { shape: [c], values: new Float64Array(c).fill(0.1), grad: false },
  { shape: [c], values: new Float64Array(c).fill(1.5), grad: false },
];

describe("batchNorm op (CPU reference backend)", () => {
  for (const training of [true, false]) {
    it(`gradcheck (${training ? "training" : "eval"})`, () => {
      gradcheck(
        (x, g, b, rm, rv) => batchNorm(x, g, b, rm, rv, { training, momentum: 0.03, eps: 1e-3 }),
        [[3, 4, 2, 3], { shape: [4], low: 0.5, high: 1.5 }, [4], ...running(4)],
        { seed: training ? 4 : 5 },
      );
    });
  }
});

describeWebGPU("batchNorm op: WebGPU vs CPU backend", () => {
  for (const training of [true, false]) {
    it(`forward and gradients (${training ? "training" : "eval"})`, async () => {
      const rng = createRng(training ? 12 : 13);
      await expectBackendsAgree(
        (x, g, b, rm, rv) => batchNorm(x, g, b, rm, rv, { training, momentum: 0.03, eps: 1e-3 }),
        [
          { shape: [2, 5, 7, 9], values: random(rng, 2 * 5 * 63, -2, 3) },
          { shape: [5], values: random(rng, 5, 0.5, 1.5) },
          { shape: [5], values: random(rng, 5) },
          ...running(5),
        ],
      );
    });
  }
});
