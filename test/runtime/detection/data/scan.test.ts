import { mkdirSync, mkdtempSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import jpeg from "jpeg-js";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../../../runtime/image/encode.js";
import { createImage } from "../../../../runtime/image/rgb-image.js";
import { loadDatasetYaml } from "../../../../runtime/detection/data/dataset-yaml.js";
import {
  formatScanSummary,
  scanDataset,
  scanSplit,
} from "../../../../runtime/detection/data/scan.js";
import { isPipeError } from "../../../../compiler/diagnostics/pipe-error.js";

const png = (w = 32, h = 24) => encodePng(createImage(w, h, [90, 120, 150]));
function jpg(w = 32, h = 24): Buffer {
  return jpeg.encode({ width: w, height: h, data: Buffer.alloc(w * h * 4, 128) }, 90).data;
}

/**
 * A small dataset with one of every kind of problem. Good images are named good_*, bad ones
 * bad_*; `expected` lists what the scan must say about each bad one.
 */
function buildDataset(): { root: string; yamlPath: string } {
  const root = mkdtempSync(join(tmpdir(), "pw-scan-"));
  const put = (rel: string, data: Buffer | string) => {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  };
  const img = (name: string, data: Buffer = png()) => put(`images/train/${name}`, data);
  const lbl = (name: string, text: string) => put(`labels/train/${name}`, text);
  // Good images.
  img("good_a.png");
  lbl("good_a.txt", "0 0.5 0.5 0.2 0.2\n2 0.25 0.25 0.1 0.1\n");
  img("good_b.jpg", jpg());
  lbl("good_b.txt", "1 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.1 0.1\n"); // 2 duplicates
  img("good_missing_label.png");
  img("good_empty_label.png");
  lbl("good_empty_label.txt", "");
  img("good_polygon.png");
  lbl("good_polygon.txt", "2 0.1 0.1 0.4 0.1 0.4 0.3 0.1 0.3\n");
  img("good_zero_size.png");
  lbl("good_zero_size.txt", "0 0.5 0.5 0 0.2\n1 0.3 0.3 0.1 0.1\n");
  img("good_tolerance.png");
  lbl("good_tolerance.txt", "0 0.95 0.5 0.1001 0.2\n");
  img("sub/deeper/good_nested.png", png(10, 10));
  put("labels/train/sub/deeper/good_nested.txt", "0 0.5 0.5 1 1\n");
  img("good_is_png_named_jpg.jpg", png());
  lbl("good_is_png_named_jpg.txt", "0 0.5 0.5 0.5 0.5\n");
  // Bad images.
  const p = png(40, 40);
  img("bad_corrupt.png", p.subarray(0, p.length - 30));
  lbl("bad_corrupt.txt", "0 0.5 0.5 0.2 0.2\n");
  const j = jpg(40, 40);
  img("bad_truncated.jpg", j.subarray(0, Math.floor(j.length * 0.6)));
  img("bad_tiny.png", png(9, 30));
  img("bad_format.bmp", Buffer.concat([Buffer.from("BM"), Buffer.alloc(100)]));
  img("bad_text.jpg", Buffer.from("this is not a jpeg"));
  // Good images with bad labels.
  img("bad_4col.png");
  lbl("bad_4col.txt", "0 0.5 0.5 0.2\n");
  img("bad_nonnumeric.png");
  lbl("bad_nonnumeric.txt", "0 0.5 0.5 0.2 0.2\n1 x 0.5 0.2 0.2\n");
  img("bad_range.png");
  lbl("bad_range.txt", "0 0.5 1.7 0.2 0.2\n");
  img("bad_class.png");
  lbl("bad_class.txt", "3 0.5 0.5 0.2 0.2\n");
  img("bad_label_dir.png");
  mkdirSync(join(root, "labels/train/bad_label_dir.txt"), { recursive: true });
  // Validation split: map names and a .txt list with a missing entry.
  put("images/val/v1.png", png());
  put("labels/val/v1.txt", "2 0.5 0.5 0.3 0.3\n");
  put("val.txt", "./images/val/v1.png\nimages/val/gone.png\nnotes.md\n");
  put(
    "dataset.yaml",
    "train: images/train\nval: val.txt\nnc: 3\nnames:\n  0: scratch\n  1: crack\n  2: stain\n",
  );
  return { root, yamlPath: join(root, "dataset.yaml") };
}

const expectedDrops: Record<string, string> = {
  "images/train/bad_corrupt.png": "PW7011",
  "images/train/bad_truncated.jpg": "PW7012",
  "images/train/bad_tiny.png": "PW7013",
  "images/train/bad_format.bmp": "PW7014",
  "images/train/bad_text.jpg": "PW7011",
  "labels/train/bad_4col.txt": "PW7021",
  "labels/train/bad_nonnumeric.txt": "PW7022",
  "labels/train/bad_range.txt": "PW7023",
  "labels/train/bad_class.txt": "PW7024",
  "labels/train/bad_label_dir.txt": "PW7020",
};

describe("scanning a YOLO split", () => {
  let root: string;
  let yamlPath: string;
  beforeAll(() => ({ root, yamlPath } = buildDataset()));

  it("keeps every good image and drops every bad one, each with its path and reason", async () => {
    const config = loadDatasetYaml(yamlPath);
    const { items, report } = await scanSplit(config.train, { nc: config.nc, split: "train" });
    const kept = items.map((i) => i.imagePath.slice(root.length + 1)).sort();
    expect(kept).toEqual(
      [
        "good_a.png",
        "good_b.jpg",
        "good_empty_label.png",
        "good_is_png_named_jpg.jpg",
        "good_missing_label.png",
        "good_polygon.png",
        "good_tolerance.png",
        "good_zero_size.png",
        "sub/deeper/good_nested.png",
      ].map((n) => `images/train/${n}`),
    );
    expect(report.images).toBe(9 + 10);
    expect(report.kept).toBe(9);
    expect(report.corrupt).toBe(10);
    for (const [rel, code] of Object.entries(expectedDrops)) {
      const issue = report.issues.find((i) => i.path === join(root, rel));
      expect(issue, rel).toBeDefined();
      expect(issue!.code, rel).toBe(code);
      expect(issue!.message.length, rel).toBeGreaterThan(10);
    }
    expect(report.droppedByCode).toEqual({
      PW7011: 2,
      PW7012: 1,
      PW7013: 1,
      PW7014: 1,
      PW7020: 1,
      PW7021: 1,
      PW7022: 1,
      PW7023: 1,
      PW7024: 1,
    });
    // Row-level problems carry the line.
    expect(report.issues.find((i) => i.path.endsWith("bad_nonnumeric.txt"))).toMatchObject({
      line: 2,
    });
  });

  it("counts labels found, missing and empty, duplicates and cleaned rows", async () => {
    const config = loadDatasetYaml(yamlPath);
    const { items, report } = await scanSplit(config.train, { nc: config.nc, split: "train" });
    // Labels are only looked at once the image itself is good.
    expect(report.labelsMissing).toBe(1);
    // 8 good images with label files + 4 whose labels parse badly (an unreadable one is not "found").
    expect(report.labelsFound).toBe(8 + 4);
    expect(report.labelsEmpty).toBe(1);
    expect(report.duplicatesRemoved).toBe(2);
    expect(report.zeroSizeRemoved).toBe(1);
    expect(report.segmentsConverted).toBe(1);
    expect(report.backgrounds).toBe(2);
    const b = items.find((i) => i.imagePath.endsWith("good_b.jpg"))!;
    expect(b.boxes).toHaveLength(2);
    expect(report.boxes).toBe(items.reduce((n, i) => n + i.boxes.length, 0));
    expect(report.boxesPerClass.reduce((a, c) => a + c, 0)).toBe(report.boxes);
    const missing = report.issues.filter((i) => i.code === "PW7027");
    expect(missing.map((i) => i.path)).toEqual([join(root, "labels/train/good_missing_label.txt")]);
    expect(report.issues.filter((i) => i.code === "PW7028").map((i) => i.path)).toEqual([
      join(root, "labels/train/good_empty_label.txt"),
    ]);
    expect(formatScanSummary(report)).toMatch(
      /^train: 19 images, 9 kept, .* 10 corrupt, 2 duplicate rows removed/,
    );
  });

  it("reads .txt image lists and reports entries that are missing or not images", async () => {
    const config = loadDatasetYaml(yamlPath);
    const { items, report } = await scanSplit(config.val, { nc: 3, split: "val" });
    expect(items.map((i) => i.imagePath)).toEqual([join(root, "images/val/v1.png")]);
    expect(report.corrupt).toBe(1);
    expect(report.issues).toContainEqual({
      code: "PW7010",
      path: join(root, "images/val/gone.png"),
      message: "cannot read image: file not found",
    });
    expect(report.issues.find((i) => i.code === "PW7014")).toMatchObject({
      path: join(root, "val.txt"),
      line: 3,
    });
  });

  it("scans a whole dataset.yaml with map names", async () => {
    const config = loadDatasetYaml(yamlPath);
    expect(config.names).toEqual(["scratch", "crack", "stain"]);
    const r = await scanDataset(config);
    expect(Object.keys(r)).toEqual(["train", "val"]);
    expect(r.train!.report.kept).toBe(9);
    expect(r.val!.items[0].boxes).toEqual([{ cls: 2, xc: 0.5, yc: 0.5, w: 0.3, h: 0.3 }]);
  });

  it("caches the scan by file sizes and times, and rescans when a file changes", async () => {
    const config = loadDatasetYaml(yamlPath);
    const first = await scanSplit(config.train, { nc: 3, split: "train", cache: true });
    expect(first.report.fromCache).toBe(false);
    const cachePath = join(root, "labels/train.pipewright-cache.json");
    expect(existsSync(cachePath)).toBe(true);
    const second = await scanSplit(config.train, { nc: 3, split: "train", cache: true });
    expect(second.report.fromCache).toBe(true);
    expect(second.items).toEqual(first.items);
    expect({ ...second.report, fromCache: false }).toEqual(first.report);
    // A different nc is a different scan.
    expect(
      (await scanSplit(config.train, { nc: 4, split: "train", cache: true })).report.fromCache,
    ).toBe(false);
    // Fix a label: the cache must not hide it.
    const fixed = join(root, "labels/train/bad_class.txt");
    writeFileSync(fixed, "2 0.5 0.5 0.2 0.2\n");
    utimesSync(fixed, new Date(), new Date(Date.now() + 5000));
    const third = await scanSplit(config.train, { nc: 3, split: "train", cache: true });
    expect(third.report.fromCache).toBe(false);
    expect(third.report.kept).toBe(10);
    writeFileSync(fixed, "3 0.5 0.5 0.2 0.2\n");
  });

  it("notes an unusable cache and goes on", async () => {
    const config = loadDatasetYaml(yamlPath);
    const bad = join(root, "broken-cache.json");
    writeFileSync(bad, "{not json");
    const r = await scanSplit(config.train, { nc: 3, cache: bad });
    expect(r.report.issues.find((i) => i.code === "PW7030")).toMatchObject({ path: bad });
    // A cache path below a regular file cannot be created.
    const unwritable = await scanSplit(config.train, {
      nc: 3,
      cache: join(yamlPath, "sub", "cache.json"),
    });
    expect(unwritable.report.issues.some((i) => i.code === "PW7030")).toBe(true);
    expect(unwritable.report.kept).toBeGreaterThan(0);
  });

  it("throws a located PipeError for a split with no images or a missing source", async () => {
    const empty = mkdtempSync(join(tmpdir(), "pw-empty-"));
    await expect(scanSplit([empty], { nc: 1, split: "train" })).rejects.toSatisfy(
      (e: unknown) => isPipeError(e) && e.code === "PW7008" && e.place.path === empty,
    );
    await expect(scanSplit([join(empty, "nope")], { nc: 1 })).rejects.toSatisfy(
      (e: unknown) => isPipeError(e) && e.code === "PW7007",
    );
  });
});
