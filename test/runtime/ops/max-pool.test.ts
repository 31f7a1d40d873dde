import { describe, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { gradcheck } from "../../support/gradcheck.js";
import { maxPool2d } from "../../../runtime/ops/max-pool.js";
import { upsampleNearest2d } from "../../../runtime/ops/upsample.js";
import { concat } from "../../../runtime/ops/index.js";
import { createRng } from "../../../runtime/util/random.js";
import { random } from "../kernels/detection-helpers.js";
import { expectBackendsAgree } from "./detection-op-helpers.js";

describe("maxPool2d / upsampleNearest2d ops (CPU reference backend)", () => {
  it("gradcheck max pool 3×3 stride 2 pad 1", () => {
    gradcheck((x) => maxPool2d(x, { kernel: 3, stride: 2, padding: 1 }), [[2, 2, 7, 6]], {
      seed: 6,
    });
  });
  it("gradcheck upsample ×2", () => {
    gradcheck((x) => upsampleNearest2d(x), [[1, 3, 3, 4]], { seed: 7 });
  });
});

describeWebGPU("maxPool2d / upsampleNearest2d ops: WebGPU vs CPU backend", () => {
  it("SPPF-style: pools, upsample and a channel concat", async () => {
    const rng = createRng(21);
    await expectBackendsAgree(
      (x) => {
        const p1 = maxPool2d(x, { kernel: 5, stride: 1, padding: 2 });
        const p2 = maxPool2d(p1, { kernel: 5, stride: 1, padding: 2 });
        const down = maxPool2d(x, { kernel: 2 });
        return concat([x, p1, p2, upsampleNearest2d(down, 2)], 1);
      },
      [{ shape: [2, 3, 10, 8], values: random(rng, 2 * 3 * 80) }],
    );
  });
});
