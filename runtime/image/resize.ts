/**
 * Resizing with OpenCV's conventions, so boxes and pixels line up with what Ultralytics does:
 * `bilinear` is cv2.INTER_LINEAR (pixel centres at +0.5, edge clamped, no antialiasing) and
 * `area` is cv2.INTER_AREA (mean over the covered source area; used for shrinking without
 * aliasing, falls back to bilinear when enlarging). Both are separable: a horizontal pass into a
 * float buffer, then a vertical pass.
 */
import { createImage, type RgbImage } from "./rgb-image.js";

export type ResizeMethod = "bilinear" | "area";

interface Taps {
  /** For output coordinate i, taps start[i] .. start[i]+count[i]-1 of idx/weight. */
  start: Int32Array;
  count: Int32Array;
  idx: Int32Array;
  weight: Float32Array;
}

function bilinearTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst).fill(2);
  const idx = new Int32Array(dst * 2);
  const weight = new Float32Array(dst * 2);
  for (let i = 0; i < dst; i++) {
    const f = (i + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    let u = f - s;
    if (s < 0) {
      s = 0;
      u = 0;
    }
    if (s >= src - 1) {
      s = src - 1;
      u = 0;
    }
    start[i] = i * 2;
    idx[i * 2] = s;
    idx[i * 2 + 1] = Math.min(s + 1, src - 1);
    weight[i * 2] = 1 - u;
    weight[i * 2 + 1] = u;
  }
  return { start, count, idx, weight };
}

function areaTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const idxList: number[] = [];
  const wList: number[] = [];
  for (let i = 0; i < dst; i++) {
    const a = i * scale;
    const b = Math.min(src, (i + 1) * scale);
    start[i] = idxList.length;
    for (let s = Math.floor(a); s < b; s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w <= 1e-9) continue;
      idxList.push(s);
      wList.push(w / scale);
    }
    count[i] = idxList.length - start[i];
  }
  return { start, count, idx: Int32Array.from(idxList), weight: Float32Array.from(wList) };
}

function taps(src: number, dst: number, method: ResizeMethod): Taps {
  return method === "area" && dst < src ? areaTaps(src, dst) : bilinearTaps(src, dst);
}

export function resizeImage(
  img: RgbImage,
  width: number,
  height: number,
  method: ResizeMethod = "bilinear",
): RgbImage {
  width = Math.max(1, Math.round(width));
  height = Math.max(1, Math.round(height));
  if (width === img.width && height === img.height)
    return { width, height, data: img.data.slice() };
  const sw = img.width;
  const sh = img.height;
  const tx = taps(sw, width, method);
  const ty = taps(sh, height, method);
  const src = img.data;
  // Horizontal pass: sh rows × width columns × 3.
  const tmp = new Float32Array(sh * width * 3);
  for (let y = 0; y < sh; y++) {
    const rowS = y * sw * 3;
    const rowT = y * width * 3;
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0; // prettier-ignore
      const s0 = tx.start[x];
      for (let k = 0; k < tx.count[x]; k++) {
        const w = tx.weight[s0 + k];
        const p = rowS + tx.idx[s0 + k] * 3;
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
      }
      const t = rowT + x * 3;
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
    }
  }
  // Vertical pass.
  const out = createImage(width, height);
  const dst = out.data;
  for (let y = 0; y < height; y++) {
    const s0 = ty.start[y];
    const n = ty.count[y];
    const rowD = y * width * 3;
    for (let x3 = 0; x3 < width * 3; x3++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += ty.weight[s0 + k] * tmp[ty.idx[s0 + k] * width * 3 + x3];
      dst[rowD + x3] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/**
 * Ultralytics `load_image`: scale so the long side is `size` (keeping the ratio). `area` when
 * shrinking for evaluation, `bilinear` when augmenting or enlarging — pass `augment` to choose
 * like Ultralytics does. Returns the image and the ratio applied.
 */
export function resizeLongSide(
  img: RgbImage,
  size: number,
  augment = false,
): { image: RgbImage; ratio: number } {
  const ratio = size / Math.max(img.width, img.height);
  if (ratio === 1) return { image: img, ratio };
  const w = Math.min(size, Math.ceil(img.width * ratio));
  const h = Math.min(size, Math.ceil(img.height * ratio));
  const method: ResizeMethod = augment || ratio > 1 ? "bilinear" : "area";
  return { image: resizeImage(img, w, h, method), ratio };
}
