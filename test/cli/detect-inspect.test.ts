/**
 * `pipe detect` and `pipe inspect`: outputs written, exit codes, and the errors a user sees —
 * a missing weights directory, a corrupt image (reported with its path, the rest processed),
 * no usable image at all, bad options and bad verdict rules. Nothing crashes.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { createImage } from "../../runtime/image/rgb-image.js";
import { writePng } from "../../runtime/image/encode.js";
import { initialValues } from "../../runtime/detection/model/params.js";
import { saveDetectorValues } from "../../runtime/detection/model/weights-io.js";
import { tempDir, tinyConfig } from "../runtime/detection/model/tiny-detector.js";

async function run(argv: string[], cwd: string) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

let dir: string;
beforeAll(async () => {
  dir = tempDir("cli-detect");
  const config = tinyConfig(64);
  saveDetectorValues(join(dir, "weights"), config, initialValues(config, 3));
  await writePng(join(dir, "images", "part-1.png"), createImage(80, 60, [120, 110, 100]));
  await writePng(join(dir, "images", "part-2.png"), createImage(64, 64, [60, 60, 60]));
  writeFileSync(join(dir, "images", "broken.png"), "this is not an image");
  writeFileSync(join(dir, "only-bad.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
});

describe("pipe detect", () => {
  it("writes predictions.json and YOLO labels, and reports a corrupt image with its path", async () => {
    const r = await run(
      ["detect", "weights", "images", "--conf", "0.01", "--max-det", "5", "--out", "pred"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${join(dir, "images", "part-1.png")}: 80x60, `);
    expect(r.out).toMatch(/2 images, \d+ detections in [\d.]+ s; 1 unreadable/);
    expect(r.err).toContain("warning[PW7011]");
    expect(r.err).toContain(`--> ${join(dir, "images", "broken.png")}`);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    const json = JSON.parse(readFileSync(join(dir, "pred", "predictions.json"), "utf8"));
    expect(json.names).toEqual(["scratch", "crack", "stain", "dent"]);
    expect(json.images).toHaveLength(2);
    expect(json.errors[0].path).toBe(join(dir, "images", "broken.png"));
    expect(existsSync(join(dir, "pred", "labels", "part-1.txt"))).toBe(true);
    const rows = readFileSync(join(dir, "pred", "labels", "part-2.txt"), "utf8")
      .trim()
      .split("\n");
    for (const row of rows.filter(Boolean)) expect(row).toMatch(/^[0-3]( 0\.\d{6}| 1\.000000){4}$/);
  });

  it("exits 1 with PW3001 and the path for a missing weights directory", async () => {
    const r = await run(["detect", "no-such-weights", "images"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW3001]");
    expect(r.err).toContain(join(dir, "no-such-weights"));
    expect(r.err).not.toContain("internal error");
  });

  it("exits 1 when no image can be read", async () => {
    const r = await run(
      ["detect", "weights", "only-bad.jpg", "missing.png", "--out", "pred2"],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(`warning[PW7010]: ${join(dir, "missing.png")} does not exist`);
    expect(r.err).toMatch(/warning\[PW701[12]\]/);
  });

  it("exits 2 on a bad option value", async () => {
    const r = await run(["detect", "weights", "images", "--conf", "1.5"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--conf must be in [0, 1], got 1.5");
  });
});

describe("pipe inspect", () => {
  it("prints a verdict per image and the summary; writes reports, annotated PNGs and inspection.json", async () => {
    const r = await run(
      [
        "inspect",
        "weights",
        "images",
        "--conf",
        "0.02",
        "--severity",
        "crack=high,stain=low,scratch=medium,dent=high",
        "--out",
        "qc",
      ],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^(PASS|WARNING|FAIL)\s+.*part-1\.png/m);
    expect(r.out).toMatch(/class\s+defects\s+images\s+PASS\s+WARNING\s+FAIL/);
    expect(r.out).toMatch(/\d+ PASS, \d+ WARNING, \d+ FAIL, 1 unreadable/);
    expect(r.err).toContain(`--> ${join(dir, "images", "broken.png")}`);
    expect(existsSync(join(dir, "qc", "annotated", "part-1.png"))).toBe(true);
    expect(existsSync(join(dir, "qc", "reports", "part-2.json"))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, "qc", "inspection.json"), "utf8"));
    expect(summary.summary.images).toBe(2);
  });

  it("takes verdict rules as JSON and rejects bad ones with a code", async () => {
    const rules = JSON.stringify([{ outcome: "FAIL", when: true }]);
    const ok = await run(
      [
        "inspect",
        "weights",
        join("images", "part-2.png"),
        "--rules",
        rules,
        "--out",
        "qc2",
        "--no-annotate",
      ],
      dir,
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^FAIL\s+/m);
    expect(existsSync(join(dir, "qc2", "annotated"))).toBe(false);
    const bad = await run(
      [
        "inspect",
        "weights",
        "images",
        "--rules",
        '[{"outcome":"FAIL","when":{"call":"any","args":["rust"]}}]',
      ],
      dir,
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("error[PW3203]");
    const notJson = await run(["inspect", "weights", "images", "--rules", "[oops"], dir);
    expect(notJson.code).toBe(1);
    expect(notJson.err).toContain("error[PW2023]: verdict rules are not valid JSON");
  });

  it("warns about classes without a severity and rejects unknown classes in --severity", async () => {
    const partial = await run(
      [
        "inspect",
        "weights",
        join("images", "part-2.png"),
        "--severity",
        "crack=high",
        "--out",
        "qc3",
        "--no-annotate",
      ],
      dir,
    );
    expect(partial.code).toBe(0);
    expect(partial.err).toContain("warning[PW3204]: class `scratch` has no severity");
    const unknown = await run(["inspect", "weights", "images", "--severity", "rust=high"], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error[PW3203]");
  });

  it("exits 1 with PW3002 when the weights directory has no detector.json", async () => {
    const r = await run(["inspect", "images", "images"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW3002]");
  });
});
