/** Our detection kernels against golden values from PyTorch / torchvision
 *  (scripts/fixtures/detection_kernels.py → test/fixtures/kernels/*.json). */
import { readFileSync } from "node:fs";
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
import { boxIouMatrix } from "../../../runtime/kernels/box-iou.js";
import {
  boxIouMetric,
  boxIouMetricBackward,
  type IouKind,
} from "../../../runtime/kernels/box-iou-loss.js";
import { nms } from "../../../runtime/kernels/nms.js";
import { nmsRef } from "../../../runtime/kernels/reference/nms.js";
import {
  boxIouMatrixRef,
  boxIouMetricBackwardRef,
  boxIouMetricRef,
} from "../../../runtime/kernels/reference/boxes.js";
import { expectClose, expectValid, readFloat32, upload, zeros } from "./detection-helpers.js";

function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/kernels/${name}`, import.meta.url), "utf8"),
  ) as T;
}
const f32 = (values: (number | null)[]) => Float32Array.from(values, (v) => (v === null ? NaN : v));

interface ConvCase {
  config: Conv2dConfig;
  x: number[];
  w: number[];
  b: number[];
  y: number[];
  dy: number[];
  dx: number[];
  dw: number[];
  db: number[];
}
interface NmsCase {
  kind: "nms" | "batched_nms";
  iouThreshold: number;
  boxes: number[];
  scores: number[];
  classes?: number[];
  keep: number[];
}
interface LossCase {
  kind: IouKind;
  pred: number[];
  target: number[];
  dMetric: number[];
  metric: number[];
  dPred: number[];
}

const conv = fixture<{ cases: ConvCase[] }>("conv2d.json");
const iou = fixture<{ a: number[]; b: number[]; iou: (number | null)[] }>("box-iou.json");
const nmsFix = fixture<{ cases: NmsCase[] }>("nms.json");
const loss = fixture<{ cases: LossCase[] }>("box-iou-loss.json");

describe("CPU references vs PyTorch", () => {
  it("conv2d forward and autograd gradients", () => {
    for (const c of conv.cases) {
      const g = conv2dGeometry(c.config);
      expectClose(conv2dForwardRef(g, c.x, c.w, c.b), c.y);
      const grads = conv2dBackwardRef(g, c.x, c.w, c.dy);
      expectClose(grads.dx, c.dx);
      expectClose(grads.dw, c.dw);
      expectClose(grads.db, c.db);
    }
  });

  it("box_iou (NaN for two zero-area boxes becomes 0)", () => {
    const ours = boxIouMatrixRef(f32(iou.a), f32(iou.b));
    expectClose(
      ours,
      iou.iou.map((v) => v ?? 0),
    );
    expect(iou.iou.some((v) => v === null)).toBe(true);
  });

  it("nms / batched_nms keep exactly torchvision's indices, in its order", () => {
    for (const c of nmsFix.cases) {
      expect(
        nmsRef(f32(c.boxes), f32(c.scores), { iouThreshold: c.iouThreshold, classes: c.classes }),
      ).toEqual(c.keep);
    }
  });

  it("IoU / GIoU / DIoU / CIoU metric and autograd gradient (Ultralytics bbox_iou)", () => {
    for (const c of loss.cases) {
      expectClose(boxIouMetricRef(c.kind, f32(c.pred), f32(c.target)), c.metric);
      expectClose(boxIouMetricBackwardRef(c.kind, f32(c.pred), f32(c.target), c.dMetric), c.dPred);
    }
  });
});

describeWebGPU("GPU kernels vs PyTorch", () => {
  it("conv2d forward and backward", async () => {
    const { device } = await gpu();
    for (const c of conv.cases) {
      const g = conv2dGeometry(c.config);
      const s = conv2dSizes(g);
      const b = {
        x: upload(device, f32(c.x)),
        w: upload(device, f32(c.w)),
        b: upload(device, f32(c.b)),
        dy: upload(device, f32(c.dy)),
        y: zeros(device, s.output),
        dx: zeros(device, s.input),
        dw: zeros(device, s.weight),
        db: zeros(device, g.outChannels),
      };
      await expectValid(device, () => {
        const enc = device.createCommandEncoder();
        conv2dForward(device, g, b.x, b.w, b.b, b.y, enc);
        conv2dBackwardInput(device, g, b.dy, b.w, b.dx, enc);
        conv2dBackwardWeight(device, g, b.x, b.dy, b.dw, enc);
        conv2dBackwardBias(device, g, b.dy, b.db, enc);
        device.queue.submit([enc.finish()]);
      });
      expectClose(await readFloat32(device, b.y, s.output), c.y);
      expectClose(await readFloat32(device, b.dx, s.input), c.dx);
      expectClose(await readFloat32(device, b.dw, s.weight), c.dw);
      expectClose(await readFloat32(device, b.db, g.outChannels), c.db);
    }
  });

  it("box_iou", async () => {
    const { device } = await gpu();
    const n = iou.a.length / 4;
    const m = iou.b.length / 4;
    const out = zeros(device, n * m);
    boxIouMatrix(device, n, m, upload(device, f32(iou.a)), upload(device, f32(iou.b)), out);
    expectClose(
      await readFloat32(device, out, n * m),
      iou.iou.map((v) => v ?? 0),
    );
  });

  it("nms / batched_nms", async () => {
    const { device } = await gpu();
    for (const c of nmsFix.cases) {
      const inputs = {
        boxes: upload(device, f32(c.boxes)),
        scores: upload(device, f32(c.scores)),
        classes: c.classes ? upload(device, Uint32Array.from(c.classes)) : undefined,
      };
      const keep = await nms(device, c.scores.length, inputs, { iouThreshold: c.iouThreshold });
      expect(Array.from(keep)).toEqual(c.keep);
    }
  });

  it("IoU-family metrics and gradients", async () => {
    const { device } = await gpu();
    for (const c of loss.cases) {
      const n = c.metric.length;
      const b = {
        p: upload(device, f32(c.pred)),
        t: upload(device, f32(c.target)),
        dm: upload(device, f32(c.dMetric)),
        m: zeros(device, n),
        dp: zeros(device, 4 * n),
      };
      const enc = device.createCommandEncoder();
      boxIouMetric(device, c.kind, n, b.p, b.t, b.m, enc);
      boxIouMetricBackward(device, c.kind, n, b.p, b.t, b.dm, b.dp, enc);
      device.queue.submit([enc.finish()]);
      expectClose(await readFloat32(device, b.m, n), c.metric);
      expectClose(await readFloat32(device, b.dp, 4 * n), c.dPred);
    }
  });
});
