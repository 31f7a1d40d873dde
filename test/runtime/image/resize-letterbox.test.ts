import { describe, expect, it } from "vitest";
import { resizeImage, resizeLongSide } from "../../../runtime/image/resize.js";
import {
  boxFromLetterbox,
  boxToLetterbox,
  letterbox,
  letterboxGeometry,
  roundHalfEven,
} from "../../../runtime/image/letterbox.js";
import {
  createImage,
  getPixel,
  toChwFloat32,
  cropImage,
} from "../../../runtime/image/rgb-image.js";
import { fillRect } from "../../../runtime/image/draw.js";

describe("resize", () => {
  it("area-shrinks by an integer factor to block means", () => {
    const img = createImage(4, 2);
    img.data.set([
      0, 0, 0, 100, 100, 100, 10, 10, 10, 30, 30, 30, 50, 50, 50, 150, 150, 150, 20, 20, 20, 40, 40,
      40,
    ]);
    const out = resizeImage(img, 2, 1, "area");
    expect(Array.from(out.data)).toEqual([75, 75, 75, 25, 25, 25]);
  });

  it("keeps a flat image flat at any size, with either method", () => {
    const img = createImage(37, 23, [12, 200, 99]);
    for (const [w, h] of [
      [5, 3],
      [80, 41],
      [37, 7],
    ]) {
      for (const m of ["bilinear", "area"] as const) {
        const out = resizeImage(img, w, h, m);
        for (let i = 0; i < out.data.length; i += 3)
          expect([out.data[i], out.data[i + 1], out.data[i + 2]]).toEqual([12, 200, 99]);
      }
    }
  });

  it("resizes the long side like Ultralytics load_image", () => {
    const { image, ratio } = resizeLongSide(createImage(640, 480), 160);
    expect(ratio).toBe(0.25);
    expect([image.width, image.height]).toEqual([160, 120]);
    const up = resizeLongSide(createImage(50, 100), 160);
    expect([up.image.width, up.image.height]).toEqual([80, 160]);
  });
});

describe("letterbox", () => {
  it("fits, centres and pads with 114", () => {
    const img = createImage(200, 100, [255, 0, 0]);
    const { image, geometry: g } = letterbox(img, { size: 160 });
    expect(g.scale).toBe(0.8);
    expect([g.innerWidth, g.innerHeight, g.padLeft, g.padTop]).toEqual([160, 80, 0, 40]);
    expect(getPixel(image, 80, 10)).toEqual([114, 114, 114]);
    expect(getPixel(image, 80, 80)).toEqual([255, 0, 0]);
    expect(getPixel(image, 80, 150)).toEqual([114, 114, 114]);
  });

  it("puts an odd pixel of padding at the bottom/right, as Ultralytics", () => {
    const g = letterboxGeometry(100, 99, { size: 64 });
    // inner 64x63 (63.36 → 63), dh = 0.5: top = round(0.4) = 0, bottom gets the 1.
    expect([g.innerWidth, g.innerHeight, g.padTop]).toEqual([64, 63, 0]);
    expect(letterboxGeometry(100, 97, { size: 64 }).padTop).toBe(1);
  });

  it("does not enlarge with scaleup: false", () => {
    const g = letterboxGeometry(40, 20, { size: 64, scaleup: false });
    expect([g.scale, g.innerWidth, g.innerHeight, g.padLeft, g.padTop]).toEqual([
      1, 40, 20, 12, 22,
    ]);
  });

  it("supports rectangular targets and top-left placement", () => {
    const g = letterboxGeometry(100, 100, { size: [64, 32], center: false });
    expect([g.innerWidth, g.innerHeight, g.padLeft, g.padTop, g.width, g.height]).toEqual([
      32, 32, 0, 0, 64, 32,
    ]);
  });

  it("maps boxes in and back out (and clips on the way back)", () => {
    const g = letterboxGeometry(300, 150, { size: 160 });
    const box: [number, number, number, number] = [30, 15, 120, 90];
    const inLb = boxToLetterbox(box, g);
    const back = boxFromLetterbox(inLb, g);
    back.forEach((v, i) => expect(v).toBeCloseTo(box[i], 9));
    const outside = boxFromLetterbox([-10, -10, 200, 200], g);
    expect(outside).toEqual([0, 0, 300, 150]);
  });

  it("moves pixels where the geometry says", () => {
    const img = createImage(120, 60, [0, 0, 0]);
    fillRect(img, 30, 10, 60, 40, [255, 255, 255]);
    const { image, geometry: g } = letterbox(img, { size: 96 });
    const [x1, y1, x2, y2] = boxToLetterbox([30, 10, 60, 40], g);
    expect(getPixel(image, Math.round((x1 + x2) / 2), Math.round((y1 + y2) / 2))).toEqual([
      255, 255, 255,
    ]);
    expect(getPixel(image, Math.floor(x1) - 2, Math.round((y1 + y2) / 2))[0]).toBeLessThan(20);
  });

  it("rounds half to even like Python", () => {
    expect([
      roundHalfEven(2.5),
      roundHalfEven(3.5),
      roundHalfEven(2.4),
      roundHalfEven(2.6),
    ]).toEqual([2, 4, 2, 3]);
  });
});

describe("tensor layout", () => {
  it("writes planar CHW floats at an offset", () => {
    const img = createImage(2, 1);
    img.data.set([255, 0, 51, 0, 255, 102]);
    const out = new Float32Array(2 + 6);
    toChwFloat32(img, out, 2);
    expect(Array.from(out.slice(2))).toEqual([1, 0, 0, 1, 0.2, 0.4].map((v) => Math.fround(v)));
  });

  it("crops within bounds", () => {
    const img = createImage(10, 10, 7);
    const c = cropImage(img, 8, 8, 5, 5);
    expect([c.width, c.height]).toEqual([2, 2]);
  });
});
