import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
  conv2dGeometry,
  conv2dSizes,
  type Conv2dConfig,
} from "../../../runtime/kernels/conv2d.js";
import { conv2dBackwardRef, conv2dForwardRef } from "../../../runtime/kernels/reference/conv2d.js";
import { createRng } from "../../../runtime/util/random.js";
import {
  checkGradient,
  expectClose,
  random,
  readFloat32,
  upload,
  zeros,
} from "./detection-helpers.js";

const CASES: [string, Conv2dConfig][] = [
  [
    "3×3 pad 1",
    {
      batch: 2,
      inChannels: 5,
      height: 13,
      width: 11,
      outChannels: 7,
      kernelH: 3,
      kernelW: 3,
      padH: 1,
      padW: 1,
    },
  ],
  [
    "3×3 stride 2 (YOLO downsample)",
    {
      batch: 3,
      inChannels: 6,
      height: 17,
      width: 15,
      outChannels: 9,
      kernelH: 3,
      kernelW: 3,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 1,
    },
  ],
  [
    "1×1 pointwise",
    { batch: 2, inChannels: 33, height: 7, width: 9, outChannels: 67, kernelH: 1, kernelW: 1 },
  ],
  [
    "rectangular, dilation, no pad",
    {
      batch: 1,
      inChannels: 4,
      height: 19,
      width: 23,
      outChannels: 5,
      kernelH: 2,
      kernelW: 3,
      dilationH: 2,
      dilationW: 3,
      strideW: 2,
    },
  ],
  [
    "grouped",
    {
      batch: 2,
      inChannels: 6,
      height: 9,
      width: 10,
      outChannels: 9,
      kernelH: 3,
      kernelW: 3,
      padH: 1,
      padW: 2,
      groups: 3,
    },
  ],
  [
    "depthwise stride 2",
    {
      batch: 1,
      inChannels: 8,
      height: 11,
      width: 12,
      outChannels: 8,
      kernelH: 3,
      kernelW: 3,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 1,
      groups: 8,
    },
  ],
  [
    "6×6 stride 2 pad 2 stem",
    {
      batch: 1,
      inChannels: 3,
      height: 20,
      width: 18,
      outChannels: 8,
      kernelH: 6,
      kernelW: 6,
      strideH: 2,
      strideW: 2,
      padH: 2,
      padW: 2,
    },
  ],
];

describeWebGPU("conv2d kernels vs CPU reference", () => {
  for (const [name, config] of CASES) {
    it(`forward and backward: ${name}`, async () => {
      const { device } = await gpu();
      const g = conv2dGeometry(config);
      const sizes = conv2dSizes(g);
      const rng = createRng(1000 + name.length * 17);
      const x = random(rng, sizes.input);
      const w = random(rng, sizes.weight);
      const b = random(rng, g.outChannels);
      const dy = random(rng, sizes.output);
      const bufs = {
        x: upload(device, x),
        w: upload(device, w),
        b: upload(device, b),
        dy: upload(device, dy),
        y: zeros(device, sizes.output),
        dx: zeros(device, sizes.input),
        dw: zeros(device, sizes.weight),
        dw1: zeros(device, sizes.weight),
        db: zeros(device, g.outChannels),
      };
      const encoder = device.createCommandEncoder();
      conv2dForward(device, g, bufs.x, bufs.w, bufs.b, bufs.y, encoder);
      conv2dBackwardInput(device, g, bufs.dy, bufs.w, bufs.dx, encoder);
      conv2dBackwardWeight(device, g, bufs.x, bufs.dy, bufs.dw, encoder);
      conv2dBackwardWeight(device, g, bufs.x, bufs.dy, bufs.dw1, encoder, 1);
      conv2dBackwardBias(device, g, bufs.dy, bufs.db, encoder);
      device.queue.submit([encoder.finish()]);

      const ref = conv2dBackwardRef(g, x, w, dy);
      expectClose(await readFloat32(device, bufs.y, sizes.output), conv2dForwardRef(g, x, w, b));
      expectClose(await readFloat32(device, bufs.dx, sizes.input), ref.dx);
      expectClose(await readFloat32(device, bufs.dw, sizes.weight), ref.dw);
      expectClose(await readFloat32(device, bufs.dw1, sizes.weight), ref.dw);
      expectClose(await readFloat32(device, bufs.db, g.outChannels), ref.db);
      for (const buf of Object.values(bufs)) buf.destroy();
    });
  }

  it("forward without bias", async () => {
    const { device } = await gpu();
    const g = conv2dGeometry({
      batch: 1,
      inChannels: 3,
      height: 5,
      width: 6,
      outChannels: 2,
      kernelH: 3,
      kernelW: 3,
    });
    const rng = createRng(7);
    const x = random(rng, conv2dSizes(g).input);
    const w = random(rng, conv2dSizes(g).weight);
    const y = zeros(device, conv2dSizes(g).output);
    conv2dForward(device, g, upload(device, x), upload(device, w), null, y);
    expectClose(
      await readFloat32(device, y, conv2dSizes(g).output),
      conv2dForwardRef(g, x, w, null),
    );
  });
});

describe("conv2d CPU reference", () => {
  it("gradients match finite differences in float64", () => {
    const g = conv2dGeometry({
      batch: 2,
      inChannels: 4,
      height: 6,
      width: 7,
      outChannels: 6,
      kernelH: 3,
      kernelW: 2,
      strideH: 2,
      padH: 1,
      padW: 1,
      dilationW: 2,
      groups: 2,
    });
    const sizes = conv2dSizes(g);
    const rng = createRng(99);
    const x = Float64Array.from(random(rng, sizes.input));
    const w = Float64Array.from(random(rng, sizes.weight));
    const b = Float64Array.from(random(rng, g.outChannels));
    const r = Float64Array.from(random(rng, sizes.output));
    const loss = (xx: Float64Array, ww: Float64Array, bb: Float64Array) =>
      conv2dForwardRef(g, xx, ww, bb).reduce((acc, v, i) => acc + v * r[i], 0);
    const grads = conv2dBackwardRef(g, x, w, r);
    checkGradient(rng, x, grads.dx, (p) => loss(p, w, b));
    checkGradient(rng, w, grads.dw, (p) => loss(x, p, b));
    checkGradient(rng, b, grads.db, (p) => loss(x, w, p), 6);
  });

  it("rejects shapes that do not fit", () => {
    expect(() =>
      conv2dGeometry({
        batch: 1,
        inChannels: 3,
        height: 2,
        width: 2,
        outChannels: 2,
        kernelH: 3,
        kernelW: 3,
      }),
    ).toThrow(/does not fit/);
    expect(() =>
      conv2dGeometry({
        batch: 1,
        inChannels: 3,
        height: 8,
        width: 8,
        outChannels: 4,
        kernelH: 3,
        kernelW: 3,
        groups: 2,
      }),
    ).toThrow(/groups/);
  });
});
