/**
 * Ultralytics' `RandomHSV`: one random gain per channel, r = 1 + U(−1, 1)·gain, applied through
 * lookup tables in OpenCV's 8-bit HSV space (H in [0, 180), S and V in [0, 255]): hue is rotated
 * (x·r mod 180), saturation and value are scaled and clipped. Boxes are unaffected.
 */
import type { Rng } from "../../../util/random.js";
import type { RgbImage } from "../../../image/rgb-image.js";

export interface HsvGains {
  /** Fractions, as Ultralytics' hsv_h, hsv_s, hsv_v (defaults 0.015, 0.7, 0.4). */
  h: number;
  s: number;
  v: number;
}

/** Draw the three multipliers (three rng draws, h then s then v). */
export function drawHsvMultipliers(rng: Rng, gains: HsvGains): [number, number, number] {
  return [
    1 + (rng.next() * 2 - 1) * gains.h,
    1 + (rng.next() * 2 - 1) * gains.s,
    1 + (rng.next() * 2 - 1) * gains.v,
  ];
}

/** Apply given multipliers in place. */
export function applyHsvMultipliers(
  img: RgbImage,
  [rh, rs, rv]: readonly [number, number, number],
): void {
  if (rh === 1 && rs === 1 && rv === 1) return;
  const lutH = new Uint8Array(256);
  const lutS = new Uint8Array(256);
  const lutV = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    // numpy: ((x·r) % 180).astype(uint8) — a floored modulo, then truncation.
    const hh = x * rh;
    lutH[x] = Math.floor(hh - 180 * Math.floor(hh / 180));
    lutS[x] = Math.floor(Math.min(255, Math.max(0, x * rs)));
    lutV[x] = Math.floor(Math.min(255, Math.max(0, x * rv)));
  }
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i];
    const g = d[i + 1];
    const b = d[i + 2];
    // RGB → OpenCV 8-bit HSV.
    const v = Math.max(r, g, b);
    const mn = Math.min(r, g, b);
    const diff = v - mn;
    const s = v === 0 ? 0 : Math.round((diff * 255) / v);
    let h = 0;
    if (diff !== 0) {
      if (v === r) h = (60 * (g - b)) / diff;
      else if (v === g) h = 120 + (60 * (b - r)) / diff;
      else h = 240 + (60 * (r - g)) / diff;
      if (h < 0) h += 360;
    }
    let h8 = Math.round(h / 2);
    if (h8 >= 180) h8 -= 180;
    // LUTs, then HSV → RGB.
    const H = lutH[h8] * 2; // degrees
    const S = lutS[s] / 255;
    const V = lutV[v];
    const c = V * S;
    const hp = H / 60;
    const x = c * (1 - Math.abs((hp % 2) - 1));
    let r1 = 0, g1 = 0, b1 = 0; // prettier-ignore
    if (hp < 1) [r1, g1, b1] = [c, x, 0];
    else if (hp < 2) [r1, g1, b1] = [x, c, 0];
    else if (hp < 3) [r1, g1, b1] = [0, c, x];
    else if (hp < 4) [r1, g1, b1] = [0, x, c];
    else if (hp < 5) [r1, g1, b1] = [x, 0, c];
    else [r1, g1, b1] = [c, 0, x];
    const m = V - c;
    d[i] = Math.round(r1 + m);
    d[i + 1] = Math.round(g1 + m);
    d[i + 2] = Math.round(b1 + m);
  }
}

/** Draw gains and apply them in place (no-op when all gains are 0). */
export function randomHsv(img: RgbImage, rng: Rng, gains: HsvGains): void {
  if (!gains.h && !gains.s && !gains.v) return;
  applyHsvMultipliers(img, drawHsvMultipliers(rng, gains));
}
