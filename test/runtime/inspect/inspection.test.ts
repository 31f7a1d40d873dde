/**
 * Inspection: per-image judgement, the annotated PNG (decodes, verdict banner on top in the
 * verdict's colour, boxes in severity colours), the summary table, the VLM hook reporting
 * "skipped", and a folder run that reports a corrupt image by path and keeps going.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../runtime/backend/create-backend.js";
import type { Backend } from "../../../runtime/backend/backend.js";
import { createImage, getPixel } from "../../../runtime/image/rgb-image.js";
import { encodePng, writePng } from "../../../runtime/image/encode.js";
import { decodeImage } from "../../../runtime/image/decode.js";
import { VERDICT_COLORS } from "../../../runtime/image/draw.js";
import { createInspectionPolicy, inspectDetections } from "../../../runtime/inspect/inspector.js";
import {
  annotateInspection,
  bannerHeight,
  SEVERITY_COLORS,
} from "../../../runtime/inspect/annotate.js";
import { formatSummaryTable, summarizeInspections } from "../../../runtime/inspect/summary.js";
import { inspectImages } from "../../../runtime/inspect/run-inspection.js";
import { createVlmStage } from "../../../runtime/inspect/vlm-hook.js";
import { defaultSeverityMap } from "../../../runtime/inspect/severity.js";
import { Detector } from "../../../runtime/detection/model/detector.js";
import { tempDir, tinyConfig } from "../detection/model/tiny-detector.js";

const names = ["scratch", "crack", "stain", "dent"];
const policy = createInspectionPolicy({ names, severity: defaultSeverityMap(names) });

describe("inspectDetections", () => {
  it("attaches severities, the verdict, its recommendation and a skipped VLM analysis", async () => {
    const r = await inspectDetections(
      "part.png",
      { width: 160, height: 120 },
      [
        { box: [10, 10, 40, 30], cls: 2, conf: 0.81234567 },
        { box: [60, 50, 120, 100], cls: 1, conf: 0.66 },
      ],
      policy,
    );
    expect(r).toMatchObject({
      verdict: "FAIL",
      rule: 2,
      defect_count: 2,
      recommendation: policy.recommendations.FAIL,
    });
    expect(r.defects.map((d) => [d.class, d.severity])).toEqual([
      ["stain", "low"],
      ["crack", "high"],
    ]);
    expect(r.defects[0].confidence).toBe(0.8123);
    expect(r.vlm_analysis).toEqual({ status: "skipped", reason: "vlm_analysis is off" });
    const none = await inspectDetections("ok.png", { width: 10, height: 10 }, [], policy);
    expect(none).toMatchObject({ verdict: "PASS", defect_count: 0 });
  });

  it("reports the VLM stage as skipped when a model is named but no runtime exists, and runs a plugged-in one", async () => {
    const missing = createVlmStage({ model: "/nonexistent/qwen-vl" });
    expect(await missing.run("a.png", [])).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("not found"),
    });
    const plugged = createVlmStage(
      { model: "/nonexistent/qwen-vl" },
      { analyze: async (_p, defects) => `${defects.length} defect(s)` },
    );
    expect(
      await plugged.run("a.png", [{ className: "crack", severity: "high", confidence: 0.9 }]),
    ).toEqual({ status: "done", text: "1 defect(s)" });
  });
});

describe("annotated image", () => {
  it("decodes, has the verdict banner on top and severity-coloured boxes", async () => {
    const image = createImage(160, 120, [128, 128, 128]);
    const r = await inspectDetections(
      "part.png",
      { width: 160, height: 120 },
      [
        { box: [10, 40, 60, 90], cls: 1, conf: 0.9 },
        { box: [90, 30, 150, 100], cls: 2, conf: 0.7 },
      ],
      policy,
    );
    const png = encodePng(annotateInspection(image, r));
    const back = decodeImage(png, "annotated.png");
    // 160×120 is scaled ×3 (short side ≥ 320) and a banner strip is added above.
    const strip = bannerHeight(2);
    expect([back.width, back.height]).toEqual([480, 360 + strip]);
    // The banner: the FAIL colour across the strip (away from the centred text).
    expect(getPixel(back, 2, 2)).toEqual([...VERDICT_COLORS.FAIL]);
    expect(getPixel(back, back.width - 3, strip - 3)).toEqual([...VERDICT_COLORS.FAIL]);
    // The banner text is drawn in a contrasting colour somewhere in the strip.
    let textPixels = 0;
    for (let y = 0; y < strip; y++)
      for (let x = 0; x < back.width; x++)
        if (getPixel(back, x, y).join() !== VERDICT_COLORS.FAIL.join()) textPixels++;
    expect(textPixels).toBeGreaterThan(50);
    // The crack box's left edge (high → red) and the stain box's right edge (low → yellow).
    expect(getPixel(back, 10 * 3 + 1, strip + 70 * 3)).toEqual([...SEVERITY_COLORS.high]);
    expect(getPixel(back, 150 * 3 - 2, strip + 70 * 3)).toEqual([...SEVERITY_COLORS.low]);
  });
});

describe("summary", () => {
  it("counts images per verdict and defects per class", async () => {
    const results = [
      await inspectDetections("a", { width: 1, height: 1 }, [], policy),
      await inspectDetections(
        "b",
        { width: 1, height: 1 },
        [{ box: [0, 0, 1, 1], cls: 0, conf: 0.9 }],
        policy,
      ),
      await inspectDetections(
        "c",
        { width: 1, height: 1 },
        [
          { box: [0, 0, 1, 1], cls: 3, conf: 0.9 },
          { box: [0, 0, 1, 1], cls: 3, conf: 0.8 },
        ],
        policy,
      ),
    ];
    const s = summarizeInspections(results, names, 1);
    expect(s).toMatchObject({
      images: 3,
      unreadable: 1,
      defects: 3,
      verdicts: { PASS: 1, WARNING: 1, FAIL: 1 },
      severities: { medium: 1, high: 2 },
    });
    expect(s.classes.dent).toEqual({
      defects: 2,
      images: 1,
      verdicts: { PASS: 0, WARNING: 0, FAIL: 1 },
    });
    const table = formatSummaryTable(s);
    expect(table).toMatch(/class\s+defects\s+images\s+PASS\s+WARNING\s+FAIL/);
    expect(table).toMatch(/dent\s+2\s+1\s+0\s+0\s+1/);
    expect(table).toMatch(/all\s+3\s+3\s+1\s+1\s+1/);
  });
});

describe("inspectImages over files", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend({ setDefault: false, onNotice: () => {} });
  });
  afterAll(() => backend.dispose());

  it("writes per-image reports, annotated PNGs and the summary; a corrupt image is reported by path", async () => {
    const dir = tempDir("inspect");
    await writePng(join(dir, "a.png"), createImage(64, 48, [100, 100, 100]));
    await writePng(join(dir, "b.png"), createImage(50, 50, [180, 150, 120]));
    writeFileSync(join(dir, "c.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 4]));
    const det = Detector.create(tinyConfig(64, names), { seed: 9, backend });
    const out = join(dir, "out");
    const files = ["a.png", "b.png", "c.png"].map((f) => join(dir, f));
    const r = await inspectImages(det, files, policy, out, { conf: 0.01, maxDet: 5 });
    expect(r.images.map((i) => i.image)).toEqual(files.slice(0, 2));
    expect(r.errors).toEqual([expect.objectContaining({ path: files[2], code: "PW7011" })]);
    expect(r.files.reports.map((f) => f.slice(out.length + 1))).toEqual([
      "reports/a.json",
      "reports/b.json",
    ]);
    expect(r.files.annotated.map((f) => f.slice(out.length + 1))).toEqual([
      "annotated/a.png",
      "annotated/b.png",
    ]);
    const summary = JSON.parse(readFileSync(join(out, "inspection.json"), "utf8"));
    expect(summary.summary.images).toBe(2);
    expect(summary.summary.unreadable).toBe(1);
    expect(summary.errors[0].path).toBe(files[2]);
    expect(summary.policy.rules).toHaveLength(3);
    const report = JSON.parse(readFileSync(join(out, "reports", "a.json"), "utf8"));
    expect(["PASS", "WARNING", "FAIL"]).toContain(report.verdict);
    expect(report.vlm_analysis.status).toBe("skipped");
    const png = decodeImage(readFileSync(r.files.annotated[0]), "a.png");
    expect(png.width).toBeGreaterThanOrEqual(320);
    det.dispose();
  });
});
