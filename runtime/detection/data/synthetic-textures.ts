/**
 * Procedural surface textures for the synthetic defect data: brushed metal, woven fabric, wood
 * grain and painted plastic, from seeded value noise. Rendered as float RGB (0..255, interleaved)
 * so defects can be composited before the final quantisation. Textures are kept low in
 * contrast and free of thin dark/bright lines, so that nothing in the background looks like a
 * defect.
 */
import type { Rng } from "../../util/random.js";

export type TextureKind = "metal" | "fabric" | "wood" | "plastic";
export const TEXTURE_KINDS: readonly TextureKind[] = ["metal", "fabric", "wood", "plastic"];

/** Float RGB image, interleaved, values nominally in 0..255. */
export interface FloatRgb {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Value noise with smoothstep interpolation on a lattice of cells `cellX × cellY` pixels,
 * in [0, 1]. Anisotropic cells give brushed streaks.
 */
export function valueNoise(
  rng: Rng,
  width: number,
  height: number,
  cellX: number,
  cellY = cellX,
): Float32Array {
  const gw = Math.ceil(width / cellX) + 2;
  const gh = Math.ceil(height / cellY) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const out = new Float32Array(width * height);
  const ox = rng.next() * cellX;
  const oy = rng.next() * cellY;
  for (let y = 0; y < height; y++) {
    const fy = (y + oy) / cellY;
    const gy = Math.floor(fy);
    let ty = fy - gy;
    ty = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < width; x++) {
      const fx = (x + ox) / cellX;
      const gx = Math.floor(fx);
      let tx = fx - gx;
      tx = tx * tx * (3 - 2 * tx);
      const a = grid[gy * gw + gx];
      const b = grid[gy * gw + gx + 1];
      const c = grid[(gy + 1) * gw + gx];
      const d = grid[(gy + 1) * gw + gx + 1];
      out[y * width + x] = a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
    }
  }
  return out;
}

/** Fractal sum of value noise octaves, normalised to [0, 1]. */
export function fbm(
  rng: Rng,
  width: number,
  height: number,
  cell: number,
  octaves: number,
  aspect = 1,
): Float32Array {
  const out = new Float32Array(width * height);
  let amp = 1;
  let total = 0;
  let c = cell;
  for (let o = 0; o < octaves; o++) {
    const n = valueNoise(rng, width, height, Math.max(1, c * aspect), Math.max(1, c));
    for (let i = 0; i < out.length; i++) out[i] += amp * n[i];
    total += amp;
    amp *= 0.5;
    c /= 2;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] =
    hp < 1
      ? [c, x, 0]
      : hp < 2
        ? [x, c, 0]
        : hp < 3
          ? [0, c, x]
          : hp < 4
            ? [0, x, c]
            : hp < 5
              ? [x, 0, c]
              : [c, 0, x];
  const m = v - c;
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** Render a texture of the given kind. */
export function renderTexture(
  rng: Rng,
  kind: TextureKind,
  width: number,
  height: number,
): FloatRgb {
  const n = width * height;
  const data = new Float32Array(n * 3);
  const s = Math.max(width, height) / 160; // feature sizes scale with the image
  let base: [number, number, number];
  let shade: Float32Array;
  let amp: number;
  if (kind === "metal") {
    const v = uniform(rng, 0.52, 0.75);
    base = hsvToRgb(uniform(rng, 190, 230), uniform(rng, 0.02, 0.1), v);
    // Brushed: long streaks along one axis plus fine grain.
    const streak = fbm(rng, width, height, 3 * s, 3, 12);
    const grain = valueNoise(rng, width, height, 1.5 * s);
    const broad = fbm(rng, width, height, 60 * s, 2);
    shade = new Float32Array(n);
    for (let i = 0; i < n; i++) shade[i] = 0.55 * streak[i] + 0.15 * grain[i] + 0.3 * broad[i];
    if (rng.next() < 0.5) shade = transpose(shade, width, height);
    amp = 34;
  } else if (kind === "fabric") {
    base = hsvToRgb(uniform(rng, 0, 360), uniform(rng, 0.15, 0.45), uniform(rng, 0.45, 0.7));
    const period = uniform(rng, 3, 4.5) * s;
    const fibres = fbm(rng, width, height, 8 * s, 3);
    shade = new Float32Array(n);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        // Plain weave: in alternate cells the warp (vertical) or the weft thread lies on top.
        const warp = 0.5 + 0.5 * Math.sin((2 * Math.PI * x) / period);
        const weft = 0.5 + 0.5 * Math.sin((2 * Math.PI * y) / period);
        const onTop = (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0 ? warp : weft;
        shade[y * width + x] = 0.5 * onTop + 0.5 * fibres[y * width + x];
      }
    }
    amp = 30;
  } else if (kind === "wood") {
    base = hsvToRgb(uniform(rng, 20, 38), uniform(rng, 0.35, 0.6), uniform(rng, 0.55, 0.8));
    const warp = fbm(rng, width, height, 40 * s, 3);
    const fine = fbm(rng, width, height, 4 * s, 2, 8);
    const freq = uniform(rng, 0.06, 0.12) / s;
    shade = new Float32Array(n);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        // Smooth rings (a sine, not sharp lines) bent by low-frequency noise.
        const ring = 0.5 + 0.5 * Math.sin(2 * Math.PI * freq * (y + 25 * s * warp[i]));
        shade[i] = 0.6 * ring + 0.4 * fine[i];
      }
    }
    if (rng.next() < 0.5) shade = transpose(shade, width, height);
    amp = 36;
  } else {
    base = hsvToRgb(uniform(rng, 0, 360), uniform(rng, 0.1, 0.5), uniform(rng, 0.5, 0.8));
    shade = fbm(rng, width, height, 50 * s, 3);
    amp = 22;
  }
  // A gentle lighting gradient across the part.
  const gx = uniform(rng, -1, 1);
  const gy = uniform(rng, -1, 1);
  const glow = uniform(rng, 6, 18);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const light = glow * (gx * (x / width - 0.5) + gy * (y / height - 0.5));
      const d = amp * (shade[i] - 0.5) + light;
      data[i * 3] = base[0] + d;
      data[i * 3 + 1] = base[1] + d;
      data[i * 3 + 2] = base[2] + d;
    }
  }
  return { width, height, data };
}

function transpose(a: Float32Array, width: number, height: number): Float32Array {
  // Only used on square images, where the transpose keeps the size.
  if (width !== height) return a;
  const out = new Float32Array(a.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) out[x * height + y] = a[y * width + x];
  return out;
}
