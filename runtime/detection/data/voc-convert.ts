/**
 * Pascal VOC ⇄ YOLO. `convertVocToYolo` reads a folder of VOC XML files and their images and
 * writes a YOLO dataset (images/, labels/, dataset.yaml), with a seeded train/val split;
 * `exportYoloToVoc` writes one VOC XML per scanned YOLO image.
 *
 * Box conversion follows Ultralytics' VOC script (`convert_box`): with VOC's 1-based pixel
 * indices, x_center = (xmin + xmax)/2 − 1 and width = xmax − xmin (then normalised); the
 * reverse adds the 1 back. `coordinateBase: 0` is for tools that write 0-based boxes (the
 * seed course's converter). Difficult objects are skipped by default, as Ultralytics does.
 */
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, extname, join, relative, resolve } from "node:path";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import { createRng } from "../../util/random.js";
import { readImage } from "../../image/decode.js";
import { formatYoloLabels, type YoloBox } from "./boxes.js";
import { formatDatasetYaml } from "./dataset-yaml.js";
import { formatVocXml, parseVocXml, type VocObject } from "./voc-xml.js";
import type { VerifiedImage } from "./verify.js";

export interface VocToYoloOptions {
  /** A folder of `.xml` files (searched recursively). */
  annotations: string;
  /** Where the images are: `<filename>` from each XML is looked up here (and below it). */
  images: string;
  /** Output dataset folder (created). */
  outDir: string;
  /** Fixed class list (index = id); objects of other classes are skipped and reported. Default: every name found, sorted. */
  classes?: readonly string[];
  /** `skip` (default, Ultralytics) or `keep` objects marked difficult. */
  difficult?: "skip" | "keep";
  /** Fraction of images for `val` (default 0.2); with 0, val is the train split. */
  valFraction?: number;
  seed?: number;
  /** 1 (VOC convention, default) or 0 for 0-based pixel boxes. */
  coordinateBase?: 0 | 1;
  /** How images reach the dataset: copied (default) or symlinked. */
  imageMode?: "copy" | "symlink";
}

export interface VocConversionReport {
  yamlPath: string;
  classes: string[];
  annotations: number;
  converted: { train: number; val: number };
  objects: number;
  objectsPerClass: number[];
  skippedDifficult: number;
  skippedUnknownClass: number;
  skippedBadBox: number;
  clippedBoxes: number;
  skippedFiles: number;
  issues: DataIssue[];
}

async function walkXml(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walkXml(p, out);
    else if (e.isFile() && extname(e.name).toLowerCase() === ".xml") out.push(p);
  }
}

async function indexImages(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (!out.has(e.name)) out.set(e.name, p);
    }
  };
  await walk(dir);
  return out;
}

export async function convertVocToYolo(o: VocToYoloOptions): Promise<VocConversionReport> {
  const annDir = resolve(o.annotations);
  if (!existsSync(annDir))
    throw new PipeError(DET.vocNoAnnotations, `annotation folder ${annDir} does not exist`, {
      path: annDir,
    });
  const xmlFiles: string[] = [];
  await walkXml(annDir, xmlFiles);
  xmlFiles.sort();
  if (xmlFiles.length === 0)
    throw new PipeError(DET.vocNoAnnotations, `no .xml files in ${annDir}`, { path: annDir });
  const imageDir = resolve(o.images);
  if (!existsSync(imageDir))
    throw new PipeError(DET.vocImageMissing, `image folder ${imageDir} does not exist`, {
      path: imageDir,
    });
  const images = await indexImages(imageDir);
  const base = o.coordinateBase ?? 1;
  const issues: DataIssue[] = [];
  const report: Omit<
    VocConversionReport,
    "yamlPath" | "classes" | "objectsPerClass" | "converted"
  > = {
    annotations: xmlFiles.length,
    objects: 0,
    skippedDifficult: 0,
    skippedUnknownClass: 0,
    skippedBadBox: 0,
    clippedBoxes: 0,
    skippedFiles: 0,
    issues,
  };

  // Pass 1: parse everything, find images and sizes.
  interface Parsed {
    xmlPath: string;
    imagePath: string;
    width: number;
    height: number;
    objects: VocObject[];
  }
  const parsed: Parsed[] = [];
  for (const xmlPath of xmlFiles) {
    let xml: string;
    try {
      xml = await readFile(xmlPath, "utf8");
    } catch (err) {
      issues.push({ code: DET.vocInvalid, path: xmlPath, message: `cannot read: ${String(err)}` });
      report.skippedFiles++;
      continue;
    }
    const r = parseVocXml(xml, xmlPath);
    issues.push(...r.issues);
    report.skippedBadBox += r.issues.filter((i) => i.code === DET.vocBadBox).length;
    if (!r.annotation) {
      report.skippedFiles++;
      continue;
    }
    const a = r.annotation;
    const stem = basename(xmlPath, extname(xmlPath));
    const candidates = [
      a.filename,
      ...[".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"].map((e) => stem + e),
    ].filter((x): x is string => !!x);
    const imagePath = candidates.map((c) => images.get(basename(c))).find((p) => p !== undefined);
    if (!imagePath) {
      issues.push({
        code: DET.vocImageMissing,
        path: xmlPath,
        message: `image ${a.filename ?? stem + ".*"} not found under ${imageDir}; annotation skipped`,
      });
      report.skippedFiles++;
      continue;
    }
    let { width, height } = a;
    if (!(width > 0 && height > 0)) {
      try {
        const img = await readImage(imagePath);
        ({ width, height } = img);
      } catch (err) {
        issues.push({
          code: DET.vocInvalid,
          path: xmlPath,
          message: `no <size> and the image cannot be read (${err instanceof Error ? err.message : String(err)}); annotation skipped`,
        });
        report.skippedFiles++;
        continue;
      }
    }
    parsed.push({ xmlPath, imagePath, width, height, objects: a.objects });
  }

  const classes = o.classes
    ? [...o.classes]
    : [...new Set(parsed.flatMap((p) => p.objects.map((x) => x.name)))].sort();
  if (classes.length === 0)
    throw new PipeError(DET.vocNoAnnotations, `no objects with a class name in ${annDir}`, {
      path: annDir,
    });
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const objectsPerClass = new Array(classes.length).fill(0);

  // Pass 2: boxes.
  const converted: { imagePath: string; boxes: YoloBox[]; name: string }[] = [];
  const usedNames = new Set<string>();
  for (const p of parsed) {
    const boxes: YoloBox[] = [];
    for (const ob of p.objects) {
      if (ob.difficult && (o.difficult ?? "skip") === "skip") {
        report.skippedDifficult++;
        continue;
      }
      const cls = classIndex.get(ob.name);
      if (cls === undefined) {
        report.skippedUnknownClass++;
        issues.push({
          code: DET.vocUnknownClass,
          path: p.xmlPath,
          message: `class \`${ob.name}\` is not in the class list; object skipped`,
          hint: `classes: ${classes.join(", ")}`,
        });
        continue;
      }
      // Ultralytics convert_box, in corner form: [xmin − base, xmax − base].
      let x1 = ob.xmin - base, x2 = ob.xmax - base, y1 = ob.ymin - base, y2 = ob.ymax - base; // prettier-ignore
      if (x2 <= x1 || y2 <= y1) {
        report.skippedBadBox++;
        issues.push({
          code: DET.vocBadBox,
          path: p.xmlPath,
          message: `${ob.name} box (${ob.xmin}, ${ob.ymin}, ${ob.xmax}, ${ob.ymax}) is empty or inverted; object skipped`,
        });
        continue;
      }
      const cx1 = Math.max(0, x1), cy1 = Math.max(0, y1), cx2 = Math.min(p.width, x2), cy2 = Math.min(p.height, y2); // prettier-ignore
      if (cx2 <= cx1 || cy2 <= cy1) {
        report.skippedBadBox++;
        issues.push({
          code: DET.vocBadBox,
          path: p.xmlPath,
          message: `${ob.name} box (${ob.xmin}, ${ob.ymin}, ${ob.xmax}, ${ob.ymax}) lies outside the ${p.width}x${p.height} image; object skipped`,
        });
        continue;
      }
      if (cx1 !== x1 || cy1 !== y1 || cx2 !== x2 || cy2 !== y2) {
        report.clippedBoxes++;
        issues.push({
          code: DET.vocBadBox,
          path: p.xmlPath,
          message: `${ob.name} box (${ob.xmin}, ${ob.ymin}, ${ob.xmax}, ${ob.ymax}) extends past the ${p.width}x${p.height} image; clipped`,
        });
      }
      [x1, y1, x2, y2] = [cx1, cy1, cx2, cy2];
      boxes.push({
        cls,
        xc: (x1 + x2) / 2 / p.width,
        yc: (y1 + y2) / 2 / p.height,
        w: (x2 - x1) / p.width,
        h: (y2 - y1) / p.height,
      });
      objectsPerClass[cls]++;
      report.objects++;
    }
    let name = basename(p.imagePath);
    for (let k = 1; usedNames.has(name); k++)
      name = `${basename(p.imagePath, extname(p.imagePath))}_${k}${extname(p.imagePath)}`;
    usedNames.add(name);
    converted.push({ imagePath: p.imagePath, boxes, name });
  }

  // Seeded split.
  const valFraction = o.valFraction ?? 0.2;
  const order = createRng(o.seed ?? 0).shuffle(converted.map((_, i) => i));
  const nVal =
    valFraction > 0
      ? Math.min(converted.length - 1, Math.max(1, Math.round(converted.length * valFraction)))
      : 0;
  const valSet = new Set(order.slice(0, Math.max(0, nVal)));
  const outDir = resolve(o.outDir);
  const counts = { train: 0, val: 0 };
  for (let i = 0; i < converted.length; i++) {
    const c = converted[i];
    const split = valSet.has(i) ? "val" : "train";
    counts[split]++;
    const imgOut = join(outDir, "images", split, c.name);
    const lblOut = join(outDir, "labels", split, basename(c.name, extname(c.name)) + ".txt");
    await mkdir(join(outDir, "images", split), { recursive: true });
    await mkdir(join(outDir, "labels", split), { recursive: true });
    if ((o.imageMode ?? "copy") === "symlink") {
      if (!existsSync(imgOut))
        await symlink(relative(join(outDir, "images", split), c.imagePath), imgOut);
    } else await copyFile(c.imagePath, imgOut);
    await writeFile(lblOut, formatYoloLabels(c.boxes));
  }
  const yamlPath = join(outDir, "dataset.yaml");
  await writeFile(
    yamlPath,
    formatDatasetYaml({
      train: "images/train",
      val: nVal > 0 ? "images/val" : "images/train",
      names: classes,
    }),
  );
  return { yamlPath, classes, converted: counts, objectsPerClass, ...report };
}

export interface YoloToVocOptions {
  coordinateBase?: 0 | 1;
  /** Round box corners to whole pixels (VOC convention, default true). */
  integer?: boolean;
}

/** VOC XML for one YOLO image. */
export function yoloToVocXml(
  item: Pick<VerifiedImage, "imagePath" | "width" | "height" | "boxes">,
  names: readonly string[],
  o: YoloToVocOptions = {},
): string {
  const base = o.coordinateBase ?? 1;
  const round = (v: number) => ((o.integer ?? true) ? Math.round(v) : Number(v.toFixed(3)));
  return formatVocXml({
    folder: "images",
    filename: basename(item.imagePath),
    width: item.width,
    height: item.height,
    depth: 3,
    objects: item.boxes.map((b) => {
      const x1 = (b.xc - b.w / 2) * item.width;
      const x2 = (b.xc + b.w / 2) * item.width;
      const y1 = (b.yc - b.h / 2) * item.height;
      const y2 = (b.yc + b.h / 2) * item.height;
      return {
        name: names[b.cls] ?? String(b.cls),
        difficult: false,
        truncated: false,
        xmin: round(x1 + base),
        ymin: round(y1 + base),
        xmax: round(x2 + base),
        ymax: round(y2 + base),
      };
    }),
  });
}

/** Write `<outDir>/<image stem>.xml` for each scanned image; returns the files written. */
export async function exportYoloToVoc(
  items: readonly VerifiedImage[],
  names: readonly string[],
  outDir: string,
  o: YoloToVocOptions = {},
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const used = new Set<string>();
  for (const item of items) {
    let stem = basename(item.imagePath, extname(item.imagePath));
    for (let k = 1; used.has(stem); k++)
      stem = `${basename(item.imagePath, extname(item.imagePath))}_${k}`;
    used.add(stem);
    const path = join(outDir, `${stem}.xml`);
    await writeFile(path, yoloToVocXml(item, names, o));
    written.push(path);
  }
  return written;
}
