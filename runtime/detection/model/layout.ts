/**
 * The detector's layout, written once and walked twice: with channel counts (to list the
 * parameters and their shapes) and with tensors (the forward pass). YOLOv8's yolov8.yaml:
 *
 *   backbone  P1 Conv s2 · P2 Conv s2 + C2f · P3 Conv s2 + C2f · P4 Conv s2 + C2f · P5 Conv s2 + C2f · SPPF
 *   neck      up(P5) ⊕ P4 → C2f · up ⊕ P3 → C2f (out P3) · Conv s2 ⊕ → C2f (out P4) · Conv s2 ⊕ SPPF → C2f (out P5)
 *   head      per level: box branch Conv3 · Conv3 · 1×1 → 4 (ltrb); class branch Conv3 · Conv3 · 1×1 → nc
 *
 * One deliberate difference: C2f's first 1×1 conv (Ultralytics: one conv to 2c channels, then
 * `chunk(2)`) is two convs to c channels each — the same function and parameter count, without
 * a split copy per block.
 */
import { headWidths, type DetectorModelConfig } from "./config.js";

/** What a walk does at each layer; X is a channel count or a tensor. */
export interface LayoutOps<X> {
  /** conv k×k (stride s, padding k/2, no bias) → BatchNorm → SiLU. */
  conv(name: string, x: X, outChannels: number, k: number, s: number): X;
  /** Plain 1×1 conv with bias (the head's outputs); `role` picks the bias initialisation. */
  output(name: string, x: X, outChannels: number, role: "box" | "cls", stride: number): X;
  add(a: X, b: X): X;
  concat(xs: X[]): X;
  upsample(x: X): X;
  /** 5×5 max pool, stride 1, padding 2 (SPPF). */
  maxPool(x: X): X;
}

export interface HeadOutputs<X> {
  /** Per level (P3, P4, P5): box distances [B, 4, H, W] and class logits [B, nc, H, W]. */
  box: X[];
  cls: X[];
}

function c2f<X>(o: LayoutOps<X>, name: string, x: X, c2: number, n: number, shortcut: boolean): X {
  const c = Math.floor(c2 / 2);
  const a = o.conv(`${name}.cv1a`, x, c, 1, 1);
  let y = o.conv(`${name}.cv1b`, x, c, 1, 1);
  const parts = [a, y];
  for (let i = 0; i < n; i++) {
    const t = o.conv(`${name}.m${i}.cv1`, y, c, 3, 1);
    let u = o.conv(`${name}.m${i}.cv2`, t, c, 3, 1);
    if (shortcut) u = o.add(y, u);
    parts.push(u);
    y = u;
  }
  return o.conv(`${name}.cv2`, o.concat(parts), c2, 1, 1);
}

function sppf<X>(o: LayoutOps<X>, name: string, x: X, c1: number, c2: number): X {
  const c = Math.floor(c1 / 2);
  const y0 = o.conv(`${name}.cv1`, x, c, 1, 1);
  const y1 = o.maxPool(y0);
  const y2 = o.maxPool(y1);
  const y3 = o.maxPool(y2);
  return o.conv(`${name}.cv2`, o.concat([y0, y1, y2, y3]), c2, 1, 1);
}

/** Walks the whole network from the input image. */
export function walkDetector<X>(o: LayoutOps<X>, c: DetectorModelConfig, input: X): HeadOutputs<X> {
  const [w1, w2, w3, w4, w5] = c.widths;
  const [d2, d3, d4, d5] = c.depths;
  const n = c.neckDepth;
  // Backbone
  const p1 = o.conv("backbone.p1", input, w1, 3, 2);
  const p2 = c2f(o, "backbone.p2.c2f", o.conv("backbone.p2.conv", p1, w2, 3, 2), w2, d2, true);
  const p3 = c2f(o, "backbone.p3.c2f", o.conv("backbone.p3.conv", p2, w3, 3, 2), w3, d3, true);
  const p4 = c2f(o, "backbone.p4.c2f", o.conv("backbone.p4.conv", p3, w4, 3, 2), w4, d4, true);
  const p5 = c2f(o, "backbone.p5.c2f", o.conv("backbone.p5.conv", p4, w5, 3, 2), w5, d5, true);
  const sp = sppf(o, "backbone.sppf", p5, w5, w5);
  // PAN neck
  const td4 = c2f(o, "neck.td4", o.concat([o.upsample(sp), p4]), w4, n, false);
  const out3 = c2f(o, "neck.td3", o.concat([o.upsample(td4), p3]), w3, n, false);
  const out4 = c2f(
    o,
    "neck.bu4",
    o.concat([o.conv("neck.down3", out3, w3, 3, 2), td4]),
    w4,
    n,
    false,
  );
  const out5 = c2f(
    o,
    "neck.bu5",
    o.concat([o.conv("neck.down4", out4, w4, 3, 2), sp]),
    w5,
    n,
    false,
  );
  // Decoupled head
  const { box: cb, cls: cc } = headWidths(c);
  const nc = c.names.length;
  const box: X[] = [];
  const cls: X[] = [];
  [out3, out4, out5].forEach((x, i) => {
    const stride = 8 << i;
    const name = `head.p${i + 3}`;
    const b = o.conv(`${name}.box1`, o.conv(`${name}.box0`, x, cb, 3, 1), cb, 3, 1);
    box.push(o.output(`${name}.box2`, b, 4, "box", stride));
    const k = o.conv(`${name}.cls1`, o.conv(`${name}.cls0`, x, cc, 3, 1), cc, 3, 1);
    cls.push(o.output(`${name}.cls2`, k, nc, "cls", stride));
  });
  return { box, cls };
}
