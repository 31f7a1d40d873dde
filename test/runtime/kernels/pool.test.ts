import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  maxPool2dBackward,
  maxPool2dForward,
  maxPool2dGeometry,
  type MaxPool2dConfig,
} from "../../../runtime/kernels/max-pool.js";
import {
  upsampleNearestBackward,
  upsampleNearestForward,
  type UpsampleGeometry,
} from "../../../runtime/kernels/upsample.js";
import {
  maxPool2dBackwardRef,
  maxPool2dForwardRef,
  upsampleNearestBackwardRef,
  upsampleNearestForwardRef,
} from "../../../runtime/kernels/reference/pool.js";
import { createRng } from "../../../runtime/util/random.js";
import {
  checkGradient,
  expectClose,
  expectValid,
  random,
  readFloat32,
  readUint32,
  upload,
  zeros,
} from "./detection-helpers.js";

const POOLS: [string, MaxPool2dConfig][] = [
  [
    "2×2 stride 2, odd size",
    { batch: 2, channels: 3, height: 13, width: 17, kernelH: 2, kernelW: 2 },
  ],
  [
    "SPPF 5×5 stride 1 pad 2",
    {
      batch: 1,
      channels: 4,
      height: 11,
      width: 9,
      kernelH: 5,
      kernelW: 5,
      strideH: 1,
      strideW: 1,
      padH: 2,
      padW: 2,
    },
  ],
  [
    "3×3 stride 2 pad 1",
    {
      batch: 2,
      channels: 2,
      height: 10,
      width: 7,
      kernelH: 3,
      kernelW: 3,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 1,
    },
  ],
];

describeWebGPU("max pool and upsample kernels vs CPU reference", () => {
  for (const [name, config] of POOLS) {
    it(`max pool ${name}`, async () => {
      const { device } = await gpu();
      const g = maxPool2dGeometry(config);
      const rng = createRng(name.length);
      const nIn = g.batch * g.channels * g.height * g.width;
      const nOut = g.batch * g.channels * g.outH * g.outW;
      // Quantised values make ties common, exercising the first-maximum rule.
      const x = random(rng, nIn, -4, 4).map((v) => Math.round(v));
      const dy = random(rng, nOut);
      const b = {
        x: upload(device, x),
        y: zeros(device, nOut),
        arg: zeros(device, nOut),
        dy: upload(device, dy),
        dx: zeros(device, nIn),
      };
      await expectValid(device, () => {
        const enc = device.createCommandEncoder();
        maxPool2dForward(device, g, b.x, b.y, b.arg, enc);
        maxPool2dBackward(device, g, b.dy, b.arg, b.dx, enc);
        device.queue.submit([enc.finish()]);
      });
      const ref = maxPool2dForwardRef(g, x);
      expectClose(await readFloat32(device, b.y, nOut), ref.y);
      expect(Array.from(await readUint32(device, b.arg, nOut))).toEqual(Array.from(ref.argmax));
      expectClose(await readFloat32(device, b.dx, nIn), maxPool2dBackwardRef(g, ref.argmax, dy));
    });
  }

  for (const g of [
    { planes: 6, height: 7, width: 9, scaleH: 2, scaleW: 2 },
    { planes: 2, height: 5, width: 3, scaleH: 3, scaleW: 1 },
  ] as UpsampleGeometry[]) {
    it(`upsample nearest ${g.scaleH}×${g.scaleW} on ${g.height}×${g.width}`, async () => {
      const { device } = await gpu();
      const rng = createRng(g.height * 31 + g.scaleH);
      const nIn = g.planes * g.height * g.width;
      const nOut = nIn * g.scaleH * g.scaleW;
      const x = random(rng, nIn);
      const dy = random(rng, nOut);
      const b = {
        x: upload(device, x),
        y: zeros(device, nOut),
        dy: upload(device, dy),
        dx: zeros(device, nIn),
      };
      await expectValid(device, () => {
        const enc = device.createCommandEncoder();
        upsampleNearestForward(device, g, b.x, b.y, enc);
        upsampleNearestBackward(device, g, b.dy, b.dx, enc);
        device.queue.submit([enc.finish()]);
      });
      expectClose(await readFloat32(device, b.y, nOut), upsampleNearestForwardRef(g, x));
      expectClose(await readFloat32(device, b.dx, nIn), upsampleNearestBackwardRef(g, dy));
    });
  }
});

describe("pool references", () => {
  it("max pool gradient matches finite differences (distinct values)", () => {
    const g = maxPool2dGeometry({
      batch: 1,
      channels: 2,
      height: 7,
      width: 6,
      kernelH: 3,
      kernelW: 3,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 1,
    });
    const rng = createRng(3);
    const x = Float64Array.from(random(rng, 84));
    const r = Float64Array.from(random(rng, g.channels * g.outH * g.outW));
    const loss = (xx: Float64Array) =>
      maxPool2dForwardRef(g, xx).y.reduce((a, v, i) => a + v * r[i], 0);
    const grad = maxPool2dBackwardRef(g, maxPool2dForwardRef(g, x).argmax, r);
    checkGradient(rng, x, grad, loss, 20, 1e-7);
  });

  it("upsample gradient matches finite differences", () => {
    const g = { planes: 2, height: 3, width: 4, scaleH: 2, scaleW: 2 };
    const rng = createRng(4);
    const x = Float64Array.from(random(rng, 24));
    const r = Float64Array.from(random(rng, 96));
    const loss = (xx: Float64Array) =>
      upsampleNearestForwardRef(g, xx).reduce((a, v, i) => a + v * r[i], 0);
    checkGradient(rng, x, upsampleNearestBackwardRef(g, r), loss);
  });

  it("rejects padding beyond half the kernel", () => {
    expect(() =>
      maxPool2dGeometry({
        batch: 1,
        channels: 1,
        height: 4,
        width: 4,
        kernelH: 2,
        kernelW: 2,
        padH: 2,
      }),
    ).toThrow(/padding/);
  });
});
