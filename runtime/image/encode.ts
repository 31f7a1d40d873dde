/** PNG encoding (pngjs), RGB 8-bit. Deterministic: same pixels, same bytes. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import pngjs from "pngjs";
import type { RgbImage } from "./rgb-image.js";

export interface PngOptions {
  /** zlib level 0..9; 6 is the zlib default, lower is faster for scratch outputs. */
  level?: number;
}

export function encodePng(img: RgbImage, options: PngOptions = {}): Buffer {
  return pngjs.PNG.sync.write(
    {
      width: img.width,
      height: img.height,
      data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
    } as unknown as pngjs.PNG,
    { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: options.level ?? 6 },
  );
}

/** Encode and write, creating the parent folder. */
export async function writePng(
  path: string,
  img: RgbImage,
  options: PngOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodePng(img, options));
}
