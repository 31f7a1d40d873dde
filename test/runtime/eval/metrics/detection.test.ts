import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  averagePrecision,
  rankedCurves,
  roundHalfEven,
} from "../../../../runtime/eval/metrics/detection-ap.js";
import { DetectionConfusionMatrix } from "../../../../runtime/eval/metrics/detection-confusion.js";
import {
  evaluateDetections,
  type DetectionImage,
} from "../../../../runtime/eval/metrics/detection-eval.js";
import {
  cocoIouThresholds,
  ultralyticsBoxIou,
  ultralyticsIouThresholds,
  ultralyticsMatchPredictions,
  type Box,
} from "../../../../runtime/eval/metrics/detection-match.js";

const close = (actual: number, expected: number, tol = 1e-12): void => {
  expect(Math.abs(actual - expected)).toBeLessThan(tol);
};

describe("DESIGN.md published AP vectors", () => {
  // "1 GT + 1 TP → 0.995 / 1.0 (COCO); 2 GT, 1 TP → 0.75 / 0.50495;
  //  TP, FP, TP with 2 GT → 0.82833 / 0.83498."
  const cases: [string, boolean[], number, number, number][] = [
    ["1 GT + 1 TP", [true], 1, 0.995, 1.0],
    ["2 GT, 1 TP", [true], 2, 0.75, 51 / 101], // 0.50495
    ["TP, FP, TP with 2 GT", [true, false, true], 2, 0.8283333333333331, (51 + 50 * (2 / 3)) / 101], // 0.83498
  ];
  it.each(cases)("%s from ranked TP/FP flags", (_, flags, nGt, ultralytics, coco) => {
    const { recall, precision } = rankedCurves(flags, nGt);
    close(averagePrecision(recall, precision, "ultralytics"), ultralytics);
    close(averagePrecision(recall, precision, "coco"), coco);
    expect(averagePrecision(recall, precision, "ultralytics").toFixed(5)).toBe(
      ultralytics.toFixed(5),
    );
  });

  it("rounded as DESIGN.md prints them", () => {
    const ap = (flags: boolean[], n: number, m: "ultralytics" | "coco"): string => {
      const { recall, precision } = rankedCurves(flags, n);
      return averagePrecision(recall, precision, m).toFixed(5);
    };
    expect([ap([true], 1, "ultralytics"), ap([true], 1, "coco")]).toEqual(["0.99500", "1.00000"]);
    expect([ap([true], 2, "ultralytics"), ap([true], 2, "coco")]).toEqual(["0.75000", "0.50495"]);
    expect([ap([true, false, true], 2, "ultralytics"), ap([true, false, true], 2, "coco")]).toEqual(
      ["0.82833", "0.83498"],
    );
  });

  const box: Box = [10, 10, 50, 40];
  const far: Box = [200, 200, 240, 230];
  const images = (preds: { box: Box; conf: number }[], gts: Box[]): DetectionImage[] => [
    {
      groundTruth: gts.map((b) => ({ box: b, cls: 0 })),
      predictions: preds.map((p) => ({ ...p, cls: 0 })),
    },
  ];
  it.each([
    ["1 GT + 1 TP", images([{ box, conf: 0.9 }], [box]), 0.995, 1.0],
    ["2 GT, 1 TP", images([{ box, conf: 0.9 }], [box, far]), 0.75, 51 / 101],
    [
      "TP, FP, TP with 2 GT",
      images(
        [
          { box, conf: 0.9 },
          { box: [400, 400, 420, 420], conf: 0.8 },
          { box: far, conf: 0.7 },
        ],
        [box, far],
      ),
      0.8283333333333331,
      (51 + 50 * (2 / 3)) / 101,
    ],
  ] as [string, DetectionImage[], number, number][])(
    "%s end to end (boxes → mAP50)",
    (_, imgs, u, c) => {
      close(evaluateDetections(imgs).map50, u);
      close(evaluateDetections(imgs, { style: "coco" }).map50, c);
    },
  );
});

describe("hand-checked multi-image, multi-class case", () => {
  /*
   * Two classes, two images. IoUs are chosen away from the thresholds 0.50:0.05:0.95.
   * Image 1 ground truth: G1 c0 [0,0,10,10], G2 c0 [50,50,60,60], G3 c1 [20,20,40,40].
   *   P1 c0 conf .90 [0,0,10,9.7]    IoU(G1) = 97/100  = .97 → TP at every threshold
   *   P2 c1 conf .80 [20,20,40,34.4] IoU(G3) = 288/400 = .72 → TP at .50–.70
   *   P3 c0 conf .60 [50,50,60,56.2] IoU(G2) = 62/100  = .62 → TP at .50–.60
   *   P4 c0 conf .50 [0,0,10,8.6]    IoU(G1) = .86, but G1 is taken by P1 → FP
   * Image 2 ground truth: G4 c1 [0,0,20,20].
   *   P7 c1 conf .95 [30,30,40,40]   no overlap → FP
   *   P5 c1 conf .70 [0,0,20,17.2]   IoU(G4) = 344/400 = .86 → TP at .50–.85
   *   P6 c0 conf .40 [100,100,110,110] no class-0 truth in image 2 → FP
   *
   * Class 0 (2 GT), ranked P1 P3 P4 P6:
   *   t ≤ .60: TP TP FP FP → recall .5 1 1 1, precision 1 1 2/3 1/2.
   *     Ultralytics: envelope 1 until recall 1, then the (1, 0) sentinel: 101-point curve is 1
   *     on [0, .99] and 0 at 1 → trapezoid .99 + .01·(1+0)/2 = .995. COCO: all 101 samples 1 → 1.
   *   t ≥ .65: TP FP FP FP → recall .5 .5 .5 .5, precision 1 .5 1/3 .25.
   *     Ultralytics: mrec 0 .5 .5 .5 .5 1, envelope 1 1 .5 1/3 .25 0; np.interp takes the last
   *     of the repeated .5s, so the curve is 1 on [0,.49], .25 at .5, then linear to 0 at 1:
   *     .49 + .01·(1+.25)/2 + .5·.25/2 = .55875. COCO: 51 samples (r ≤ .5) of 1 → 51/101.
   * Class 1 (2 GT), ranked P7 P2 P5:
   *   t ≤ .70: FP TP TP → recall 0 .5 1, precision 0 .5 2/3.
   *     Ultralytics: mrec 0 0 .5 1 1, envelope 1 2/3 2/3 2/3 0; at x = 0 interp takes the
   *     second 0 → 2/3, so the curve is 2/3 on [0,.99], 0 at 1: .99·2/3 + .01·(2/3)/2 = .663333….
   *     COCO: envelope 2/3 everywhere → 2/3.
   *   t = .75–.85: FP FP TP → recall 0 0 .5, precision 0 0 1/3.
   *     Ultralytics: 1/3 on [0,.5], linear to 0 at 1: .5/3 + .5·(1/3)/2 = .25.
   *     COCO: 51 samples of 1/3 → 17/101.
   *   t ≥ .90: no TP → 0 and 0.
   */
  const images: DetectionImage[] = [
    {
      groundTruth: [
        { box: [0, 0, 10, 10], cls: 0 },
        { box: [50, 50, 60, 60], cls: 0 },
        { box: [20, 20, 40, 40], cls: 1 },
      ],
      predictions: [
        { box: [0, 0, 10, 9.7], cls: 0, conf: 0.9 },
        { box: [20, 20, 40, 34.4], cls: 1, conf: 0.8 },
        { box: [50, 50, 60, 56.2], cls: 0, conf: 0.6 },
        { box: [0, 0, 10, 8.6], cls: 0, conf: 0.5 },
      ],
    },
    {
      groundTruth: [{ box: [0, 0, 20, 20], cls: 1 }],
      predictions: [
        { box: [30, 30, 40, 40], cls: 1, conf: 0.95 },
        { box: [0, 0, 20, 17.2], cls: 1, conf: 0.7 },
        { box: [100, 100, 110, 110], cls: 0, conf: 0.4 },
      ],
    },
  ];
  const u0 = [0.995, 0.995, 0.995, ...new Array(7).fill(0.55875)];
  const u1 = [...new Array(5).fill(0.99 * (2 / 3) + 0.01 * (1 / 3)), 0.25, 0.25, 0.25, 0, 0];
  const c0 = [1, 1, 1, ...new Array(7).fill(51 / 101)];
  const c1 = [...new Array(5).fill(2 / 3), ...new Array(3).fill(17 / 101), 0, 0];
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  it("Ultralytics: AP per class and threshold, mAP50, mAP50-95", () => {
    const m = evaluateDetections(images, { names: ["scratch", "stain"] });
    expect(m.classes.map((c) => c.name)).toEqual(["scratch", "stain"]);
    m.classes[0].ap.forEach((v, t) => close(v, u0[t], 1e-12));
    m.classes[1].ap.forEach((v, t) => close(v, u1[t], 1e-12));
    close(m.map50, (0.995 + u1[0]) / 2);
    close(m.map50_95, (avg(u0) + avg(u1)) / 2);
    close(m.map75, (0.55875 + 0.25) / 2);
    expect(m.classes.map((c) => [c.groundTruth, c.predictions])).toEqual([
      [2, 4],
      [2, 3],
    ]);
  });

  it("Ultralytics: P and R at the max-mean-F1 confidence", () => {
    // Mean F1 peaks at conf .60 (class 0: P 1, R 1; class 1: P 2/3, R 1), and falls faster
    // below .60 than above, so the box-filtered peak sits just above .60, inside (.6, .7):
    // there class 1 reads P 2/3, R 1 exactly and class 0 reads P 1 with R = .5 + (.9 − c)/.6.
    const m = evaluateDetections(images);
    expect(m.confidence).toBeGreaterThan(0.6);
    expect(m.confidence).toBeLessThan(0.7);
    close(m.classes[1].precision, 2 / 3, 1e-6);
    close(m.classes[1].recall, 1, 1e-12);
    close(m.classes[0].precision, 1, 1e-12);
    close(m.classes[0].recall, 0.5 + (0.9 - m.confidence) / 0.6, 1e-6);
  });

  it("COCO: AP per class and threshold, mAP50, mAP50-95", () => {
    const m = evaluateDetections(images, { style: "coco" });
    m.classes[0].ap.forEach((v, t) => close(v, c0[t], 1e-12));
    m.classes[1].ap.forEach((v, t) => close(v, c1[t], 1e-12));
    close(m.map50, (1 + 2 / 3) / 2);
    close(m.map50_95, (avg(c0) + avg(c1)) / 2);
  });

  it("confusion matrix (conf > .25, IoU > .45, class-agnostic matching)", () => {
    // Image 1: G1←P1 [0][0], G2←P3 [0][0], G3←P2 [1][1]; P4 unmatched → [0][bg].
    // Image 2: G4←P5 [1][1]; P7 → [1][bg], P6 → [0][bg].
    const m = evaluateDetections(images);
    expect(m.confusion!.matrix).toEqual([
      [2, 0, 2],
      [0, 2, 1],
      [0, 0, 0],
    ]);
    expect(m.confusion!.tp).toEqual([2, 2]);
    expect(m.confusion!.fp).toEqual([2, 1]);
  });
});

describe("Ultralytics details", () => {
  it("iouv is torch.linspace(0.5, 0.95, 10) in float32", () => {
    expect(ultralyticsIouThresholds()).toEqual(
      [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95].map(Math.fround),
    );
    expect(cocoIouThresholds()[9]).toBe(0.95);
  });

  it("box_iou in float32 with eps = 1e-7 (checked against torch 1.13 box_iou)", () => {
    // Pixel boxes: 100 + 1e-7 rounds to 100 in float32, so a paper IoU of 0.5 stays 0.5 and
    // matches at 0.5; normalised boxes: 1 + 1e-7 does not, and 0.5 becomes 0.49999994.
    expect(ultralyticsBoxIou([[0, 0, 10, 10]], [[0, 0, 10, 5]])[0][0]).toBe(0.5);
    expect(ultralyticsBoxIou([[0, 0, 1, 1]], [[0, 0, 1, 0.5]])[0][0]).toBe(0.4999999403953552);
    expect(ultralyticsBoxIou([[0, 0, 10, 10]], [[0, 0, 10, 5]], "float64")[0][0]).toBeLessThan(0.5);
  });

  it("match_predictions: per ground truth the lowest-index surviving prediction wins", () => {
    // G0 overlaps P0 (.6) and P1 (.9); P1's best is G0. After the by-prediction pass the pairs
    // are ordered by prediction, so G0 keeps P0 even though P1 has the higher IoU.
    const iou = [[0.6, 0.9]];
    const correct = ultralyticsMatchPredictions([0, 0], [0], iou, [0.5]);
    expect(correct.map((r) => r[0])).toEqual([true, false]);
  });

  it("round half to even, as np.round", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
  });

  it("no true positive at all: Ultralytics reports zeros", () => {
    const m = evaluateDetections([
      {
        groundTruth: [{ box: [0, 0, 10, 10], cls: 0 }],
        predictions: [{ box: [50, 50, 60, 60], cls: 0, conf: 0.9 }],
      },
    ]);
    expect([m.precision, m.recall, m.map50, m.map50_95]).toEqual([0, 0, 0, 0]);
  });

  it("confusion matrix: an image without ground truth counts every confident detection as FP", () => {
    const cm = new DetectionConfusionMatrix(2);
    cm.addImage(
      [
        { box: [0, 0, 1, 1], cls: 1, conf: 0.3 },
        { box: [0, 0, 1, 1], cls: 0, conf: 0.2 },
      ],
      [],
    );
    expect(cm.result().matrix).toEqual([
      [0, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
  });
});

interface CocoFixture {
  scenes: {
    nc: number;
    images: DetectionImage[];
    coco: {
      map50_95: number;
      map50: number;
      map75: number;
      apPerClassPerThreshold: (number[] | null)[];
    };
  }[];
}
const coco = JSON.parse(
  readFileSync(new URL("../../../fixtures/metrics/pycocotools.json", import.meta.url), "utf8"),
) as CocoFixture;

describe("goldens from pycocotools COCOeval (scripts/fixtures/metrics.py)", () => {
  it.each(coco.scenes.map((s, i) => [i, s]))("random scene %i", (_, scene) => {
    const m = evaluateDetections(scene.images, { style: "coco", nc: scene.nc });
    close(m.map50_95, scene.coco.map50_95, 1e-15);
    close(m.map50, scene.coco.map50, 1e-15);
    close(m.map75, scene.coco.map75, 1e-15);
    const expected = scene.coco.apPerClassPerThreshold.flatMap((ap, cls) =>
      ap ? [{ cls, ap }] : [],
    );
    expect(m.classes.map((c) => c.cls)).toEqual(expected.map((e) => e.cls));
    m.classes.forEach((c, i) => expected[i].ap.forEach((v, t) => close(c.ap[t], v, 1e-15)));
  });
});
