import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { gradcheck } from "../../support/gradcheck.js";
import { conv2d } from "../../../runtime/ops/conv2d.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { fromArray } from "../../../runtime/tensor/creation.js";
import { createRng } from "../../../runtime/util/random.js";
import { random } from "../kernels/detection-helpers.js";
import { expectBackendsAgree } from "./detection-op-helpers.js";

describe("conv2d op (CPU reference backend)", () => {
  it("gradcheck: stride 2, padding, groups, bias", () => {
    gradcheck(
      (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }),
      [[2, 4, 5, 6], [6, 2, 3, 3], [6]],
      { seed: 2 },
    );
  });

  it("gradcheck: dilation, rectangular kernel, no bias", () => {
    gradcheck(
      (x, w) => conv2d(x, w, null, { dilation: [2, 1], padding: [1, 0] }),
      [
        [1, 3, 6, 5],
        [2, 3, 2, 3],
      ],
      { seed: 3 },
    );
  });

  it("rejects mismatched channels", () => {
    const backend = new CpuBackend();
    const x = fromArray(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4], { backend });
    const w = fromArray(new Float32Array(4 * 2 * 3 * 3), [4, 2, 3, 3], { backend });
    expect(() => conv2d(x, w)).toThrow(/input channels/);
  });
});

describeWebGPU("conv2d op: WebGPU vs CPU backend", () => {
  it("forward and all gradients (YOLO-like 3×3 stride-2 conv, odd sizes)", async () => {
    const rng = createRng(8);
    await expectBackendsAgree(
      (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }),
      [
        { shape: [2, 5, 13, 11], values: random(rng, 2 * 5 * 13 * 11) },
        { shape: [7, 5, 3, 3], values: random(rng, 7 * 5 * 9) },
        { shape: [7], values: random(rng, 7) },
      ],
    );
  });

  it("input gradient only (frozen weight)", async () => {
    const rng = createRng(9);
    await expectBackendsAgree(
      (x, w) => conv2d(x, w, null, { padding: 1, groups: 3 }),
      [
        { shape: [1, 6, 7, 9], values: random(rng, 6 * 63) },
        { shape: [6, 2, 3, 3], values: random(rng, 6 * 18), grad: false },
      ],
    );
  });
});
