/**
 * Validation outputs: `val.json` (the metrics, per-class rows, confusion matrix with its axis
 * names, the settings used) and `pr-curve.png`. Plus a plain-text table in Ultralytics' layout
 * (Class / Images / Instances / P / R / mAP50 / mAP50-95) for the CLI to print.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePng } from "../../image/encode.js";
import { drawPrCurves, precisionRecallCurves } from "./pr-curve.js";
import { VAL_DEFAULTS, type ValidateOptions, type ValidationResult } from "./validate.js";

export function validationJson(
  r: ValidationResult,
  names: readonly string[],
  settings: Pick<ValidateOptions, "conf" | "iou" | "maxDet" | "style"> = {},
) {
  const m = r.metrics;
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    style: m.style,
    settings: {
      conf: settings.conf ?? VAL_DEFAULTS.conf,
      iou: settings.iou ?? VAL_DEFAULTS.iou,
      max_det: settings.maxDet ?? VAL_DEFAULTS.maxDet,
    },
    images: m.images,
    instances: m.instances,
    precision: round(m.precision),
    recall: round(m.recall),
    map50: round(m.map50),
    map75: round(m.map75),
    map50_95: round(m.map50_95),
    fitness: round(r.fitness),
    confidence: round(m.confidence),
    classes: m.classes.map((c) => ({
      class: c.name ?? names[c.cls] ?? String(c.cls),
      class_id: c.cls,
      instances: c.groundTruth,
      predictions: c.predictions,
      precision: round(c.precision),
      recall: round(c.recall),
      f1: round(c.f1),
      ap50: round(c.ap50),
      ap75: round(c.ap75),
      ap50_95: round(c.ap50_95),
    })),
    ...(m.confusion
      ? {
          confusion_matrix: {
            rows: "predicted",
            columns: "true",
            names: [...names, "background"],
            matrix: m.confusion.matrix,
          },
        }
      : {}),
    seconds: round(r.seconds),
  };
}

/** Writes val.json and pr-curve.png into `outDir`; returns their paths. */
export async function writeValidationReport(
  outDir: string,
  r: ValidationResult,
  names: readonly string[],
  settings: Pick<ValidateOptions, "conf" | "iou" | "maxDet" | "style"> = {},
): Promise<{ json: string; prCurve: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, "val.json");
  await writeFile(json, JSON.stringify(validationJson(r, names, settings), null, 2) + "\n");
  const prCurve = join(outDir, "pr-curve.png");
  await writeFile(
    prCurve,
    encodePng(drawPrCurves(precisionRecallCurves(r.images, names), r.metrics)),
  );
  return { json, prCurve };
}

/** Ultralytics' validation table. */
export function formatValidationTable(r: ValidationResult, names: readonly string[]): string {
  const m = r.metrics;
  const f = (v: number) => v.toFixed(3);
  const rows: string[][] = [["Class", "Images", "Instances", "P", "R", "mAP50", "mAP50-95"]];
  rows.push([
    "all",
    String(m.images),
    String(m.instances),
    f(m.precision),
    f(m.recall),
    f(m.map50),
    f(m.map50_95),
  ]);
  const imagesWith = new Map<number, number>();
  for (const img of r.images)
    for (const c of new Set(img.groundTruth.map((g) => g.cls)))
      imagesWith.set(c, (imagesWith.get(c) ?? 0) + 1);
  for (const c of m.classes)
    rows.push([
      c.name ?? names[c.cls],
      String(imagesWith.get(c.cls) ?? 0),
      String(c.groundTruth),
      f(c.precision),
      f(c.recall),
      f(c.ap50),
      f(c.ap50_95),
    ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((v, i) => v.padStart(widths[i])).join("  ")).join("\n") + "\n";
}
