import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import { nms, NmsWorkspace, type NmsOptions } from "../../../runtime/kernels/nms.js";
import { argsortDescending, paddedSortSize } from "../../../runtime/kernels/sort-scores.js";
import { largestF32AtMost } from "../../../runtime/kernels/param-words.js";
import { nmsRef, sortByScoreRef } from "../../../runtime/kernels/reference/nms.js";
import { createRng, type Rng } from "../../../runtime/util/random.js";
import { expectValid, randomBoxes, readUint32, upload } from "./detection-helpers.js";

/** Scores quantised to 1/levels so exact ties are frequent. */
function tiedScores(rng: Rng, n: number, levels = 20): Float32Array {
  return Float32Array.from({ length: n }, () => Math.floor(rng.next() * levels) / levels);
}

async function gpuNms(
  boxes: Float32Array,
  scores: Float32Array,
  options: NmsOptions,
  classes?: Uint32Array,
) {
  const { device } = await gpu();
  const inputs = {
    boxes: upload(device, boxes),
    scores: upload(device, scores),
    classes: classes ? upload(device, classes) : undefined,
  };
  let keep: Uint32Array = new Uint32Array();
  await expectValid(device, async () => {
    keep = await nms(device, scores.length, inputs, options);
  });
  inputs.boxes.destroy();
  inputs.scores.destroy();
  inputs.classes?.destroy();
  return Array.from(keep);
}

describeWebGPU("GPU argsort", () => {
  for (const n of [1, 100, 512, 1500, 4097]) {
    it(`descending, stable on ties, NaN last (n = ${n})`, async () => {
      const { device } = await gpu();
      const rng = createRng(n);
      const scores = tiedScores(rng, n, 7);
      for (let i = 0; i < n; i += 11) scores[i] = NaN;
      for (let i = 5; i < n; i += 13) scores[i] = i % 2 ? -0 : 0;
      const items = device.createBuffer({
        size: paddedSortSize(n) * 8,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      await expectValid(device, () => {
        const enc = device.createCommandEncoder();
        argsortDescending(device, n, upload(device, scores), items, enc);
        device.queue.submit([enc.finish()]);
      });
      const raw = await readUint32(device, items, 2 * paddedSortSize(n));
      const expected = sortByScoreRef(scores);
      const got = Array.from({ length: expected.length }, (_, r) => raw[2 * r + 1]);
      expect(got).toEqual(expected);
      // Everything after the valid prefix carries the invalid key.
      for (let r = expected.length; r < paddedSortSize(n); r++) expect(raw[2 * r]).toBe(0xffffffff);
    });
  }
});

describeWebGPU("GPU NMS vs CPU reference", () => {
  const cases: [string, number, NmsOptions, number][] = [
    ["1000 boxes, ties, zero-area, IoU 0.5", 1000, { iouThreshold: 0.5 }, 0],
    ["3000 boxes, IoU 0.45, max 300", 3000, { iouThreshold: 0.45, maxDetections: 300 }, 0],
    ["777 boxes, 5 classes (batched)", 777, { iouThreshold: 0.6 }, 5],
    ["600 boxes, score threshold 0.3, IoU 0.7", 600, { iouThreshold: 0.7, scoreThreshold: 0.3 }, 3],
    ["33 boxes, IoU 0", 33, { iouThreshold: 0 }, 0],
  ];
  for (const [name, n, options, numClasses] of cases) {
    it(name, async () => {
      const rng = createRng(n + numClasses);
      const boxes = randomBoxes(rng, n, 200, 9);
      const scores = tiedScores(rng, n);
      const classes = numClasses
        ? Uint32Array.from({ length: n }, () => rng.int(numClasses))
        : undefined;
      const expected = nmsRef(boxes, scores, { ...options, classes });
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(n); // something was suppressed
      expect(await gpuNms(boxes, scores, options, classes)).toEqual(expected);
    });
  }

  it("identical boxes keep only the lowest index of the top score", async () => {
    const boxes = new Float32Array(4 * 6);
    for (let i = 0; i < 6; i++) boxes.set([10, 10, 20, 30], 4 * i);
    const scores = Float32Array.from([0.5, 0.9, 0.9, 0.1, 0.9, 0.2]);
    expect(await gpuNms(boxes, scores, { iouThreshold: 0.5 })).toEqual([1]);
  });

  it("identical zero-area boxes never suppress each other", async () => {
    const boxes = new Float32Array(4 * 5);
    for (let i = 0; i < 5; i++) boxes.set([10, 10, 10, 30], 4 * i);
    const scores = Float32Array.from([0.3, 0.3, 0.9, 0.3, 0.1]);
    expect(await gpuNms(boxes, scores, { iouThreshold: 0 })).toEqual([2, 0, 1, 3, 4]);
  });

  it("suppression is strict: IoU equal to the threshold keeps the box", async () => {
    // IoU of these two is exactly 0.5 (inter 2, union 4).
    const boxes = Float32Array.from([0, 0, 3, 1, 1, 0, 4, 1]);
    const scores = Float32Array.from([0.9, 0.8]);
    expect(await gpuNms(boxes, scores, { iouThreshold: 0.5 })).toEqual([0, 1]);
    expect(await gpuNms(boxes, scores, { iouThreshold: 0.49 })).toEqual([0]);
  });

  it("handles 0 and 1 boxes and maxDetections 0", async () => {
    const { device } = await gpu();
    const ws = new NmsWorkspace(device, 4);
    const boxes = upload(device, Float32Array.from([0, 0, 1, 1]));
    const scores = upload(device, Float32Array.from([0.5]));
    expect(Array.from(await nms(device, 0, { boxes, scores }, { iouThreshold: 0.5 }, ws))).toEqual(
      [],
    );
    expect(Array.from(await nms(device, 1, { boxes, scores }, { iouThreshold: 0.5 }, ws))).toEqual([
      0,
    ]);
    expect(
      Array.from(
        await nms(device, 1, { boxes, scores }, { iouThreshold: 0.5, maxDetections: 0 }, ws),
      ),
    ).toEqual([]);
    ws.destroy();
  });
});

describe("NMS helpers", () => {
  it("largestF32AtMost keeps f32 comparisons equal to float64 ones", () => {
    for (const t of [0.5, 0.45, 0.6, 0.7, 1 / 3, 0, -0.25]) {
      const t32 = largestF32AtMost(t);
      expect(t32).toBeLessThanOrEqual(t);
      expect(Math.fround(t32)).toBe(t32);
      // The next f32 above t32 is above t.
      const next = new Float32Array([t32]);
      const u = new Uint32Array(next.buffer);
      if (t32 > 0) u[0] += 1;
      else if (t32 < 0) u[0] -= 1;
      else u[0] = 1;
      expect(next[0]).toBeGreaterThan(t);
    }
  });

  it("CPU reference: class offsets separate categories", () => {
    const boxes = Float32Array.from([0, 0, 10, 10, 0, 0, 10, 10, 1, 1, 10, 10]);
    const scores = Float32Array.from([0.9, 0.8, 0.7]);
    expect(nmsRef(boxes, scores, { iouThreshold: 0.5 })).toEqual([0]);
    expect(nmsRef(boxes, scores, { iouThreshold: 0.5, classes: [0, 1, 0] })).toEqual([0, 1]);
  });
});
