import { describe, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  batchNormBackward,
  batchNormForward,
  type BatchNormShape,
} from "../../../runtime/kernels/batch-norm.js";
import {
  batchNormBackwardRef,
  batchNormForwardRef,
} from "../../../runtime/kernels/reference/batch-norm.js";
import { createRng } from "../../../runtime/util/random.js";
import {
  checkGradient,
  expectClose,
  expectValid,
  random,
  readFloat32,
  upload,
  zeros,
} from "./detection-helpers.js";

const SHAPES: BatchNormShape[] = [
  { batch: 3, channels: 5, spatial: 67 },
  { batch: 2, channels: 13, spatial: 9 * 11 },
  { batch: 1, channels: 3, spatial: 1000 },
];

describeWebGPU("batch norm kernels vs CPU reference", () => {
  for (const shape of SHAPES) {
    for (const training of [true, false]) {
      it(`${training ? "training" : "eval"} ${shape.batch}×${shape.channels}×${shape.spatial}`, async () => {
        const { device } = await gpu();
        const rng = createRng(shape.spatial + shape.channels + (training ? 1 : 0));
        const total = shape.batch * shape.channels * shape.spatial;
        const x = random(rng, total, -2, 3);
        const gamma = random(rng, shape.channels, 0.5, 1.5);
        const beta = random(rng, shape.channels);
        const rm = random(rng, shape.channels);
        const rv = random(rng, shape.channels, 0.5, 2);
        const dy = random(rng, total);
        const eps = 1e-3;
        const momentum = 0.03;
        const b = {
          x: upload(device, x),
          gamma: upload(device, gamma),
          beta: upload(device, beta),
          y: zeros(device, total),
          mean: zeros(device, shape.channels),
          invstd: zeros(device, shape.channels),
          runningMean: upload(device, rm),
          runningVar: upload(device, rv),
          dy: upload(device, dy),
          dx: zeros(device, total),
          dgamma: zeros(device, shape.channels),
          dbeta: zeros(device, shape.channels),
        };
        await expectValid(device, () => {
          const enc = device.createCommandEncoder();
          batchNormForward(device, shape, b, training, { eps, momentum }, enc);
          batchNormBackward(device, shape, b, training, enc);
          device.queue.submit([enc.finish()]);
        });
        const ref = batchNormForwardRef(
          shape,
          x,
          gamma,
          beta,
          training,
          { mean: rm, variance: rv },
          eps,
          momentum,
        );
        expectClose(await readFloat32(device, b.y, total), ref.y);
        expectClose(await readFloat32(device, b.mean, shape.channels), ref.mean);
        expectClose(await readFloat32(device, b.invstd, shape.channels), ref.invstd);
        expectClose(await readFloat32(device, b.runningMean, shape.channels), ref.runningMean!);
        expectClose(await readFloat32(device, b.runningVar, shape.channels), ref.runningVar!);
        const grads = batchNormBackwardRef(shape, x, dy, gamma, ref.mean, ref.invstd, training);
        expectClose(await readFloat32(device, b.dx, total), grads.dx);
        expectClose(await readFloat32(device, b.dgamma, shape.channels), grads.dgamma);
        expectClose(await readFloat32(device, b.dbeta, shape.channels), grads.dbeta);
        for (const buf of Object.values(b)) buf.destroy();
      });
    }
  }
});

describe("batch norm CPU reference", () => {
  for (const training of [true, false]) {
    it(`${training ? "training" : "eval"} gradients match finite differences`, () => {
      const shape = { batch: 2, channels: 3, spatial: 5 };
      const total = 30;
      const rng = createRng(training ? 5 : 6);
      const x = Float64Array.from(random(rng, total, -2, 2));
      const gamma = Float64Array.from(random(rng, 3, 0.5, 1.5));
      const beta = Float64Array.from(random(rng, 3));
      const running = { mean: random(rng, 3), variance: random(rng, 3, 0.5, 2) };
      const r = Float64Array.from(random(rng, total));
      const loss = (xx: Float64Array, gg: Float64Array, bb: Float64Array) =>
        batchNormForwardRef(shape, xx, gg, bb, training, running).y.reduce(
          (a, v, i) => a + v * r[i],
          0,
        );
      const fwd = batchNormForwardRef(shape, x, gamma, beta, training, running);
      const grads = batchNormBackwardRef(shape, x, r, gamma, fwd.mean, fwd.invstd, training);
      checkGradient(rng, x, grads.dx, (p) => loss(p, gamma, beta));
      checkGradient(rng, gamma, grads.dgamma, (p) => loss(x, p, beta), 3);
      checkGradient(rng, beta, grads.dbeta, (p) => loss(x, gamma, p), 3);
    });
  }
});
