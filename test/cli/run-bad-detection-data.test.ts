/**
 * Bad detection data through `pipe run`: a YOLO dataset with corrupt, truncated, tiny and
 * mislabelled images, bad label rows (too few columns, not numbers, out of range), a class id
 * beyond `nc`, a label path that is a folder and an image list naming a missing file. The run
 * does not crash: every problem is printed as a warning with its path (and line) and reason,
 * and every good image is trained on and evaluated. The inspection stage asks for a
 * vision-language model that is not there: it says the analysis was skipped, and why.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import jpeg from "jpeg-js";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { encodePng } from "../../runtime/image/encode.js";
import { createImage } from "../../runtime/image/rgb-image.js";

const png = (w = 32, h = 24) => encodePng(createImage(w, h, [90, 120, 150]));
const jpg = (w = 32, h = 24) =>
  jpeg.encode({ width: w, height: h, data: Buffer.alloc(w * h * 4, 128) }, 90).data;

const PIPE = `pipeline "bad-data" {
  seed: 1
  output: "out"
}

dataset parts = yolo("data/dataset.yaml")

model det = yolo_detector {
  classes: parts.names
  width: 0.09
  depth: 0.1
  imgsz: 64
}

train detector = detect_train(det, parts.train) {
  epochs: 1
  imgsz: 64
  batch: 4
  augment {
    mosaic: 0
  }
}

evaluate seen = eval(detector, parts.train) {
  metrics: [mAP50, mAP50_95]
}

detect preds = detect(detector, parts.val) {
  conf: 0.25
}

inspect qc = inspect(preds) {
  severity {
    scratch: low
    crack: high
    stain: medium
  }
  vlm_analysis {
    model: "models/vlm"
  }
}
`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "pipe-bad-det-"));
  const put = (rel: string, data: Buffer | Uint8Array | string) => {
    const p = join(dir, "data", rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  };
  for (const [name, label] of [
    ["good_a.png", "0 0.5 0.5 0.4 0.4\n"],
    ["good_b.png", "1 0.3 0.3 0.2 0.2\n2 0.7 0.7 0.2 0.3\n"],
    ["good_c.png", "2 0.5 0.5 0.3 0.3\n"],
    ["good_d.png", "0 0.2 0.6 0.2 0.2\n"],
    ["good_e.png", "1 0.6 0.4 0.3 0.2\n"],
  ]) {
    put(`images/train/${name}`, png());
    put(`labels/train/${name.replace(".png", ".txt")}`, label);
  }
  put("images/train/good_jpeg.jpg", jpg());
  put("labels/train/good_jpeg.txt", "0 0.5 0.5 0.2 0.2\n");
  put("images/train/good_no_label.png", png());
  // Bad images.
  const p = png(40, 40);
  put("images/train/bad_corrupt.png", p.subarray(0, p.length - 30));
  put("labels/train/bad_corrupt.txt", "0 0.5 0.5 0.2 0.2\n");
  const j = jpg(40, 40);
  put("images/train/bad_truncated.jpg", j.subarray(0, Math.floor(j.length * 0.6)));
  put("images/train/bad_tiny.png", png(9, 30));
  put("images/train/bad_text.jpg", "this is not a jpeg");
  // Good images with bad labels.
  put("images/train/bad_columns.png", png());
  put("labels/train/bad_columns.txt", "0 0.5 0.5 0.2\n");
  put("images/train/bad_number.png", png());
  put("labels/train/bad_number.txt", "0 0.5 0.5 0.2 0.2\n1 x 0.5 0.2 0.2\n");
  put("images/train/bad_range.png", png());
  put("labels/train/bad_range.txt", "0 0.5 1.7 0.2 0.2\n");
  put("images/train/bad_class.png", png());
  put("labels/train/bad_class.txt", "7 0.5 0.5 0.2 0.2\n");
  put("images/train/bad_label_dir.png", png());
  mkdirSync(join(dir, "data/labels/train/bad_label_dir.txt"), { recursive: true });
  // Validation: an image list with a missing file.
  put("images/val/v1.png", png());
  put("labels/val/v1.txt", "2 0.5 0.5 0.3 0.3\n");
  put("val.txt", "images/val/v1.png\nimages/val/gone.png\n");
  put("dataset.yaml", "train: images/train\nval: val.txt\nnames: [scratch, crack, stain]\n");
  writeFileSync(join(dir, "bad.pipe"), PIPE);
  return dir;
}

let dir: string;
let r: { code: number; out: string; err: string };

beforeAll(async () => {
  dir = project();
  const io = memoryIo({ cwd: dir });
  const code = await runCli(["run", "bad.pipe"], io);
  r = { code, out: io.out.join(""), err: io.err.join("") };
}, 120_000);

describe("pipe run on a YOLO dataset with bad files", () => {
  it("finishes (exit 0) without a stack trace", () => {
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.err).not.toMatch(/\n\s+at .*\.ts:\d+/);
    expect(r.err).not.toContain("internal error");
  });

  it("prints every bad file with its path, line and reason", () => {
    const expected: [string, string][] = [
      ["PW7011", "data/images/train/bad_corrupt.png"],
      ["PW7012", "data/images/train/bad_truncated.jpg"],
      ["PW7013", "data/images/train/bad_tiny.png"],
      ["PW7011", "data/images/train/bad_text.jpg"],
      ["PW7021", "data/labels/train/bad_columns.txt:1"],
      ["PW7022", "data/labels/train/bad_number.txt:2"],
      ["PW7023", "data/labels/train/bad_range.txt:1"],
      ["PW7024", "data/labels/train/bad_class.txt:1"],
      ["PW7020", "data/labels/train/bad_label_dir.txt"],
      ["PW7010", "data/images/val/gone.png"],
      ["PW7027", "data/labels/train/good_no_label.txt"],
    ];
    const warnings = r.err.split("\n").filter((l) => l.startsWith("warning["));
    for (const [code, at] of expected) {
      const line = warnings.find((l) => l.startsWith(`warning[${code}]`) && l.includes(at));
      expect(line, `${code} ${at}\n${r.err}`).toBeDefined();
      // A reason follows the place.
      expect(line!.slice(line!.indexOf(at) + at.length)).toMatch(/^(:\d+)?: \S.{8,}/);
    }
    // The line is said once, in the place.
    expect(r.err).not.toMatch(/\.txt:\d+: line \d+:/);
    expect(r.err).toContain("out of range");
    expect(r.err).toMatch(/class 7/);
    expect(r.err).toContain("file not found");
  });

  it("keeps, trains on and evaluates every good image", () => {
    expect(r.out).toMatch(/train: 16 images, 7 kept, .*9 corrupt/);
    expect(r.out).toMatch(/val: 2 images, 1 kept, .*1 corrupt/);
    // 7 good images, batch 4: one epoch is 2 steps (4 + 3 images).
    expect(r.out).toContain("1 epochs, 2 steps");
    expect(r.out).toMatch(/detector on train \(7 images\)/);
  });
});

describe("pipe run: inspection without a vision-language model", () => {
  it("inspects the readable images and reports the VLM stage as skipped", () => {
    expect(r.out).toMatch(/done {3}qc\/inspect/);
    expect(r.out).toContain("1 images: PASS");
    expect(r.err).toMatch(
      /warning: models\/vlm: vision-language analysis skipped: model directory .*models\/vlm not found/,
    );
    expect(r.out).toMatch(/vlm_analysis: skipped: model directory .*not found.*\(1 image\)/);
    const report = JSON.parse(readFileSync(join(dir, "out", "qc", "inspection.json"), "utf8")) as {
      images: { vlm_analysis: { status: string; reason: string } }[];
    };
    expect(report.images).toHaveLength(1);
    expect(report.images[0].vlm_analysis).toMatchObject({ status: "skipped" });
    expect(existsSync(join(dir, "out", "qc", "annotated", "v1.png"))).toBe(true);
  });
});
