import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jpeg from "jpeg-js";
import pngjs from "pngjs";
import { describe, expect, it } from "vitest";
import {
  decodeImage,
  readImage,
  readImageSync,
  sniffImageFormat,
  tryDecodeImage,
} from "../../../runtime/image/decode.js";
import { encodePng, writePng } from "../../../runtime/image/encode.js";
import { readJpegOrientation } from "../../../runtime/image/jpeg-orientation.js";
import {
  createImage,
  getPixel,
  setPixel,
  type RgbImage,
} from "../../../runtime/image/rgb-image.js";
import { createRng } from "../../../runtime/util/random.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";

function noiseImage(w: number, h: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const img = createImage(w, h);
  for (let i = 0; i < img.data.length; i++) img.data[i] = rng.int(256);
  return img;
}

/** Two flat halves (left red, right blue): survives JPEG compression recognisably. */
function halvesJpeg(w: number, h: number, quality = 95): Buffer {
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const left = x < w / 2;
      rgba.set(left ? [220, 30, 30, 255] : [30, 30, 220, 255], i);
    }
  }
  return jpeg.encode({ width: w, height: h, data: rgba }, quality).data;
}

/** Insert an EXIF APP1 segment with the given orientation right after SOI. */
function withOrientation(jpg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.from([
    0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, // "MM", 42, IFD at 8
    0, 1, // one entry
    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, // Orientation, SHORT, 1, value
    0, 0, 0, 0, // no next IFD
  ]); // prettier-ignore
  const body = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const len = body.length + 2;
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, len >> 8, len & 0xff]), body]);
  return Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]);
}

const isReddish = ([r, , b]: number[]) => r > 150 && b < 100;
const isBluish = ([r, , b]: number[]) => b > 150 && r < 100;

describe("PNG", () => {
  it("round-trips RGB exactly and encodes deterministically", () => {
    const img = noiseImage(23, 17, 1);
    const bytes = encodePng(img);
    expect(sniffImageFormat(bytes)).toBe("png");
    const back = decodeImage(bytes, "x.png");
    expect(back.width).toBe(23);
    expect(back.height).toBe(17);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
    expect(encodePng(img).equals(bytes)).toBe(true);
  });

  it("drops alpha and expands grey like OpenCV's IMREAD_COLOR", () => {
    const rgba = new pngjs.PNG({ width: 2, height: 1 });
    rgba.data.set([10, 20, 30, 0, 200, 100, 50, 128]);
    const a = decodeImage(pngjs.PNG.sync.write(rgba), "a.png");
    expect(Array.from(a.data)).toEqual([10, 20, 30, 200, 100, 50]);
    const grey = pngjs.PNG.sync.write(
      { width: 2, height: 1, data: Buffer.from([7, 250]) } as unknown as pngjs.PNG,
      { colorType: 0, inputColorType: 0, inputHasAlpha: false },
    );
    expect(Array.from(decodeImage(grey, "g.png").data)).toEqual([7, 7, 7, 250, 250, 250]);
  });

  it("reports a truncated or garbled PNG as corrupt, never throwing", () => {
    const bytes = encodePng(noiseImage(30, 30, 2));
    const cut = tryDecodeImage(bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(cut.ok).toBe(false);
    if (!cut.ok) {
      expect(cut.code).toBe("PW7011");
      expect(cut.reason).toMatch(/PNG does not decode/);
    }
    const garbled = Buffer.from(bytes);
    for (let i = 60; i < garbled.length - 20; i += 7) garbled[i] ^= 0x5a;
    expect(tryDecodeImage(garbled).ok).toBe(false);
  });
});

describe("JPEG", () => {
  it("decodes to RGB", () => {
    const img = decodeImage(halvesJpeg(32, 16), "h.jpg");
    expect([img.width, img.height, img.data.length]).toEqual([32, 16, 32 * 16 * 3]);
    expect(isReddish(getPixel(img, 4, 8))).toBe(true);
    expect(isBluish(getPixel(img, 28, 8))).toBe(true);
  });

  it("reports a truncated JPEG as truncated", () => {
    const bytes = halvesJpeg(64, 64);
    for (const keep of [bytes.length - 2, Math.floor(bytes.length * 0.6), 300]) {
      const r = tryDecodeImage(bytes.subarray(0, keep));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe("PW7012");
        expect(r.reason).toMatch(/truncated/);
      }
    }
  });

  it("keeps a JPEG that decodes despite bytes after its end marker", () => {
    const bytes = Buffer.concat([halvesJpeg(16, 16), Buffer.from([1, 2, 3])]);
    expect(tryDecodeImage(bytes).ok).toBe(true);
  });

  it("applies the EXIF orientation (6: rotate 90° clockwise)", () => {
    const jpg = withOrientation(halvesJpeg(32, 16), 6);
    expect(readJpegOrientation(jpg)).toBe(6);
    const img = decodeImage(jpg, "o.jpg");
    expect([img.width, img.height]).toEqual([16, 32]);
    // The stored left (red) half is the top of the upright picture.
    expect(isReddish(getPixel(img, 8, 4))).toBe(true);
    expect(isBluish(getPixel(img, 8, 28))).toBe(true);
    const raw = decodeImage(jpg, "o.jpg", { exifOrientation: false });
    expect([raw.width, raw.height]).toEqual([32, 16]);
  });

  it("maps all eight orientations consistently", async () => {
    const { applyOrientation } = await import("../../../runtime/image/jpeg-orientation.js");
    const img = createImage(3, 2);
    setPixel(img, 0, 0, [255, 0, 0]); // mark the stored top-left corner
    // Where the stored top-left ends up in the upright image.
    const expected: Record<number, [number, number]> = {
      1: [0, 0],
      2: [2, 0],
      3: [2, 1],
      4: [0, 1],
      5: [0, 0],
      6: [1, 0],
      7: [1, 2],
      8: [0, 2],
    };
    for (let o = 1; o <= 8; o++) {
      const out = applyOrientation(img, o);
      expect([out.width, out.height]).toEqual(o >= 5 ? [2, 3] : [3, 2]);
      const [x, y] = expected[o];
      expect(getPixel(out, x, y)).toEqual([255, 0, 0]);
    }
  });
});

describe("unknown and unsupported files", () => {
  it("names BMP/WebP as unsupported and anything else as not an image", () => {
    const bmp = Buffer.concat([Buffer.from("BM", "latin1"), Buffer.alloc(60)]);
    const r1 = tryDecodeImage(bmp);
    expect(r1.ok === false && r1.code === "PW7014" && /BMP/.test(r1.reason)).toBe(true);
    const webp = Buffer.concat([Buffer.from("RIFF\0\0\0\0WEBP", "latin1"), Buffer.alloc(20)]);
    const r2 = tryDecodeImage(webp);
    expect(r2.ok === false && r2.code === "PW7014").toBe(true);
    const txt = tryDecodeImage(Buffer.from("hello, I am not an image"));
    expect(txt.ok === false && txt.code === "PW7011").toBe(true);
    const empty = tryDecodeImage(Buffer.alloc(0));
    expect(empty.ok === false && /empty/.test(empty.reason)).toBe(true);
  });

  it("refuses decompression bombs by header size", () => {
    const png = encodePng(createImage(100, 100));
    const r = tryDecodeImage(png, { maxMegapixels: 0.001 });
    expect(r.ok === false && /megapixels/.test(r.reason)).toBe(true);
  });
});

describe("readImage", () => {
  const dir = mkdtempSync(join(tmpdir(), "pw-img-"));

  it("reads a written PNG back", async () => {
    const img = noiseImage(12, 11, 3);
    const p = join(dir, "sub", "a.png");
    await writePng(p, img);
    expect(Buffer.from((await readImage(p)).data).equals(Buffer.from(img.data))).toBe(true);
    expect(readImageSync(p).width).toBe(12);
  });

  it("throws a PipeError naming the path for missing and corrupt files", async () => {
    const missing = join(dir, "nope.png");
    await expect(readImage(missing)).rejects.toSatisfy(
      (e: unknown) =>
        isPipeError(e) &&
        e.code === "PW7010" &&
        e.place.path === missing &&
        /file not found/.test(e.message),
    );
    const bad = join(dir, "bad.jpg");
    writeFileSync(bad, "garbage");
    let caught: unknown;
    try {
      readImageSync(bad);
    } catch (e) {
      caught = e;
    }
    expect(isPipeError(caught) && caught.code === "PW7011" && caught.where() === bad).toBe(true);
  });
});
