/** Shared by the detector tests: a tiny architecture and a tiny generated defect dataset. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  detectorConfig,
  type DetectorModelConfig,
} from "../../../../runtime/detection/model/config.js";
import { generateDefectDataset } from "../../../../runtime/detection/data/synthetic-defects.js";
import { loadDatasetYaml } from "../../../../runtime/detection/data/dataset-yaml.js";
import { scanSplit } from "../../../../runtime/detection/data/scan.js";
import type { VerifiedImage } from "../../../../runtime/detection/data/verify.js";

export const DEFECT_NAMES = ["scratch", "crack", "stain", "dent"];

/** ~4k parameters; a forward at 64×64 is a few milliseconds. */
export function tinyConfig(imgsz = 64, names = DEFECT_NAMES): DetectorModelConfig {
  return detectorConfig({
    names,
    imgsz,
    widths: [8, 8, 8, 8, 8],
    depths: [1, 1, 1, 1],
    neckDepth: 1,
    headBox: 8,
    headCls: 8,
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pw-${prefix}-`));
}

/** A generated defect dataset (seeded) and its scanned splits. */
export async function tinyDefectData(
  train: number,
  val: number,
  imgsz = 64,
  seed = 7,
): Promise<{ dir: string; train: VerifiedImage[]; val: VerifiedImage[]; names: string[] }> {
  const dir = tempDir("defects");
  await generateDefectDataset({ outDir: dir, seed, train, val, imgsz, pngLevel: 1 });
  const y = loadDatasetYaml(join(dir, "dataset.yaml"));
  return {
    dir,
    names: y.names,
    train: (await scanSplit(y.train, { nc: y.nc, split: "train" })).items,
    val: (await scanSplit(y.val, { nc: y.nc, split: "val" })).items,
  };
}
