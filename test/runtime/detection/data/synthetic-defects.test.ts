import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRng } from "../../../../runtime/util/random.js";
import { DEFECT_DRAWERS } from "../../../../runtime/detection/data/synthetic-defect-shapes.js";
import {
  DEFECT_CLASSES,
  defectImageSeed,
  generateDefectDataset,
  renderDefectImage,
} from "../../../../runtime/detection/data/synthetic-defects.js";
import {
  renderTexture,
  TEXTURE_KINDS,
} from "../../../../runtime/detection/data/synthetic-textures.js";
import { loadDatasetYaml } from "../../../../runtime/detection/data/dataset-yaml.js";
import { scanDataset } from "../../../../runtime/detection/data/scan.js";
import { isPipeError } from "../../../../compiler/diagnostics/pipe-error.js";

/** Draw one defect of class `c` on a flat grey surface; return the box and the per-pixel change. */
function drawOnFlat(c: number, seed: number, size = 160) {
  const draft = DEFECT_DRAWERS[c](createRng(seed), size, size, size / 2, size / 2, size / 160)!;
  const surf = { width: size, height: size, data: new Float32Array(size * size * 3).fill(128) };
  draft.apply(surf);
  return { box: draft.box, cls: draft.cls, delta: surf.data.map((v) => v - 128) };
}

describe("defect shapes", () => {
  it("have tight boxes: what is visible lies within a pixel of the box, on every side", () => {
    for (let c = 0; c < 4; c++) {
      for (let seed = 0; seed < 12; seed++) {
        const { box, cls, delta } = drawOnFlat(c, 1000 * c + seed);
        expect(cls).toBe(c);
        let x1 = Infinity, y1 = Infinity, x2 = -1, y2 = -1; // prettier-ignore
        for (let p = 0; p < 160 * 160; p++) {
          const visible =
            Math.max(
              Math.abs(delta[p * 3]),
              Math.abs(delta[p * 3 + 1]),
              Math.abs(delta[p * 3 + 2]),
            ) >= 12;
          if (!visible) continue;
          const x = p % 160;
          const y = Math.floor(p / 160);
          x1 = Math.min(x1, x);
          y1 = Math.min(y1, y);
          x2 = Math.max(x2, x + 1);
          y2 = Math.max(y2, y + 1);
        }
        for (const [a, b] of [
          [x1, box.x1],
          [y1, box.y1],
          [x2, box.x2],
          [y2, box.y2],
        ])
          expect(Math.abs(a - b), `${DEFECT_CLASSES[c]} seed ${seed}`).toBeLessThanOrEqual(1);
        expect(box.x2 - box.x1).toBeGreaterThanOrEqual(3);
        expect(box.y2 - box.y1).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it("look different per class: bright lines, dark lines, coloured blobs, light-and-shadow bowls", () => {
    for (let seed = 0; seed < 10; seed++) {
      const sig = [0, 1, 2, 3].map((c) => {
        const { delta } = drawOnFlat(c, 77 + seed);
        let up = 0, down = 0, chroma = 0, n = 0; // prettier-ignore
        for (let p = 0; p < delta.length; p += 3) {
          const m = (delta[p] + delta[p + 1] + delta[p + 2]) / 3;
          if (Math.abs(m) < 8 && Math.abs(delta[p] - delta[p + 2]) < 8) continue;
          n++;
          if (m > 8) up++;
          if (m < -8) down++;
          chroma += Math.abs(delta[p] - delta[p + 2]) + Math.abs(delta[p + 1] - delta[p + 2]);
        }
        return { up: up / n, down: down / n, chroma: chroma / n, n };
      });
      const [scratch, crack, stain, dent] = sig;
      expect(scratch.up).toBeGreaterThan(0.9);
      expect(crack.down).toBeGreaterThan(0.9);
      expect(stain.chroma).toBeGreaterThan(8);
      expect(scratch.chroma + crack.chroma + dent.chroma).toBeLessThan(15);
      expect(Math.min(dent.up, dent.down)).toBeGreaterThan(0.2);
      // Thin lines cover far fewer pixels than blobs.
      expect(scratch.n).toBeLessThan(stain.n);
    }
  });
});

describe("defect images", () => {
  it("are deterministic for a seed and differ between seeds", () => {
    const a = renderDefectImage(createRng(5));
    const b = renderDefectImage(createRng(5));
    const c = renderDefectImage(createRng(6));
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.boxes).toEqual(b.boxes);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it("vary in count, include defect-free images, and never overlap", () => {
    const counts = new Map<number, number>();
    const classes = new Set<number>();
    for (let s = 0; s < 60; s++) {
      const { boxes, image } = renderDefectImage(createRng(s), { imgsz: 96 });
      expect(image.width).toBe(96);
      counts.set(boxes.length, (counts.get(boxes.length) ?? 0) + 1);
      boxes.forEach((b) => classes.add(b.cls));
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [p, q] = [boxes[i], boxes[j]];
          expect(
            Math.min(p.x2, q.x2) <= Math.max(p.x1, q.x1) ||
              Math.min(p.y2, q.y2) <= Math.max(p.y1, q.y1),
          ).toBe(true);
        }
    }
    expect(counts.get(0)).toBeGreaterThan(3);
    expect(counts.get(1)).toBeGreaterThan(10);
    expect(Math.max(...counts.keys())).toBeGreaterThanOrEqual(3);
    expect([...classes].sort()).toEqual([0, 1, 2, 3]);
    const none = renderDefectImage(createRng(1), { defectFreeFraction: 1 });
    expect(none.boxes).toEqual([]);
  });

  it("render every texture kind", () => {
    for (const kind of TEXTURE_KINDS) {
      const t = renderTexture(createRng(3), kind, 48, 48);
      let lo = Infinity, hi = -Infinity; // prettier-ignore
      for (let p = 0; p < t.data.length; p += 3) {
        const luma = (t.data[p] + t.data[p + 1] + t.data[p + 2]) / 3;
        lo = Math.min(lo, luma);
        hi = Math.max(hi, luma);
      }
      expect(hi - lo, kind).toBeGreaterThan(5);
      // Low contrast: nothing in the background should read as a defect.
      expect(hi - lo, kind).toBeLessThan(90);
    }
  });

  it("derive per-image seeds that keep splits and indices apart", () => {
    const seeds = new Set<number>();
    for (const split of ["train", "val", "test"] as const)
      for (let i = 0; i < 200; i++) seeds.add(defectImageSeed(42, split, i));
    expect(seeds.size).toBe(600);
    expect(defectImageSeed(42, "val", 3)).not.toBe(defectImageSeed(43, "val", 3));
  });
});

describe("defect dataset", () => {
  it("writes a YOLO dataset that loads and scans clean, byte-identically for a seed", async () => {
    const base = mkdtempSync(join(tmpdir(), "pw-defects-"));
    const opts = { seed: 42, train: 10, val: 4, imgsz: 64 };
    const a = await generateDefectDataset({ ...opts, outDir: join(base, "a") });
    const b = await generateDefectDataset({ ...opts, outDir: join(base, "b") });
    expect(a.names).toEqual(["scratch", "crack", "stain", "dent"]);
    expect(a.images).toEqual({ train: 10, val: 4, test: 0 });
    for (const rel of ["images/train", "labels/train", "images/val", "labels/val"]) {
      const files = readdirSync(join(base, "a", rel));
      expect(files).toEqual(readdirSync(join(base, "b", rel)));
      for (const f of files)
        expect(
          readFileSync(join(base, "a", rel, f)).equals(readFileSync(join(base, "b", rel, f))),
        ).toBe(true);
    }
    const config = loadDatasetYaml(a.yamlPath);
    expect(config.names).toEqual(a.names);
    const scans = await scanDataset(config);
    expect(scans.train!.report).toMatchObject({
      images: 10,
      kept: 10,
      corrupt: 0,
      labelsMissing: 0,
      duplicatesRemoved: 0,
    });
    expect(scans.train!.report.boxesPerClass).toEqual(a.boxesPerClass.train);
    expect(scans.val!.report.backgrounds).toBe(a.defectFree.val);
  });

  it("keeps validation images the same when the training set grows", async () => {
    const base = mkdtempSync(join(tmpdir(), "pw-defects-"));
    await generateDefectDataset({
      seed: 7,
      train: 2,
      val: 2,
      imgsz: 48,
      outDir: join(base, "small"),
    });
    await generateDefectDataset({
      seed: 7,
      train: 6,
      val: 2,
      imgsz: 48,
      outDir: join(base, "big"),
    });
    for (const f of readdirSync(join(base, "small/images/val"))) {
      expect(
        readFileSync(join(base, "small/images/val", f)).equals(
          readFileSync(join(base, "big/images/val", f)),
        ),
      ).toBe(true);
    }
  });

  it("regenerates into its own folder (no stale files) but refuses a foreign non-empty one", async () => {
    const base = mkdtempSync(join(tmpdir(), "pw-defects-"));
    const out = join(base, "d");
    await generateDefectDataset({ seed: 1, train: 5, val: 1, imgsz: 48, outDir: out });
    await generateDefectDataset({ seed: 1, train: 2, val: 1, imgsz: 48, outDir: out });
    expect(readdirSync(join(out, "images/train"))).toHaveLength(2);
    const foreign = join(base, "mine");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "precious.txt"), "keep me");
    await expect(
      generateDefectDataset({ seed: 1, train: 1, val: 1, outDir: foreign }),
    ).rejects.toSatisfy(
      (e: unknown) => isPipeError(e) && e.code === "PW7050" && e.place.path === foreign,
    );
    expect(existsSync(join(foreign, "precious.txt"))).toBe(true);
  });

  it("rejects bad options with PW7050 naming the option", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "pw-defects-")), "x");
    const bad: [object, RegExp][] = [
      [{ train: -1, val: 1 }, /`train`/],
      [{ train: 0, val: 0 }, /nothing to generate/],
      [{ train: 1, val: 1, imgsz: 8 }, /`imgsz`/],
      [{ train: 1, val: 1, defectFreeFraction: 2 }, /defectFreeFraction/],
      [{ train: 1, val: 1, maxDefects: 0 }, /maxDefects/],
      [{ train: 1, val: 1, textures: ["marble"] }, /unknown texture marble/],
      [{ train: 1, val: 1, seed: 1.5 }, /`seed`/],
    ];
    for (const [o, msg] of bad) {
      await expect(
        generateDefectDataset({ seed: 1, outDir: out, ...o } as never),
      ).rejects.toSatisfy(
        (e: unknown) => isPipeError(e) && e.code === "PW7050" && msg.test(e.message),
      );
    }
    expect(existsSync(out)).toBe(false);
  });
});
