import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { gradcheck } from "../../support/gradcheck.js";
import { boxDecode, makeAnchorPoints } from "../../../runtime/ops/box-decode.js";
import { bboxIou, boxIou } from "../../../runtime/ops/box-iou.js";
import { nms } from "../../../runtime/ops/nms.js";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { fromArray } from "../../../runtime/tensor/creation.js";
import { createRng } from "../../../runtime/util/random.js";
import { random, randomBoxes } from "../kernels/detection-helpers.js";
import { expectBackendsAgree, webgpuBackend } from "./detection-op-helpers.js";
import { nmsRef } from "../../../runtime/kernels/reference/nms.js";

const anchors = makeAnchorPoints([
  { height: 4, width: 5, stride: 8 },
  { height: 2, width: 3, stride: 16 },
]);
const A = anchors.strides.length;

function pairsNear(seed: number, n: number) {
  const rng = createRng(seed);
  const target = randomBoxes(rng, n, 30);
  const pred = target.map((v) => v + (rng.next() - 0.5) * 6);
  for (let i = 0; i < n; i++) {
    pred[4 * i + 2] = Math.max(pred[4 * i + 2], pred[4 * i] + 0.5);
    pred[4 * i + 3] = Math.max(pred[4 * i + 3], pred[4 * i + 1] + 0.5);
  }
  return { pred, target };
}

describe("box ops (CPU reference backend)", () => {
  it("gradcheck boxDecode ltrb and center", () => {
    for (const mode of ["ltrb", "center"] as const) {
      gradcheck(
        (p, pts, s) => boxDecode(p, pts, s, { mode }),
        [
          [2, 4, A],
          { shape: [A, 2], values: anchors.points, grad: false },
          { shape: [A], values: anchors.strides, grad: false },
        ],
        { seed: 9 },
      );
    }
  });

  for (const kind of ["iou", "giou", "diou"] as const) {
    it(`gradcheck bboxIou ${kind}`, () => {
      const { pred, target } = pairsNear(kind.length, 10);
      gradcheck(
        (p, t) => bboxIou(p, t, kind),
        [
          { shape: [10, 4], values: pred },
          { shape: [10, 4], values: target, grad: false },
        ],
        { seed: 1 },
      );
    });
  }

  it("nms on the CPU backend returns torchvision-ordered indices", async () => {
    const backend = new CpuBackend();
    const rng = createRng(31);
    const b = randomBoxes(rng, 200, 60, 9);
    const s = Float32Array.from({ length: 200 }, () => Math.floor(rng.next() * 10) / 10);
    const keep = await nms(fromArray(b, [200, 4], { backend }), fromArray(s, [200], { backend }), {
      iouThreshold: 0.5,
    });
    expect(Array.from(keep)).toEqual(nmsRef(b, s, { iouThreshold: 0.5 }));
  });
});

describeWebGPU("box ops: WebGPU vs CPU backend", () => {
  it("boxDecode (ltrb, channels-first) forward and gradient", async () => {
    const rng = createRng(41);
    await expectBackendsAgree(
      (p, pts, s) => boxDecode(p, pts, s),
      [
        { shape: [3, 4, A], values: random(rng, 3 * 4 * A, 0, 5) },
        { shape: [A, 2], values: anchors.points, grad: false },
        { shape: [A], values: anchors.strides, grad: false },
      ],
    );
  });

  it("bboxIou ciou forward and gradient; boxIou matrix", async () => {
    const { pred, target } = pairsNear(5, 37);
    await expectBackendsAgree(
      (p, t) => bboxIou(p, t, "ciou"),
      [
        { shape: [37, 4], values: pred },
        { shape: [37, 4], values: target, grad: false },
      ],
    );
    await expectBackendsAgree(
      (a, b) => boxIou(a, b),
      [
        { shape: [37, 4], values: pred, grad: false },
        { shape: [37, 4], values: target, grad: false },
      ],
    );
  });

  it("nms and batched nms on GPU tensors match the CPU backend", async () => {
    const backend = await webgpuBackend();
    const rng = createRng(51);
    const n = 900;
    const b = randomBoxes(rng, n, 150, 9);
    const s = Float32Array.from({ length: n }, () => Math.floor(rng.next() * 16) / 16);
    const cls = Int32Array.from({ length: n }, () => rng.int(4));
    const boxes = fromArray(b, [n, 4], { backend });
    const scores = fromArray(s, [n], { backend });
    const classes = fromArray(cls, [n], { backend, dtype: "i32" });
    const plain = await nms(boxes, scores, { iouThreshold: 0.5, maxDetections: 100 });
    expect(Array.from(plain)).toEqual(nmsRef(b, s, { iouThreshold: 0.5, maxDetections: 100 }));
    const batched = await nms(boxes, scores, { iouThreshold: 0.5, classes, scoreThreshold: 0.2 });
    expect(Array.from(batched)).toEqual(
      nmsRef(b, s, { iouThreshold: 0.5, classes: cls, scoreThreshold: 0.2 }),
    );
    for (const t of [boxes, scores, classes]) t.dispose();
  });
});
