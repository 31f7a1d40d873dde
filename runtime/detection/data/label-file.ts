/**
 * Parsing and checking one YOLO label file, like Ultralytics' `verify_image_label`: rows are
 * `cls xc yc w h` normalised to [0, 1]; a row of a class and ≥ 3 x,y pairs is a polygon
 * (segment) and becomes its bounding box. Any malformed row makes the whole file — and so its
 * image — unusable (reported row by row, with line numbers); exact duplicate rows and
 * zero-size boxes are removed and counted, and the image is kept.
 *
 * Differences from Ultralytics, on purpose: coordinates may overshoot [0, 1] by a small
 * tolerance (labelling tools write 1.0000001) and are clipped; rows are checked one by one so
 * every bad row is named; duplicates keep their first-seen order (numpy's `unique` sorts them).
 */
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import type { YoloBox } from "./boxes.js";

export interface LabelParseOptions {
  /** Number of classes; a class must be an integer in [0, nc). */
  nc: number;
  /** How far outside [0, 1] a coordinate may be before the row is an error (default 1e-3). */
  coordTolerance?: number;
  /** Polygon rows: `box` converts them to boxes (Ultralytics), `ignore` drops those rows. */
  segments?: "box" | "ignore";
}

export interface ParsedLabels {
  boxes: YoloBox[];
  /** True when a row is malformed: the image must be dropped. */
  corrupt: boolean;
  issues: DataIssue[];
  rows: number;
  duplicatesRemoved: number;
  zeroSizeRemoved: number;
  segmentsConverted: number;
  segmentsIgnored: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseLabelText(
  text: string,
  labelPath: string,
  options: LabelParseOptions,
): ParsedLabels {
  const tol = options.coordTolerance ?? 1e-3;
  const segmentsMode = options.segments ?? "box";
  const out: ParsedLabels = {
    boxes: [],
    corrupt: false,
    issues: [],
    rows: 0,
    duplicatesRemoved: 0,
    zeroSizeRemoved: 0,
    segmentsConverted: 0,
    segmentsIgnored: 0,
  };
  const bad = (code: string, line: number, message: string, hint?: string) => {
    out.corrupt = true;
    out.issues.push({
      code,
      path: labelPath,
      line,
      message: `line ${line}: ${message}`,
      ...(hint ? { hint } : {}),
    });
  };
  const seen = new Map<string, number>();
  const duplicateLines: number[] = [];
  const zeroLines: number[] = [];

  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  for (let li = 0; li < lines.length; li++) {
    const lineNo = li + 1;
    const tokens = lines[li]
      .trim()
      .split(/\s+/)
      .filter((t) => t !== "");
    if (tokens.length === 0) continue;
    out.rows++;
    const n = tokens.length;
    const isPolygon = n >= 7 && (n - 1) % 2 === 0;
    if (n !== 5 && !isPolygon) {
      bad(
        DET.labelBadColumns,
        lineNo,
        `labels need 5 columns (cls xc yc w h), ${n} column${n === 1 ? "" : "s"} found`,
        "each row is `class x_center y_center width height`, normalised to 0-1",
      );
      continue;
    }
    const nonNumeric = tokens.find((t) => !NUMBER.test(t));
    if (nonNumeric !== undefined) {
      bad(DET.labelNotNumeric, lineNo, `\`${nonNumeric}\` is not a number`);
      continue;
    }
    const v = tokens.map(Number);
    const cls = v[0];
    if (!Number.isInteger(cls) || cls < 0 || cls >= options.nc) {
      bad(
        DET.labelClassOutOfRange,
        lineNo,
        Number.isInteger(cls)
          ? `class ${cls} is out of range: the dataset has ${options.nc} class${options.nc === 1 ? "" : "es"} (0-${options.nc - 1})`
          : `class \`${tokens[0]}\` is not an integer`,
        "class ids index `names` in dataset.yaml",
      );
      continue;
    }
    const coords = v.slice(1);
    const outside = coords.filter((c) => c < -tol || c > 1 + tol);
    if (outside.length > 0) {
      bad(
        DET.labelOutOfRange,
        lineNo,
        `coordinate${outside.length > 1 ? "s" : ""} ${outside.join(", ")} outside [0, 1] (labels must be normalised by the image size)`,
        "divide x and width by the image width, y and height by its height",
      );
      continue;
    }
    let box: YoloBox;
    if (isPolygon) {
      if (segmentsMode === "ignore") {
        out.segmentsIgnored++;
        continue;
      }
      let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity; // prettier-ignore
      for (let k = 0; k < coords.length; k += 2) {
        x1 = Math.min(x1, coords[k]);
        x2 = Math.max(x2, coords[k]);
        y1 = Math.min(y1, coords[k + 1]);
        y2 = Math.max(y2, coords[k + 1]);
      }
      box = clipToUnit({ cls, xc: (x1 + x2) / 2, yc: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1 });
      out.segmentsConverted++;
    } else {
      box = clipToUnit({ cls, xc: coords[0], yc: coords[1], w: coords[2], h: coords[3] });
    }
    if (!(box.w > 0 && box.h > 0)) {
      out.zeroSizeRemoved++;
      zeroLines.push(lineNo);
      continue;
    }
    const key = `${box.cls} ${box.xc} ${box.yc} ${box.w} ${box.h}`;
    if (seen.has(key)) {
      out.duplicatesRemoved++;
      duplicateLines.push(lineNo);
      continue;
    }
    seen.set(key, lineNo);
    out.boxes.push(box);
  }
  if (out.corrupt) return out;
  if (out.duplicatesRemoved > 0) {
    out.issues.push({
      code: DET.labelDuplicates,
      path: labelPath,
      line: duplicateLines[0],
      message: `${out.duplicatesRemoved} duplicate label row${out.duplicatesRemoved > 1 ? "s" : ""} removed (line${duplicateLines.length > 1 ? "s" : ""} ${duplicateLines.join(", ")})`,
    });
  }
  if (out.zeroSizeRemoved > 0) {
    out.issues.push({
      code: DET.labelZeroSize,
      path: labelPath,
      line: zeroLines[0],
      message: `${out.zeroSizeRemoved} zero-size box${out.zeroSizeRemoved > 1 ? "es" : ""} removed (line${zeroLines.length > 1 ? "s" : ""} ${zeroLines.join(", ")})`,
    });
  }
  if (out.segmentsConverted > 0) {
    out.issues.push({
      code: DET.labelSegments,
      path: labelPath,
      message: `${out.segmentsConverted} polygon row${out.segmentsConverted > 1 ? "s" : ""} converted to boxes`,
    });
  }
  return out;
}

/** Clip a normalised box to the unit square (corner form), keeping its class. */
function clipToUnit(b: YoloBox): YoloBox {
  const c = (x: number) => Math.min(1, Math.max(0, x));
  const x1 = c(b.xc - b.w / 2);
  const x2 = c(b.xc + b.w / 2);
  const y1 = c(b.yc - b.h / 2);
  const y2 = c(b.yc + b.h / 2);
  if (
    x1 === b.xc - b.w / 2 &&
    x2 === b.xc + b.w / 2 &&
    y1 === b.yc - b.h / 2 &&
    y2 === b.yc + b.h / 2
  )
    return b;
  return { cls: b.cls, xc: (x1 + x2) / 2, yc: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1 };
}
