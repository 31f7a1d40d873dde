import { describe, expect, it } from "vitest";
import {
  classColor,
  drawBanner,
  drawLabeledBox,
  drawRect,
  drawText,
  fillRect,
  textColorOn,
  textSize,
  VERDICT_COLORS,
} from "../../../runtime/image/draw.js";
import { FONT_5X7, glyphPixel } from "../../../runtime/image/font-5x7.js";
import { createImage, getPixel, type RgbImage } from "../../../runtime/image/rgb-image.js";

function countColor(img: RgbImage, c: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 3)
    if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) n++;
  return n;
}

function inkBox(
  img: RgbImage,
  bg: readonly number[],
): [number, number, number, number] | undefined {
  let x1 = Infinity, y1 = Infinity, x2 = -1, y2 = -1; // prettier-ignore
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const p = getPixel(img, x, y);
      if (p[0] !== bg[0] || p[1] !== bg[1] || p[2] !== bg[2]) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x);
        y2 = Math.max(y2, y);
      }
    }
  return x2 < 0 ? undefined : [x1, y1, x2 + 1, y2 + 1];
}

describe("font", () => {
  it("has the 95 printable ASCII glyphs", () => {
    expect(FONT_5X7.length).toBe(95 * 5);
  });

  it("draws recognisable letters", () => {
    // 'I': a full middle column; 'L': a full left column and a full bottom row; '-': only row 3.
    for (let r = 0; r < 7; r++) expect(glyphPixel(0x49, 2, r)).toBe(true);
    for (let r = 0; r < 7; r++) expect(glyphPixel(0x4c, 0, r)).toBe(true);
    for (let c = 0; c < 5; c++) expect(glyphPixel(0x4c, c, 6)).toBe(true);
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 5; c++) expect(glyphPixel(0x2d, c, r)).toBe(r === 3);
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 5; c++) expect(glyphPixel(0x20, c, r)).toBe(false);
  });

  it("prints non-ASCII characters as '?'", () => {
    const a = createImage(12, 9);
    const b = createImage(12, 9);
    drawText(a, "缺", 1, 1, [255, 255, 255]);
    drawText(b, "?", 1, 1, [255, 255, 255]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });
});

describe("drawing", () => {
  it("draws rectangle outlines of the given thickness inside the box", () => {
    const img = createImage(40, 30);
    drawRect(img, 5, 5, 25, 20, [0, 255, 0], 3);
    // Perimeter band: 20×15 box minus its 14×9 interior.
    expect(countColor(img, [0, 255, 0])).toBe(20 * 15 - 14 * 9);
    expect(getPixel(img, 15, 12)).toEqual([0, 0, 0]);
    expect(inkBox(img, [0, 0, 0])).toEqual([5, 5, 25, 20]);
  });

  it("clips everything to the image", () => {
    const img = createImage(10, 10);
    fillRect(img, -5, -5, 3, 3, [9, 9, 9]);
    drawRect(img, -20, -20, 50, 50, [1, 2, 3], 2);
    drawText(img, "WARNING", 5, 5, [4, 5, 6], 3);
    expect(countColor(img, [9, 9, 9])).toBe(9);
  });

  it("blends translucent fills", () => {
    const img = createImage(2, 2, [100, 100, 100]);
    fillRect(img, 0, 0, 2, 2, [200, 0, 100], 0.5);
    expect(getPixel(img, 1, 1)).toEqual([150, 50, 100]);
  });

  it("puts text exactly inside its measured size", () => {
    for (const scale of [1, 2, 3]) {
      const img = createImage(200, 40);
      const text = "PASS 0.93";
      drawText(img, text, 10, 5, [255, 255, 255], scale);
      const { width, height } = textSize(text, scale);
      const ink = inkBox(img, [0, 0, 0])!;
      expect(ink[0]).toBe(10);
      expect(ink[1]).toBe(5);
      expect(ink[2]).toBeLessThanOrEqual(10 + width);
      expect(ink[3]).toBeLessThanOrEqual(5 + height);
      expect(ink[3]).toBe(5 + height); // 'P' and 'S' reach the bottom row
    }
  });

  it("labels a box on a tab above it, or inside when there is no room", () => {
    const img = createImage(120, 80, [50, 50, 50]);
    const color = classColor(1);
    drawLabeledBox(img, [30, 30, 90, 70], "crack 0.87", color, { thickness: 2 });
    // The tab sits just above the box's top edge, in the box colour.
    expect(getPixel(img, 31, 29)).toEqual([...color]);
    expect(getPixel(img, 31, 30)).toEqual([...color]);
    const top = createImage(120, 80, [50, 50, 50]);
    drawLabeledBox(top, [30, 0, 90, 40], "dent", color);
    expect(inkBox(top, [50, 50, 50])![1]).toBe(0);
  });

  it("draws a verdict banner with readable text", () => {
    const img = createImage(160, 160, [80, 80, 80]);
    drawBanner(img, "FAIL", VERDICT_COLORS.FAIL);
    expect(getPixel(img, 1, 1)).toEqual([...VERDICT_COLORS.FAIL]);
    expect(countColor(img, textColorOn(VERDICT_COLORS.FAIL))).toBeGreaterThan(20);
    expect(getPixel(img, 80, 100)).toEqual([80, 80, 80]);
    const bottom = createImage(160, 100, [80, 80, 80]);
    drawBanner(bottom, "PASS", VERDICT_COLORS.PASS, { position: "bottom" });
    expect(getPixel(bottom, 1, 99)).toEqual([...VERDICT_COLORS.PASS]);
    expect(textColorOn([255, 255, 0])).toEqual([0, 0, 0]);
    expect(textColorOn([0, 0, 128])).toEqual([255, 255, 255]);
  });

  it("cycles the class palette", () => {
    expect(classColor(0)).toEqual([255, 56, 56]);
    expect(classColor(20)).toEqual(classColor(0));
    expect(classColor(-1)).toEqual(classColor(19));
  });
});
