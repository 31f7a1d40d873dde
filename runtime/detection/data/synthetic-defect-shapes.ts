/**
 * The four defect classes of the synthetic data, each drawn onto a float RGB surface with its
 * tight box measured from what was actually drawn. They are made to differ in what a detector
 * can see, as real ones do:
 *   scratch — long, thin, straight or slightly curved, BRIGHT (a specular line);
 *   crack   — jagged, branching, thicker, DARK;
 *   stain   — a soft, irregular, COLOURED blob (rust, oil, coffee);
 *   dent    — a round depression: a shadow on the side away from the light and a highlight
 *             opposite, no colour change.
 * Size, angle, contrast and shape vary within each class. Sizes scale with the image side.
 */
import type { Rng } from "../../util/random.js";
import type { PixelBox } from "./boxes.js";
import type { FloatRgb } from "./synthetic-textures.js";

export const DEFECT_CLASSES = ["scratch", "crack", "stain", "dent"] as const;
export type DefectClass = (typeof DEFECT_CLASSES)[number];

/** A rendered defect before it is composited: coverage/effect plus its box. */
export interface DefectDraft {
  cls: number;
  box: PixelBox;
  /** Composite onto the surface. */
  apply(surface: FloatRgb): void;
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** Coverage mask for the whole image plus the bounding box of pixels ≥ threshold. */
class Mask {
  readonly a: Float32Array;
  /** The region written so far (inclusive), so bbox() scans only that. */
  private rx0 = Infinity;
  private ry0 = Infinity;
  private rx1 = -Infinity;
  private ry1 = -Infinity;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.a = new Float32Array(width * height);
  }

  touch(xa: number, ya: number, xb: number, yb: number): void {
    this.rx0 = Math.min(this.rx0, xa);
    this.ry0 = Math.min(this.ry0, ya);
    this.rx1 = Math.max(this.rx1, xb);
    this.ry1 = Math.max(this.ry1, yb);
  }

  /** Anti-aliased thick segment (distance to pixel centres), max-combined. */
  segment(x0: number, y0: number, x1: number, y1: number, w0: number, w1 = w0): void {
    const pad = Math.max(w0, w1) / 2 + 1.5;
    const xa = Math.max(0, Math.floor(Math.min(x0, x1) - pad));
    const xb = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + pad));
    const ya = Math.max(0, Math.floor(Math.min(y0, y1) - pad));
    const yb = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + pad));
    this.touch(xa, ya, xb, yb);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy || 1e-9;
    for (let y = ya; y <= yb; y++) {
      for (let x = xa; x <= xb; x++) {
        const px = x + 0.5 - x0;
        const py = y + 0.5 - y0;
        const t = Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
        const ex = px - t * dx;
        const ey = py - t * dy;
        const half = (w0 + (w1 - w0) * t) / 2;
        const cov = Math.max(0, Math.min(1, half + 0.5 - Math.sqrt(ex * ex + ey * ey)));
        const i = y * this.width + x;
        if (cov > this.a[i]) this.a[i] = cov;
      }
    }
  }

  bbox(threshold: number, cls: number): PixelBox | undefined {
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity; // prettier-ignore
    for (let y = Math.max(0, this.ry0); y <= Math.min(this.height - 1, this.ry1); y++) {
      for (let x = Math.max(0, this.rx0); x <= Math.min(this.width - 1, this.rx1); x++) {
        if (this.a[y * this.width + x] >= threshold) {
          if (x < x1) x1 = x;
          if (x > x2) x2 = x;
          if (y < y1) y1 = y;
          if (y > y2) y2 = y;
        }
      }
    }
    return x2 < x1 ? undefined : { cls, x1, y1, x2: x2 + 1, y2: y2 + 1 };
  }
}

/** A small seeded value-noise function in [0, 1] with cells of `cell` pixels (hash lattice). */
function valueNoiseAt(rng: Rng, cell: number): (x: number, y: number) => number {
  const seed = rng.nextUint32();
  const lattice = (i: number, j: number) => {
    let h = Math.imul(i, 0x27d4eb2d) ^ Math.imul(j, 0x165667b1) ^ seed;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
  };
  return (x, y) => {
    const fx = x / cell;
    const fy = y / cell;
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const tx = fx - i;
    const ty = fy - j;
    const sx = tx * tx * (3 - 2 * tx);
    const sy = ty * ty * (3 - 2 * ty);
    const a = lattice(i, j);
    const b = lattice(i + 1, j);
    const c = lattice(i, j + 1);
    const d = lattice(i + 1, j + 1);
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

/** Blend every covered pixel toward `target` by coverage × strength. */
function blendToward(
  surface: FloatRgb,
  mask: Mask,
  target: readonly [number, number, number],
  strength: number,
): void {
  const d = surface.data;
  for (let i = 0; i < mask.a.length; i++) {
    const a = mask.a[i] * strength;
    if (a <= 0) continue;
    d[i * 3] += (target[0] - d[i * 3]) * a;
    d[i * 3 + 1] += (target[1] - d[i * 3 + 1]) * a;
    d[i * 3 + 2] += (target[2] - d[i * 3 + 2]) * a;
  }
}

/** Scratch: a long, thin, bright line with tapered ends, straight or gently bowed. */
export function drawScratch(
  rng: Rng,
  w: number,
  h: number,
  cx: number,
  cy: number,
  s: number,
): DefectDraft | undefined {
  const length = uniform(rng, 0.25, 0.55) * Math.min(w, h);
  // Keep away from the axes so the box is never a sliver (IoU on 2-px-tall boxes is noise).
  const angle = ((uniform(rng, 18, 72) + 90 * rng.int(4)) * Math.PI) / 180;
  const width = uniform(rng, 1.0, 1.8) * s;
  const bow = uniform(rng, -0.08, 0.08) * length;
  const ux = Math.cos(angle), uy = Math.sin(angle); // prettier-ignore
  const x0 = cx - (ux * length) / 2, y0 = cy - (uy * length) / 2; // prettier-ignore
  const mask = new Mask(w, h);
  const steps = 16;
  let px = x0, py = y0; // prettier-ignore
  for (let k = 1; k <= steps; k++) {
    const t = k / steps;
    const off = bow * 4 * t * (1 - t);
    const nx = x0 + ux * length * t - uy * off;
    const ny = y0 + uy * length * t + ux * off;
    const taper = (u: number) => Math.max(0.35, Math.pow(Math.sin(Math.PI * u), 0.4));
    mask.segment(px, py, nx, ny, width * taper((k - 1) / steps), width * taper(t));
    px = nx;
    py = ny;
  }
  const box = mask.bbox(0.35, 0);
  if (!box) return undefined;
  const strength = uniform(rng, 0.6, 0.9);
  const tone = uniform(rng, 225, 255);
  return { cls: 0, box, apply: (surf) => blendToward(surf, mask, [tone, tone, tone], strength) };
}

/** Crack: a dark jagged path with a random walk around a main direction, and short branches. */
export function drawCrack(
  rng: Rng,
  w: number,
  h: number,
  cx: number,
  cy: number,
  s: number,
): DefectDraft | undefined {
  const mask = new Mask(w, h);
  const main = uniform(rng, 0, 2 * Math.PI);
  const steps = 7 + rng.int(8);
  const stepLen = uniform(rng, 3.5, 5.5) * s;
  const width = uniform(rng, 1.6, 2.6) * s;
  // Walk both ways from the centre so (cx, cy) is the crack's middle.
  const walk = (
    dir: number,
    n: number,
    x: number,
    y: number,
    wStart: number,
    branches: boolean,
  ) => {
    const pts: [number, number][] = [[x, y]];
    for (let k = 0; k < n; k++) {
      const a = dir + uniform(rng, -0.75, 0.75);
      const len = stepLen * uniform(rng, 0.7, 1.3);
      const nx = pts[pts.length - 1][0] + Math.cos(a) * len;
      const ny = pts[pts.length - 1][1] + Math.sin(a) * len;
      const w0 = wStart * (1 - (0.7 * k) / n);
      const w1 = wStart * (1 - (0.7 * (k + 1)) / n);
      mask.segment(
        pts[pts.length - 1][0],
        pts[pts.length - 1][1],
        nx,
        ny,
        Math.max(0.8 * s, w0),
        Math.max(0.8 * s, w1),
      );
      pts.push([nx, ny]);
    }
    if (branches && n > 3 && rng.next() < 0.7) {
      const at = pts[1 + rng.int(pts.length - 2)];
      const side = rng.next() < 0.5 ? -1 : 1;
      walkBranch(dir + side * uniform(rng, 0.5, 1.1), 2 + rng.int(4), at[0], at[1], wStart * 0.6);
    }
  };
  const walkBranch = (dir: number, n: number, x: number, y: number, wStart: number) =>
    walk(dir, n, x, y, wStart, false);
  const half = Math.ceil(steps / 2);
  walk(main, half, cx, cy, width, true);
  walk(main + Math.PI, steps - half, cx, cy, width, true);
  const box = mask.bbox(0.35, 1);
  if (!box) return undefined;
  const strength = uniform(rng, 0.75, 0.95);
  const tone = uniform(rng, 5, 35);
  return {
    cls: 1,
    box,
    apply: (surf) => blendToward(surf, mask, [tone, tone * 0.95, tone * 0.9], strength),
  };
}

const STAIN_COLORS: readonly [number, number, number][] = [
  [150, 72, 28], // rust
  [58, 48, 36], // oil
  [112, 70, 38], // coffee
  [176, 148, 52], // dried yellow residue
  [70, 88, 40], // green-grey mould
];

/** Stain: an irregular soft-edged blob of a colour, mottled, sometimes with a darker rim. */
export function drawStain(
  rng: Rng,
  w: number,
  h: number,
  cx: number,
  cy: number,
  s: number,
): DefectDraft | undefined {
  const r = uniform(rng, 7, 20) * s;
  const aspect = uniform(rng, 0.6, 1);
  const rot = uniform(rng, 0, Math.PI);
  // Radius wobble: a few low harmonics with random phases.
  const harmonics = [2, 3, 5].map((k) => ({
    k,
    amp: uniform(rng, 0, 0.12),
    ph: uniform(rng, 0, 2 * Math.PI),
  }));
  const base = STAIN_COLORS[rng.int(STAIN_COLORS.length)];
  const color: [number, number, number] = [
    base[0] * uniform(rng, 0.85, 1.15),
    base[1] * uniform(rng, 0.85, 1.15),
    base[2] * uniform(rng, 0.85, 1.15),
  ];
  const opacity = uniform(rng, 0.55, 0.85);
  const rim = rng.next() < 0.4;
  const mask = new Mask(w, h);
  const reach = r * 1.5 + 2;
  const cosR = Math.cos(rot), sinR = Math.sin(rot); // prettier-ignore
  const mottle = valueNoiseAt(rng, 2.5 * s);
  mask.touch(
    Math.floor(cx - reach),
    Math.floor(cy - reach),
    Math.ceil(cx + reach),
    Math.ceil(cy + reach),
  );
  for (
    let y = Math.max(0, Math.floor(cy - reach));
    y <= Math.min(h - 1, Math.ceil(cy + reach));
    y++
  ) {
    for (
      let x = Math.max(0, Math.floor(cx - reach));
      x <= Math.min(w - 1, Math.ceil(cx + reach));
      x++
    ) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const lx = dx * cosR + dy * sinR;
      const ly = (-dx * sinR + dy * cosR) / aspect;
      const dist = Math.sqrt(lx * lx + ly * ly);
      const theta = Math.atan2(ly, lx);
      let rr = r;
      for (const hm of harmonics) rr *= 1 + hm.amp * Math.sin(hm.k * theta + hm.ph);
      const edge = Math.max(0, Math.min(1, (rr - dist) / (1.5 * s) + 0.5));
      if (edge <= 0) continue;
      const m = 0.75 + 0.25 * mottle(x, y);
      const ring = rim && dist > rr - 2 * s ? 1.2 : 1;
      mask.a[y * w + x] = Math.min(1, edge * m * ring);
    }
  }
  const box = mask.bbox(0.3, 2);
  if (!box) return undefined;
  return { cls: 2, box, apply: (surf) => blendToward(surf, mask, color, opacity) };
}

/** Dent: a smooth elliptical bowl lit from one side — shadow on the near wall, highlight opposite. */
export function drawDent(
  rng: Rng,
  w: number,
  h: number,
  cx: number,
  cy: number,
  s: number,
): DefectDraft | undefined {
  const rx = uniform(rng, 6, 15) * s;
  const ry = rx * uniform(rng, 0.7, 1);
  const rot = uniform(rng, 0, Math.PI);
  const light = uniform(rng, 0, 2 * Math.PI);
  const lx = Math.cos(light), ly = Math.sin(light); // prettier-ignore
  const k = uniform(rng, 55, 85);
  const cosR = Math.cos(rot), sinR = Math.sin(rot); // prettier-ignore
  const effect = new Float32Array(w * h);
  const support = new Mask(w, h);
  const reach = Math.max(rx, ry) + 2;
  support.touch(
    Math.floor(cx - reach),
    Math.floor(cy - reach),
    Math.ceil(cx + reach),
    Math.ceil(cy + reach),
  );
  // Bowl depth (1 − u²)²: its slope is −4u(1 − u²) along the radius, largest at u = 1/√3.
  for (
    let y = Math.max(0, Math.floor(cy - reach));
    y <= Math.min(h - 1, Math.ceil(cy + reach));
    y++
  ) {
    for (
      let x = Math.max(0, Math.floor(cx - reach));
      x <= Math.min(w - 1, Math.ceil(cx + reach));
      x++
    ) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const ex = (dx * cosR + dy * sinR) / rx;
      const ey = (-dx * sinR + dy * cosR) / ry;
      const u = Math.sqrt(ex * ex + ey * ey);
      if (u >= 1) continue;
      // Direction of the radius in image space (approximate for ellipses; fine for shading).
      const len = Math.sqrt(dx * dx + dy * dy) || 1;
      const slope = (4 * u * (1 - u * u)) / 1.54; // normalised to a peak of 1
      // Walls facing the light brighten: the far wall's inward normal points toward the light.
      const facing = -(dx / len) * lx - (dy / len) * ly;
      effect[y * w + x] = k * slope * facing;
      support.a[y * w + x] = Math.abs(slope * facing) >= 0.12 || u < 0.8 ? 1 : 0;
    }
  }
  const box = support.bbox(0.5, 3);
  if (!box) return undefined;
  return {
    cls: 3,
    box,
    apply: (surf) => {
      const d = surf.data;
      for (let i = 0; i < effect.length; i++) {
        const e = effect[i];
        if (e === 0) continue;
        d[i * 3] += e;
        d[i * 3 + 1] += e;
        d[i * 3 + 2] += e;
      }
    },
  };
}

export const DEFECT_DRAWERS = [drawScratch, drawCrack, drawStain, drawDent] as const;
