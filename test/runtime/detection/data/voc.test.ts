import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../../../runtime/image/encode.js";
import { createImage } from "../../../../runtime/image/rgb-image.js";
import { formatVocXml, parseVocXml } from "../../../../runtime/detection/data/voc-xml.js";
import {
  convertVocToYolo,
  exportYoloToVoc,
  yoloToVocXml,
} from "../../../../runtime/detection/data/voc-convert.js";
import { loadDatasetYaml } from "../../../../runtime/detection/data/dataset-yaml.js";
import { scanDataset } from "../../../../runtime/detection/data/scan.js";
import { isPipeError } from "../../../../compiler/diagnostics/pipe-error.js";

function voc(
  filename: string,
  w: number,
  h: number,
  objects: { name: string; box: number[]; difficult?: number }[],
): string {
  const objs = objects
    .map(
      (
        o,
      ) => `  <object><name>${o.name}</name><pose>Unspecified</pose><truncated>0</truncated><difficult>${o.difficult ?? 0}</difficult>
    <bndbox><xmin>${o.box[0]}</xmin><ymin>${o.box[1]}</ymin><xmax>${o.box[2]}</xmax><ymax>${o.box[3]}</ymax></bndbox></object>`,
    )
    .join("\n");
  return `<?xml version="1.0"?>\n<annotation>\n  <folder>VOC</folder>\n  <filename>${filename}</filename>\n  <size><width>${w}</width><height>${h}</height><depth>3</depth></size>\n${objs}\n</annotation>\n`;
}

describe("VOC XML", () => {
  it("parses annotations, objects and the difficult flag", () => {
    const r = parseVocXml(
      voc("a.jpg", 200, 100, [
        { name: "crack", box: [11, 21, 60, 81] },
        { name: "dent", box: [100, 10, 150, 50], difficult: 1 },
      ]),
      "/x/a.xml",
    );
    expect(r.issues).toEqual([]);
    expect(r.annotation).toMatchObject({ filename: "a.jpg", width: 200, height: 100, depth: 3 });
    expect(r.annotation!.objects).toEqual([
      { name: "crack", difficult: false, truncated: false, xmin: 11, ymin: 21, xmax: 60, ymax: 81 },
      { name: "dent", difficult: true, truncated: false, xmin: 100, ymin: 10, xmax: 150, ymax: 50 },
    ]);
  });

  it("names the XML path and line for malformed files", () => {
    const r = parseVocXml("<annotation>\n<object><name>a</name>\n</annotation>", "/x/bad.xml");
    expect(r.annotation).toBeUndefined();
    expect(r.issues[0]).toMatchObject({ code: "PW7040", path: "/x/bad.xml", line: 3 });
    expect(parseVocXml("<foo/>", "/x/f.xml").issues[0].message).toMatch(/no <annotation>/);
  });

  it("skips objects with a missing or non-numeric box, naming them", () => {
    const xml = voc("a.jpg", 10, 10, [{ name: "ok", box: [1, 1, 5, 5] }]).replace(
      "</annotation>",
      "<object><name>bad</name><bndbox><xmin>x</xmin></bndbox></object></annotation>",
    );
    const r = parseVocXml(xml, "/x/a.xml");
    expect(r.annotation!.objects.map((o) => o.name)).toEqual(["ok"]);
    expect(r.issues[0]).toMatchObject({ code: "PW7042", path: "/x/a.xml" });
    expect(r.issues[0].message).toMatch(/object 2 \(bad\)/);
  });

  it("writes XML that parses back, escaping names", () => {
    const a = {
      filename: "a&b.png",
      width: 64,
      height: 48,
      depth: 3,
      objects: [
        {
          name: "rust <old>",
          difficult: false,
          truncated: true,
          xmin: 1,
          ymin: 2,
          xmax: 30,
          ymax: 40,
        },
      ],
    };
    const back = parseVocXml(formatVocXml(a), "/x.xml");
    expect(back.issues).toEqual([]);
    expect(back.annotation).toMatchObject({ ...a, folder: "images" });
  });
});

describe("VOC → YOLO conversion", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "pw-voc-"));
    mkdirSync(join(root, "Annotations/sub"), { recursive: true });
    mkdirSync(join(root, "JPEGImages"), { recursive: true });
    const img = (name: string, w: number, h: number) =>
      writeFileSync(join(root, "JPEGImages", name), encodePng(createImage(w, h, 128)));
    for (let i = 0; i < 6; i++) {
      img(`im${i}.png`, 200, 100);
      writeFileSync(
        join(root, "Annotations", `im${i}.xml`),
        voc(`im${i}.png`, 200, 100, [{ name: i % 2 ? "crack" : "scratch", box: [11, 21, 61, 81] }]),
      );
    }
    img("diff.png", 100, 100);
    writeFileSync(
      join(root, "Annotations/sub/diff.xml"),
      voc("diff.png", 100, 100, [
        { name: "dent", box: [1, 1, 50, 50], difficult: 1 },
        { name: "dent", box: [60, 60, 120, 90] },
      ]),
    );
    img("nosize.png", 80, 40);
    writeFileSync(
      join(root, "Annotations/nosize.xml"),
      voc("nosize.png", 0, 0, [{ name: "stain", box: [1, 1, 41, 21] }]),
    );
    writeFileSync(join(root, "Annotations/broken.xml"), "<annotation><filename>x.png</filename>");
    writeFileSync(
      join(root, "Annotations/orphan.xml"),
      voc("missing.png", 10, 10, [{ name: "dent", box: [1, 1, 5, 5] }]),
    );
    writeFileSync(
      join(root, "Annotations/inverted.xml"),
      voc("im0.png", 200, 100, [{ name: "crack", box: [50, 50, 10, 10] }]),
    );
  });

  it("writes a YOLO dataset that scans clean, reporting every skipped file and object", async () => {
    const out = join(root, "yolo");
    const r = await convertVocToYolo({
      annotations: join(root, "Annotations"),
      images: join(root, "JPEGImages"),
      outDir: out,
      valFraction: 0.25,
      seed: 1,
    });
    expect(r.classes).toEqual(["crack", "dent", "scratch", "stain"]);
    expect(r.annotations).toBe(11);
    expect(r.skippedFiles).toBe(2); // broken.xml, orphan.xml
    expect(r.skippedDifficult).toBe(1);
    expect(r.skippedBadBox).toBe(1); // inverted
    expect(r.clippedBoxes).toBe(1); // diff.xml's second box runs past 100 px
    expect(r.converted.train + r.converted.val).toBe(9);
    expect(r.converted.val).toBe(2);
    const byCode = (c: string) =>
      r.issues.filter((i) => i.code === c).map((i) => i.path.slice(root.length + 1));
    expect(byCode("PW7040")).toEqual(["Annotations/broken.xml"]);
    expect(byCode("PW7043")).toEqual(["Annotations/orphan.xml"]);
    expect(byCode("PW7042")).toEqual(["Annotations/inverted.xml", "Annotations/sub/diff.xml"]);

    const config = loadDatasetYaml(r.yamlPath);
    expect(config.names).toEqual(r.classes);
    const scans = await scanDataset(config);
    expect(scans.train!.report.corrupt + scans.val!.report.corrupt).toBe(0);
    expect(scans.train!.report.kept + scans.val!.report.kept).toBe(9);
    // Ultralytics convert_box: xc = ((11 + 61)/2 − 1)/200, w = 50/200.
    const all = [...scans.train!.items, ...scans.val!.items];
    const im0 = all.find((i) => i.imagePath.endsWith("im0.png"))!;
    expect(im0.boxes[0].cls).toBe(2);
    expect(im0.boxes[0].xc).toBeCloseTo(35 / 200, 6);
    expect(im0.boxes[0].yc).toBeCloseTo(50 / 100, 6);
    expect(im0.boxes[0].w).toBeCloseTo(0.25, 6);
    // Sizes come from the image when <size> is 0.
    const nosize = all.find((i) => i.imagePath.endsWith("nosize.png"))!;
    expect(nosize.boxes[0].w).toBeCloseTo(40 / 80, 6);
  });

  it("keeps difficult objects on request and honours a given class list", async () => {
    const out = join(root, "yolo2");
    const r = await convertVocToYolo({
      annotations: join(root, "Annotations"),
      images: join(root, "JPEGImages"),
      outDir: out,
      classes: ["dent", "crack"],
      difficult: "keep",
      valFraction: 0,
    });
    expect(r.classes).toEqual(["dent", "crack"]);
    expect(r.skippedDifficult).toBe(0);
    expect(r.skippedUnknownClass).toBe(4); // 3 scratch + 1 stain
    expect(r.issues.filter((i) => i.code === "PW7041")[0].message).toMatch(
      /class `scratch` is not in the class list/,
    );
    expect(r.objectsPerClass).toEqual([2, 3]);
    expect(readFileSync(join(out, "dataset.yaml"), "utf8")).toMatch(/val: images\/train/);
  });

  it("fails clearly when there is nothing to convert", async () => {
    const empty = mkdtempSync(join(tmpdir(), "pw-voc-empty-"));
    await expect(
      convertVocToYolo({ annotations: empty, images: empty, outDir: join(empty, "o") }),
    ).rejects.toSatisfy(
      (e: unknown) => isPipeError(e) && e.code === "PW7044" && e.place.path === empty,
    );
    await expect(
      convertVocToYolo({
        annotations: join(empty, "nope"),
        images: empty,
        outDir: join(empty, "o"),
      }),
    ).rejects.toSatisfy((e: unknown) => isPipeError(e) && e.code === "PW7044");
  });
});

describe("YOLO → VOC export", () => {
  it("round-trips boxes to within a pixel", async () => {
    const item = {
      imagePath: "/d/images/train/a.png",
      labelPath: "",
      width: 200,
      height: 100,
      boxes: [{ cls: 1, xc: 0.3, yc: 0.4, w: 0.2, h: 0.3 }],
    };
    const xml = yoloToVocXml(item, ["scratch", "crack"]);
    const a = parseVocXml(xml, "a.xml").annotation!;
    expect(a).toMatchObject({ filename: "a.png", width: 200, height: 100 });
    const o = a.objects[0];
    expect(o).toMatchObject({ name: "crack", xmin: 41, ymin: 26, xmax: 81, ymax: 56 });
    // And back with Ultralytics' formula.
    expect(((o.xmin + o.xmax) / 2 - 1) / 200).toBeCloseTo(0.3, 6);
    expect((o.xmax - o.xmin) / 200).toBeCloseTo(0.2, 6);
  });

  it("writes one XML per image, de-duplicating names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pw-vocx-"));
    const items = ["/a/images/x.png", "/b/images/x.png"].map((imagePath) => ({
      imagePath,
      labelPath: "",
      width: 10,
      height: 10,
      boxes: [],
    }));
    const files = await exportYoloToVoc(items, ["a"], dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["x.xml", "x_1.xml"]);
    expect(readdirSync(dir).sort()).toEqual(["x.xml", "x_1.xml"]);
  });
});
