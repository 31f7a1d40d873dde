import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  encodeSoftmaxBackward,
  encodeSoftmaxForward,
  type RowsShape,
} from "../../../runtime/kernels/softmax.js";
import {
  encodeCrossEntropyBackward,
  encodeCrossEntropyForward,
} from "../../../runtime/kernels/cross-entropy.js";
import { encodeKdLossBackward, encodeKdLossForward } from "../../../runtime/kernels/kd-loss.js";
import {
  crossEntropyReference,
  kdLossReference,
  softmaxBackwardReference,
  softmaxReference,
} from "../../../runtime/kernels/reference/losses.js";
import {
  GpuScratch,
  dotLoss,
  expectClose,
  expectGradientMatches,
  freshSeed,
  randn,
  rngFor,
  toF64,
} from "./llm-kernel-helpers.js";

const seed = freshSeed();
const shapes: RowsShape[] = [
  { rows: 67, cols: 129 },
  { rows: 5, cols: 3001 },
  { rows: 300, cols: 2 },
];

function labelsFor(shape: RowsShape, salt: number, maskEvery = 3): Int32Array {
  const rng = rngFor(seed, salt);
  return Int32Array.from({ length: shape.rows }, (_, r) =>
    r % maskEvery === 1 ? -100 : rng.int(shape.cols),
  );
}

describeWebGPU(`softmax and loss kernels (seed ${seed})`, () => {
  shapes.forEach((shape, n) => {
    const name = `${shape.rows}×${shape.cols}`;
    it(`softmax forward/backward match the reference (${name})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const rng = rngFor(seed, n);
      const x = randn(rng, shape.rows * shape.cols, 8);
      x[0] = 80; // needs the running max
      const dy = randn(rng, x.length);
      const bx = s.upload(x),
        bdy = s.upload(dy),
        y = s.empty(x.length),
        dx = s.empty(x.length);
      s.run((enc) => {
        encodeSoftmaxForward(device, enc, shape, { x: bx, y });
        encodeSoftmaxBackward(device, enc, shape, { y, dy: bdy, dx });
      });
      const ref = softmaxReference(shape, x);
      expectClose(await s.read(y, x.length), ref, "y");
      expectClose(await s.read(dx, x.length), softmaxBackwardReference(shape, ref, dy), "dx");
      s.dispose();
    });

    it(`cross-entropy with ignore_index = -100 matches the reference (${name})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const x = randn(rngFor(seed, n + 10), shape.rows * shape.cols, 4);
      const labels = labelsFor(shape, n + 11);
      const bx = s.upload(x),
        bl = s.upload(labels),
        g = s.upload(new Float32Array([0.5]));
      const lse = s.empty(shape.rows),
        rowLoss = s.empty(shape.rows),
        out = s.empty(2),
        dx = s.empty(x.length);
      s.run((enc) => {
        encodeCrossEntropyForward(device, enc, shape, {
          logits: bx,
          labels: bl,
          lse,
          rowLoss,
          out,
        });
        encodeCrossEntropyBackward(device, enc, shape, {
          logits: bx,
          labels: bl,
          lse,
          out,
          g,
          dlogits: dx,
        });
      });
      const ref = crossEntropyReference(shape, x, labels);
      const [loss, count] = await s.read(out, 2);
      expect(count).toBe(ref.count);
      expectClose([loss], [ref.loss], "loss");
      expectClose(
        await s.read(dx, x.length),
        ref.dlogits.map((v) => 0.5 * v),
        "dlogits",
      );
      s.dispose();
    });

    it(`KD loss and its student gradient match the reference (${name})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const rng = rngFor(seed, n + 20);
      const student = randn(rng, shape.rows * shape.cols, 3),
        teacher = randn(rng, student.length, 3);
      const labels = labelsFor(shape, n + 21, 4);
      const T = 2.5;
      const bs = s.upload(student),
        bt = s.upload(teacher),
        bl = s.upload(labels);
      const lse = s.empty(2 * shape.rows),
        rowLoss = s.empty(shape.rows),
        out = s.empty(2),
        ds = s.empty(student.length);
      s.run((enc) => {
        encodeKdLossForward(device, enc, shape, T, {
          student: bs,
          teacher: bt,
          labels: bl,
          lse,
          rowLoss,
          out,
        });
        encodeKdLossBackward(device, enc, shape, T, {
          student: bs,
          teacher: bt,
          labels: bl,
          lse,
          out,
          dstudent: ds,
        });
      });
      const ref = kdLossReference(shape, student, teacher, labels, T);
      const [loss, count] = await s.read(out, 2);
      expect(count).toBe(ref.count);
      expectClose([loss], [ref.loss], "loss");
      expectClose(await s.read(ds, student.length), ref.dstudent, "dstudent");
      s.dispose();
    });
  });

  it("a fully masked batch gives loss 0 and zero gradients", async () => {
    const { device } = await gpu();
    const s = new GpuScratch(device);
    const shape = { rows: 3, cols: 5 };
    const x = randn(rngFor(seed, 40), 15);
    const bx = s.upload(x),
      bl = s.upload(new Int32Array([-100, -100, -100]));
    const lse = s.empty(6),
      rowLoss = s.empty(3),
      out = s.empty(2),
      dx = s.empty(15);
    s.run((enc) => {
      encodeCrossEntropyForward(device, enc, shape, { logits: bx, labels: bl, lse, rowLoss, out });
      encodeCrossEntropyBackward(device, enc, shape, {
        logits: bx,
        labels: bl,
        lse,
        out,
        dlogits: dx,
      });
      encodeKdLossForward(device, enc, shape, 2, {
        student: bx,
        teacher: bx,
        labels: bl,
        lse,
        rowLoss,
        out,
      });
    });
    expect([...(await s.read(out, 2))]).toEqual([0, 0]);
    expect([...(await s.read(dx, 15))].every((v) => v === 0)).toBe(true);
    s.dispose();
  });
});

describe("loss references", () => {
  const shape = { rows: 4, cols: 5 };
  it("softmax backward matches finite differences", () => {
    const x = toF64(randn(rngFor(seed, 60), 20));
    const dy = randn(rngFor(seed, 61), 20);
    const g = softmaxBackwardReference(shape, softmaxReference(shape, x), dy);
    expectGradientMatches(() => dotLoss(softmaxReference(shape, x), dy), x, g, "softmax");
  });
  it("cross-entropy gradient matches finite differences", () => {
    const x = toF64(randn(rngFor(seed, 62), 20, 2));
    const labels = [1, -100, 4, 0];
    const ref = crossEntropyReference(shape, x, labels);
    expectGradientMatches(() => crossEntropyReference(shape, x, labels).loss, x, ref.dlogits, "CE");
  });
  it("KD gradient is T·(p_s − p_t)/count and matches finite differences", () => {
    const s = toF64(randn(rngFor(seed, 63), 20, 2)),
      t = toF64(randn(rngFor(seed, 64), 20, 2));
    const labels = [1, -100, 4, 0];
    const ref = kdLossReference(shape, s, t, labels, 3);
    expectGradientMatches(
      () => kdLossReference(shape, s, t, labels, 3).loss,
      s,
      ref.dstudent,
      "KD",
    );
    expect(kdLossReference(shape, t, t, labels, 3).loss).toBeCloseTo(0, 12);
  });
});
