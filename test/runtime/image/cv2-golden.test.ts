import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { resizeImage } from "../../../runtime/image/resize.js";
import { letterbox } from "../../../runtime/image/letterbox.js";
import { applyHsvMultipliers } from "../../../runtime/detection/data/augment/hsv.js";
import { warpAffine, type Affine } from "../../../runtime/detection/data/augment/affine.js";
import type { RgbImage } from "../../../runtime/image/rgb-image.js";

// Made by scripts/fixtures/image_ops_cv2.py with OpenCV 4.6 (the library Ultralytics uses).
const golden = JSON.parse(
  readFileSync(new URL("./fixtures/cv2-golden.json", import.meta.url), "utf8"),
);

const image = (w: number, h: number, data: number[]): RgbImage => ({
  width: w,
  height: h,
  data: Uint8Array.from(data),
});

/** OpenCV works in fixed point (11-bit resize weights, 1/32-pixel remap), so allow ±tol. */
function expectClose(actual: Uint8Array, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe("image operations against OpenCV", () => {
  const src = image(
    golden.resize_input.width,
    golden.resize_input.height,
    golden.resize_input.data,
  );

  for (const c of golden.resize as {
    method: "bilinear" | "area";
    width: number;
    height: number;
    output: number[];
  }[]) {
    it(`resize ${c.method} 13x9 → ${c.width}x${c.height}`, () => {
      const out = resizeImage(src, c.width, c.height, c.method);
      expect([out.width, out.height]).toEqual([c.width, c.height]);
      expectClose(out.data, c.output, 1);
    });
  }

  for (const c of golden.letterbox) {
    it(`letterbox ${c.width}x${c.height} → ${c.size}`, () => {
      const { image: out, geometry } = letterbox(image(c.width, c.height, c.data), {
        size: c.size,
      });
      expect([geometry.padLeft, geometry.padTop]).toEqual([c.left, c.top]);
      expect([geometry.innerWidth, geometry.innerHeight]).toEqual(c.inner);
      expectClose(out.data, c.output, 1);
    });
  }

  for (const c of golden.hsv) {
    it(`RandomHSV gains ${c.gains.join(", ")}`, () => {
      const img = image(c.width, c.height, c.data);
      applyHsvMultipliers(img, c.gains);
      // OpenCV's 8-bit HSV uses fixed-point divisions: a hue step of 1 (2°) can move a channel
      // by a few levels, so compare loosely per value and tightly on average.
      expectClose(img.data, c.output, 6);
      let sum = 0;
      for (let i = 0; i < c.output.length; i++) sum += Math.abs(img.data[i] - c.output[i]);
      expect(sum / c.output.length).toBeLessThan(0.6);
    });
  }

  for (const c of golden.warp) {
    it("warpAffine with a 114 border", () => {
      const out = warpAffine(
        image(c.width, c.height, c.data),
        c.matrix as Affine,
        c.outWidth,
        c.outHeight,
      );
      expectClose(out.data, c.output, 1);
    });
  }
});
