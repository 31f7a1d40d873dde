import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  boxDecode,
  boxDecodeBackward,
  makeAnchorPoints,
  type BoxDecodeShape,
} from "../../../runtime/kernels/box-decode.js";
import { boxIouMatrix } from "../../../runtime/kernels/box-iou.js";
import {
  boxIouMetric,
  boxIouMetricBackward,
  type IouKind,
} from "../../../runtime/kernels/box-iou-loss.js";
import {
  boxDecodeBackwardRef,
  boxDecodeRef,
  boxIouMatrixRef,
  boxIouMetricBackwardRef,
  boxIouMetricRef,
  ciouAlphaRef,
} from "../../../runtime/kernels/reference/boxes.js";
import { createRng } from "../../../runtime/util/random.js";
import {
  checkGradient,
  expectClose,
  expectValid,
  random,
  randomBoxes,
  readFloat32,
  upload,
  zeros,
} from "./detection-helpers.js";

describeWebGPU("box kernels vs CPU reference", () => {
  for (const shape of [
    { batch: 2, anchors: 8 * 8 + 4 * 4 + 2 * 2, mode: "ltrb", layout: "channels-first" },
    { batch: 3, anchors: 8 * 8 + 4 * 4 + 2 * 2, mode: "center", layout: "channels-last" },
  ] as BoxDecodeShape[]) {
    it(`box decode ${shape.mode} ${shape.layout}`, async () => {
      const { device } = await gpu();
      const rng = createRng(shape.batch);
      const { points, strides } = makeAnchorPoints([
        { height: 8, width: 8, stride: 8 },
        { height: 4, width: 4, stride: 16 },
        { height: 2, width: 2, stride: 32 },
      ]);
      const count = shape.batch * shape.anchors * 4;
      const pred = random(
        rng,
        count,
        shape.mode === "ltrb" ? 0 : -1,
        shape.mode === "ltrb" ? 6 : 1,
      );
      const dBoxes = random(rng, count);
      const b = {
        pred: upload(device, pred),
        points: upload(device, points),
        strides: upload(device, strides),
        boxes: zeros(device, count),
        dBoxes: upload(device, dBoxes),
        dPred: zeros(device, count),
      };
      await expectValid(device, () => {
        const enc = device.createCommandEncoder();
        boxDecode(device, shape, b.pred, b.points, b.strides, b.boxes, enc);
        boxDecodeBackward(device, shape, b.pred, b.strides, b.dBoxes, b.dPred, enc);
        device.queue.submit([enc.finish()]);
      });
      expectClose(
        await readFloat32(device, b.boxes, count),
        boxDecodeRef(shape, pred, points, strides),
      );
      expectClose(
        await readFloat32(device, b.dPred, count),
        boxDecodeBackwardRef(shape, pred, strides, dBoxes),
      );
    });
  }

  it("IoU matrix 67×129 including zero-area and identical boxes", async () => {
    const { device } = await gpu();
    const rng = createRng(11);
    const a = randomBoxes(rng, 67, 50, 7);
    const b = randomBoxes(rng, 129, 50, 5);
    b.set(a.subarray(0, 40), 0); // identical pairs, incl. identical zero-area boxes
    const out = zeros(device, 67 * 129);
    await expectValid(device, () =>
      boxIouMatrix(device, 67, 129, upload(device, a), upload(device, b), out),
    );
    const ref = boxIouMatrixRef(a, b);
    const got = await readFloat32(device, out, 67 * 129);
    expectClose(got, ref);
    expect(got[0 * 129 + 0]).toBe(0); // box 0 has zero area: IoU 0 with its twin, not NaN
    expect(got[1 * 129 + 1]).toBeCloseTo(1, 6);
  });

  for (const kind of ["iou", "giou", "diou", "ciou"] as IouKind[]) {
    it(`${kind} metric and gradient`, async () => {
      const { device } = await gpu();
      const rng = createRng(kind.length * 13);
      const n = 333;
      const target = randomBoxes(rng, n, 40);
      // Predictions near the targets (overlapping) and some far away (disjoint).
      const pred = target.map(
        (v, k) => v + (rng.next() - 0.5) * (Math.floor(k / 4) % 5 === 0 ? 60 : 6),
      );
      for (let i = 0; i < n; i++) {
        if (pred[4 * i + 2] < pred[4 * i]) pred[4 * i + 2] = pred[4 * i] + 1;
        if (pred[4 * i + 3] < pred[4 * i + 1]) pred[4 * i + 3] = pred[4 * i + 1] + 1;
      }
      const dm = random(rng, n);
      const b = {
        pred: upload(device, pred),
        target: upload(device, target),
        m: zeros(device, n),
        dm: upload(device, dm),
        dp: zeros(device, 4 * n),
      };
      await expectValid(device, () => {
        const enc = device.createCommandEncoder();
        boxIouMetric(device, kind, n, b.pred, b.target, b.m, enc);
        boxIouMetricBackward(device, kind, n, b.pred, b.target, b.dm, b.dp, enc);
        device.queue.submit([enc.finish()]);
      });
      expectClose(await readFloat32(device, b.m, n), boxIouMetricRef(kind, pred, target));
      expectClose(
        await readFloat32(device, b.dp, 4 * n),
        boxIouMetricBackwardRef(kind, pred, target, dm),
        1e-4,
      );
    });
  }
});

describe("box references", () => {
  it("box decode gradients match finite differences", () => {
    const rng = createRng(5);
    const { points, strides } = makeAnchorPoints([{ height: 3, width: 2, stride: 8 }]);
    for (const shape of [
      { batch: 2, anchors: 6, mode: "ltrb", layout: "channels-first" },
      { batch: 2, anchors: 6, mode: "center", layout: "channels-last" },
    ] as BoxDecodeShape[]) {
      const pred = Float64Array.from(random(rng, 48));
      const r = Float64Array.from(random(rng, 48));
      const loss = (p: Float64Array) =>
        boxDecodeRef(shape, p, points, strides).reduce((a, v, i) => a + v * r[i], 0);
      checkGradient(rng, pred, boxDecodeBackwardRef(shape, pred, strides, r), loss);
    }
  });

  for (const kind of ["iou", "giou", "diou", "ciou"] as IouKind[]) {
    it(`${kind} gradient matches finite differences (α frozen for CIoU)`, () => {
      const rng = createRng(kind.length);
      const n = 20;
      const target = Float64Array.from(randomBoxes(rng, n, 20));
      const pred = target.map((v) => v + (rng.next() - 0.5) * 8);
      for (let i = 0; i < n; i++) {
        pred[4 * i + 2] = Math.max(pred[4 * i + 2], pred[4 * i] + 0.5);
        pred[4 * i + 3] = Math.max(pred[4 * i + 3], pred[4 * i + 1] + 0.5);
      }
      const r = Float64Array.from(random(rng, n));
      const alpha = ciouAlphaRef(pred, target);
      const loss = (p: Float64Array) =>
        boxIouMetricRef(kind, p, target, 1e-7, alpha).reduce((a, v, i) => a + v * r[i], 0);
      checkGradient(
        rng,
        pred,
        boxIouMetricBackwardRef(kind, pred, target, r),
        loss,
        30,
        1e-6,
        1e-5,
      );
    });
  }
});
