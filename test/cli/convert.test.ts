/** `pipe convert voc2yolo` / `yolo2voc` through the data layer's conversion, and their errors. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { createImage } from "../../runtime/image/rgb-image.js";
import { writePng } from "../../runtime/image/encode.js";
import { formatVocXml } from "../../runtime/detection/data/voc-xml.js";
import { tempDir } from "../runtime/detection/model/tiny-detector.js";

async function run(argv: string[], cwd: string) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

let dir: string;
beforeAll(async () => {
  dir = tempDir("cli-convert");
  mkdirSync(join(dir, "voc", "Annotations"), { recursive: true });
  for (let i = 0; i < 4; i++) {
    await writePng(
      join(dir, "voc", "JPEGImages", `img${i}.png`),
      createImage(100, 80, [90, 90, 90]),
    );
    const objects = [
      { name: "crack", difficult: false, truncated: false, xmin: 11, ymin: 21, xmax: 41, ymax: 61 },
      {
        name: i === 3 ? "rust" : "stain",
        difficult: false,
        truncated: false,
        xmin: 51,
        ymin: 11,
        xmax: 91,
        ymax: 31,
      },
    ];
    writeFileSync(
      join(dir, "voc", "Annotations", `img${i}.xml`),
      formatVocXml({ filename: `img${i}.png`, width: 100, height: 80, depth: 3, objects }),
    );
  }
  mkdirSync(join(dir, "empty"));
});

describe("pipe convert", () => {
  it("voc2yolo writes a YOLO dataset; objects of classes outside --classes are reported", async () => {
    const r = await run(
      ["convert", "voc2yolo", "voc", "yolo", "--classes", "crack,stain", "--val", "0.25"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("4 annotations → 3 train + 1 val images; 7 objects (crack 4, stain 3)");
    expect(r.out).toContain("skipped objects: 1 of unknown classes");
    expect(r.err).toContain("warning[PW7041]");
    expect(r.err).toContain(join(dir, "voc", "Annotations", "img3.xml"));
    expect(readFileSync(join(dir, "yolo", "dataset.yaml"), "utf8")).toMatch(
      /names:[\s\S]*crack[\s\S]*stain/,
    );
    const labels = readdirSync(join(dir, "yolo", "labels", "train"));
    expect(labels).toHaveLength(3);
    // VOC's 1-based corners (11, 21)–(41, 61) → centre (25, 40), size 30×40 on 100×80.
    const any = readFileSync(join(dir, "yolo", "labels", "train", labels[0]), "utf8");
    expect(any.split("\n")[0]).toBe("0 0.250000 0.500000 0.300000 0.500000");
  });

  it("yolo2voc writes one VOC file per image and split", async () => {
    const r = await run(["convert", "yolo2voc", "yolo", "back"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/train: 3 VOC files/);
    expect(r.out).toMatch(/val: 1 VOC files/);
    const xml = readFileSync(
      join(dir, "back", "train", readdirSync(join(dir, "back", "train"))[0]),
      "utf8",
    );
    expect(xml).toContain("<xmin>11</xmin>");
    expect(xml).toContain("<name>crack</name>");
  });

  it("reports a missing input, an empty VOC folder and an unknown split", async () => {
    const missing = await run(["convert", "voc2yolo", "nope", "out"], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${join(dir, "nope")} does not exist`);
    const empty = await run(["convert", "voc2yolo", "empty", "out"], dir);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain("error[PW7044]");
    const split = await run(["convert", "yolo2voc", "yolo", "back2", "--split", "test"], dir);
    expect(split.code).toBe(2);
    expect(split.err).toContain("split `test` is not in");
    expect(existsSync(join(dir, "back2"))).toBe(false);
    const usage = await run(["convert", "sideways", "a", "b"], dir);
    expect(usage.code).toBe(2);
  });
});
